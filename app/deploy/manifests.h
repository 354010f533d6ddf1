// The Kubernetes objects of one channel, as "onair deploy" prints them: a
// StatefulSet of one pod (per capture card for SDI channels), the pipeline file
// in a ConfigMap, a Service for the web port, secrets by reference only.
// Plain C++: no value of a secret variable ever reaches it.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "deploy/encode_resources.h"

namespace onair::app {

// One onair process of the channel: a container.
struct ChannelProcess {
  std::string name;  // the container's name: "onair", or "port-0-1" for an SDI port
  std::vector<std::pair<std::string, std::string>> sets;  // -s values, secrets excluded
  int web_port = 8080;
  Resources resources;
};

// A StatefulSet: the channel's one pod (or one pod per SDI card).
struct ChannelPod {
  std::string name;  // the StatefulSet's and Service's name
  std::vector<ChannelProcess> processes;
  // SDI: the device resource each process asks for (one per port) and where such nodes are.
  std::string device_resource;
  std::map<std::string, std::string> node_selector;
};

struct ChannelSpec {
  std::string channel;         // the label every object carries
  std::string namespace_name;  // empty: the one kubectl uses
  std::string image;
  std::string pipeline_file;                  // "rtmp.pipeline": the ConfigMap's key
  std::string pipeline_text;                  // the file as written
  std::vector<std::string> secret_variables;  // read from the Secret, key = variable name
  std::string secret_name;
  double eos_timeout = 10;  // the run's drain bound (--eos-timeout)
  std::string storage = "10Gi";
  std::string storage_class;  // empty: the cluster's default
  std::vector<ChannelPod> pods;
};

// The environment variable a secret variable comes in: "key" -> ONAIR_KEY.
std::string secret_env_name(const std::string &variable);

// A Kubernetes object name (DNS-1123 label, at most `max` characters).
bool is_object_name(const std::string &name, size_t max = 63);

// The multi-document YAML.
std::string channel_manifests(const ChannelSpec &spec);

}  // namespace onair::app
