#include "deploy/deploy_command.h"

#include <glib.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <string>

#include "deploy/deploy_options.h"
#include "deploy/manifests.h"
#include "pipeline/expansion.h"
#include "pipeline/values.h"
#include "previews/preview_ports.h"

namespace onair::app {

namespace {

// Where the container keeps its runs (deploy/manifests.cpp mounts the volume at /data).
constexpr char kRunDir[] = "/data/runs/run";
constexpr char kWebDir[] = "/usr/share/onair/web";

// A value a secret variable's declaration accepts, to check the others with: the real
// one stays in the cluster's Secret.
std::string stand_in(const Variable &var) {
  if (!var.allowed.empty()) return var.allowed.front();
  if (var.type == VarType::kInt || var.type == VarType::kNumber) {
    char text[32];
    std::snprintf(text, sizeof text, "%.0f", var.min ? std::ceil(*var.min) : 0.0);
    return text;
  }
  return "secret";
}

std::string file_text(const std::string &path) {
  gchar *contents = nullptr;
  gsize length = 0;
  GError *error = nullptr;
  if (!g_file_get_contents(path.c_str(), &contents, &length, &error)) {
    const std::string message = error->message;
    g_error_free(error);
    throw PipelineError(path + ": " + message);
  }
  std::string text(contents, length);
  g_free(contents);
  return text;
}

std::string current_dir() {
  gchar *cwd = g_get_current_dir();
  std::string here = cwd;
  g_free(cwd);
  return here;
}

Resources resources_of(const PipelineFile &file, const std::map<std::string, std::string> &values) {
  return encode_resources(encodes_in_launch(expand(file, values)));
}

// "0.1" -> "port-0-1": a container name.
std::string process_name(const SdiPort &port) {
  std::string id = port.id();
  for (char &c : id)
    if (c == '.') c = '-';
  return "port-" + id;
}

// SDI channels: a pod per card, a container per port, each running one port.
std::vector<ChannelPod> card_pods(const PipelineFile &file,
                                  const std::map<std::string, std::string> &values,
                                  const DeployOptions &d, const std::string &channel) {
  const auto ports_value = values.find(kPortsVariable);
  if (ports_value == values.end() || ports_value->second.empty())
    throw PipelineError(file.path + ": deploy needs the ports of the channel: -s " +
                        std::string(kPortsVariable) + "=0.0,0.1 (or dl0,dl1 for DeckLink)");
  const auto run_backend = values.find("backend");
  std::vector<ChannelPod> pods;
  for (const SdiPort &port : parse_port_list(ports_value->second)) {
    std::string backend = port.backend;
    if (backend.empty())
      backend = run_backend != values.end() && run_backend->second != "auto" ? run_backend->second
                                                                             : "deltacast";
    const std::string card =
        port.backend == "decklink" ? port.id() : "card" + std::to_string(port.device);
    ChannelPod *pod = nullptr;
    for (ChannelPod &p : pods)
      if (p.name == channel + "-" + card) pod = &p;
    if (!pod) {
      pod = &pods.emplace_back();
      pod->name = channel + "-" + card;
      pod->device_resource = d.sdi_resource.empty() ? sdi_device_resource(backend) : d.sdi_resource;
      pod->node_selector = d.node_selector;
      if (pod->node_selector.empty()) pod->node_selector["onair.dev/sdi"] = backend;
    }
    ChannelProcess process;
    process.name = process_name(port);
    for (const auto &[key, value] : d.sets)
      if (key != kPortsVariable) process.sets.emplace_back(key, value);
    process.sets.emplace_back(kPortsVariable, port.id());
    process.web_port = d.web_port + static_cast<int>(pod->processes.size());
    process.resources =
        resources_of(file, port_values(values, port, std::string(kRunDir) + "/previews"));
    pod->processes.push_back(std::move(process));
  }
  return pods;
}

}  // namespace

int command_deploy(const Locations &where, const Options &options) {
  DeployOptions d;
  try {
    d = parse_deploy_options(options.deploy_args);
  } catch (const UsageError &e) {
    std::fprintf(stderr, "onair: %s\nTry 'onair deploy --help'.\n", e.what());
    return kExitUsage;
  }
  const PipelineRef ref = locate_pipeline(where, d.pipeline);
  const PipelineFile file = load_pipeline(ref);

  ChannelSpec spec;
  spec.channel = d.channel.empty() ? ref.stem : d.channel;
  if (!is_object_name(spec.channel, 52))
    throw PipelineError("'" + spec.channel +
                        "' is no Kubernetes name: give the channel one with --name");
  spec.namespace_name = d.namespace_name;
  spec.image = d.image;
  // The file keeps its name: the header's name must match it.
  spec.pipeline_file = ref.stem + ".pipeline";
  if (spec.pipeline_file.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                           "0123456789-._") != std::string::npos)
    throw PipelineError(ref.path + ": a ConfigMap cannot hold a file named '" + spec.pipeline_file +
                        "': rename it with letters, digits, '-', '_', '.'");
  spec.pipeline_text = file_text(ref.path);
  spec.secret_name = d.secret_name.empty() ? spec.channel : d.secret_name;
  spec.eos_timeout = d.eos_timeout;
  spec.storage = d.storage;
  spec.storage_class = d.storage_class;

  // Secrets are checked with stand-ins and passed by reference: a value given
  // here is never read, let alone printed.
  std::map<std::string, std::string> given;
  std::vector<std::pair<std::string, std::string>> sets;
  for (const auto &[key, value] : d.sets) {
    const Variable *var = file.find(key);
    if (var && var->secret) {
      std::fprintf(stderr,
                   "onair: the value given for secret variable '%s' is not used: the pod reads "
                   "it from key '%s' of Secret '%s'\n",
                   key.c_str(), key.c_str(), spec.secret_name.c_str());
      continue;
    }
    given[key] = value;
    sets.emplace_back(key, value);
  }
  for (const Variable &var : file.variables)
    if (var.secret) {
      given[var.name] = stand_in(var);
      spec.secret_variables.push_back(var.name);
    }
  std::map<std::string, std::string> values = resolve_values(file, given, current_dir());
  values["run_dir"] = kRunDir;
  values["web_dir"] = kWebDir;

  DeployOptions with_sets = d;
  with_sets.sets = sets;
  if (file.per_port) {
    spec.pods = card_pods(file, values, with_sets, spec.channel);
  } else {
    ChannelPod &pod = spec.pods.emplace_back();
    pod.name = spec.channel;
    ChannelProcess &process = pod.processes.emplace_back();
    process.name = "onair";
    process.sets = sets;
    process.web_port = d.web_port;
    process.resources = resources_of(file, values);
  }
  std::fputs(channel_manifests(spec).c_str(), stdout);
  return kExitOk;
}

}  // namespace onair::app
