#include "deploy/deploy_options.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <regex>

#include "cli/cli.h"
#include "deploy/manifests.h"

namespace onair::app {

namespace {

std::pair<std::string, std::string> key_value(const std::string &option, const std::string &text) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw UsageError(option + " takes KEY=VALUE, not '" + text.substr(0, 40) + "'");
  return {text.substr(0, eq), text.substr(eq + 1)};
}

}  // namespace

std::string sdi_device_resource(const std::string &backend) {
  return backend == "decklink" ? "blackmagicdesign.com/decklink" : "deltacast.tv/sdi";
}

DeployOptions parse_deploy_options(const std::vector<std::string> &args) {
  DeployOptions d;
  for (size_t i = 0; i < args.size(); i++) {
    const std::string &a = args[i];
    const size_t eq = a.find('=');
    const bool long_with_value = a.rfind("--", 0) == 0 && eq != std::string::npos;
    const std::string name = long_with_value ? a.substr(0, eq) : a;
    const auto value = [&]() -> std::string {
      if (long_with_value) return a.substr(eq + 1);
      if (i + 1 >= args.size()) throw UsageError(a + " needs a value");
      return args[++i];
    };
    if (name == "-s" || name == "--set") {
      d.sets.push_back(key_value("-s", value()));
    } else if (name == "--name") {
      d.channel = value();
      if (!is_object_name(d.channel, 52))
        throw UsageError("--name takes lower-case letters, digits and '-' (at most 52), not '" +
                         d.channel.substr(0, 60) + "'");
    } else if (name == "--namespace") {
      d.namespace_name = value();
      if (!is_object_name(d.namespace_name))
        throw UsageError("--namespace takes a Kubernetes name, not '" +
                         d.namespace_name.substr(0, 60) + "'");
    } else if (name == "--image") {
      d.image = value();
      if (d.image.empty() || d.image.find_first_of(" \t\n") != std::string::npos)
        throw UsageError("--image takes an image reference such as localhost/onair:latest");
    } else if (name == "--secret") {
      d.secret_name = value();
      if (!is_object_name(d.secret_name, 253))
        throw UsageError("--secret takes the name of a Kubernetes Secret, not '" +
                         d.secret_name.substr(0, 60) + "'");
    } else if (name == "--web-port") {
      const std::string port = value();
      if (port.empty() || port.size() > 5 ||
          port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) < 1 ||
          std::stoi(port) > 65535)
        throw UsageError("--web-port: '" + port + "' is not a port number");
      d.web_port = std::stoi(port);
    } else if (name == "--eos-timeout") {
      const std::string text = value();
      errno = 0;
      char *end = nullptr;
      const double v = std::strtod(text.c_str(), &end);
      if (text.empty() || errno || end != text.c_str() + text.size() || !std::isfinite(v) ||
          v < 0 || v > 3600)
        throw UsageError("--eos-timeout takes a number of seconds, not '" + text + "'");
      d.eos_timeout = v;
    } else if (name == "--storage") {
      d.storage = value();
      static const std::regex quantity("[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?");
      if (!std::regex_match(d.storage, quantity))
        throw UsageError("--storage takes a size such as 10Gi, not '" + d.storage.substr(0, 40) +
                         "'");
    } else if (name == "--storage-class") {
      d.storage_class = value();
      if (!is_object_name(d.storage_class, 253))
        throw UsageError("--storage-class takes a StorageClass name");
    } else if (name == "--sdi-resource") {
      d.sdi_resource = value();
      static const std::regex resource(
          "[a-z0-9]([-a-z0-9.]*[a-z0-9])?/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");
      if (!std::regex_match(d.sdi_resource, resource))
        throw UsageError("--sdi-resource takes an extended resource name such as deltacast.tv/sdi");
    } else if (name == "--node-selector") {
      const auto [key, label] = key_value("--node-selector", value());
      d.node_selector[key] = label;
    } else if (!a.empty() && a[0] == '-') {
      throw UsageError("unknown option '" + a + "' for deploy");
    } else if (d.pipeline.empty()) {
      d.pipeline = a;
    } else {
      throw UsageError("unexpected argument '" + a + "'");
    }
  }
  if (d.pipeline.empty()) throw UsageError("deploy needs a pipeline name or file");
  return d;
}

}  // namespace onair::app
