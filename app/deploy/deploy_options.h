// The options of "onair deploy". Plain C++.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace onair::app {

struct DeployOptions {
  std::string pipeline;                                   // NAME or FILE
  std::vector<std::pair<std::string, std::string>> sets;  // -s KEY=VALUE, in order
  std::string channel;                                    // --name; empty: the pipeline's name
  std::string namespace_name;
  std::string image = "localhost/onair:latest";
  std::string secret_name;  // empty: the channel's name
  int web_port = 8080;
  double eos_timeout = 10;
  std::string storage = "10Gi";
  std::string storage_class;
  // SDI channels: the device resource of a port and the labels of nodes with cards.
  std::string sdi_resource;                          // empty: the backend's (sdi_device_resource)
  std::map<std::string, std::string> node_selector;  // empty: onair.dev/sdi=BACKEND
};

// Throws UsageError (cli/cli.h).
DeployOptions parse_deploy_options(const std::vector<std::string> &args);

// The extended resource a device plugin advertises for one input port of a card family.
std::string sdi_device_resource(const std::string &backend);

}  // namespace onair::app
