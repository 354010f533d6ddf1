#include "deploy/manifests.h"

#include <cmath>
#include <cstdio>

#include "deploy/yaml.h"

namespace onair::app {

namespace {

using yaml::List;
using yaml::Node;

constexpr char kConfigDir[] = "/config";
constexpr char kDataDir[] = "/data";
// After the drain (--eos-timeout), `onair run` gives a stuck pipeline 10 s more to stop
// (docs/app.md); then a margin to close the web server and exit.
constexpr int kStopBoundSeconds = 10;
constexpr int kExitMarginSeconds = 5;

Node labels(const ChannelSpec &spec, const std::string &pod) {
  Node l;
  l.set("app.kubernetes.io/name", "onair");
  l.set("app.kubernetes.io/instance", spec.channel);
  l.set("onair.dev/pod", pod);
  return l;
}

Node metadata(const ChannelSpec &spec, const std::string &name, const std::string &pod) {
  Node m;
  m.set("name", name);
  if (!spec.namespace_name.empty()) m.set("namespace", spec.namespace_name);
  m.set("labels", labels(spec, pod));
  return m;
}

Node object(const char *api_version, const char *kind) {
  Node o;
  o.set("apiVersion", api_version);
  o.set("kind", kind);
  return o;
}

std::string config_map_name(const ChannelSpec &spec) {
  return spec.channel + "-pipeline";
}

Node probe(const char *path, int port, int period, int failures) {
  Node p;
  Node &get = p.set("httpGet", Node::map());
  get.set("path", path);
  get.set("port", port);
  p.set("periodSeconds", period);
  p.set("failureThreshold", failures);
  return p;
}

// The web port's name: "web", or "web-N" for the Nth port of a card's pod.
std::string port_name(const ChannelPod &pod, size_t index) {
  return pod.processes.size() == 1 ? std::string("web") : "web-" + std::to_string(index);
}

Node container(const ChannelSpec &spec, const ChannelPod &pod, size_t index) {
  const ChannelProcess &process = pod.processes[index];
  Node c;
  c.set("name", process.name);
  c.set("image", spec.image);
  c.set("command", List{"onair"});
  Node &args = c.set("args", Node::list());
  args.add("run");
  args.add(std::string(kConfigDir) + "/" + spec.pipeline_file);
  args.add("--http");
  args.add("0.0.0.0:" + std::to_string(process.web_port));
  args.add("--output-dir");
  args.add(std::string(kDataDir) + "/runs");
  args.add("--sessions-dir");
  args.add(std::string(kDataDir) + "/sessions");
  // The control API's token stays with the channel's volume across restarts.
  args.add("--token-file");
  args.add(std::string(kDataDir) + "/api-token");
  args.add("--eos-timeout");
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%g", spec.eos_timeout);
  args.add(seconds);
  for (const auto &[key, value] : process.sets) {
    args.add("-s");
    args.add(key + "=" + value);
  }
  for (const std::string &variable : spec.secret_variables) {
    args.add("-s");
    args.add(variable + "=env:" + secret_env_name(variable));
  }
  if (!spec.secret_variables.empty()) {
    Node &env = c.set("env", Node::list());
    for (const std::string &variable : spec.secret_variables) {
      Node &e = env.add(Node::map());
      e.set("name", secret_env_name(variable));
      Node &ref = e.set("valueFrom", Node::map()).set("secretKeyRef", Node::map());
      ref.set("name", spec.secret_name);
      ref.set("key", variable);
    }
  }
  Node &port = c.set("ports", Node::list()).add(Node::map());
  port.set("name", port_name(pod, index));
  port.set("containerPort", process.web_port);
  c.set("livenessProbe", probe("/healthz", process.web_port, 10, 3));
  c.set("readinessProbe", probe("/readyz", process.web_port, 5, 2));
  Node &resources = c.set("resources", Node::map());
  Node &requests = resources.set("requests", Node::map());
  requests.set("cpu", std::to_string(process.resources.cpu_millicores) + "m");
  requests.set("memory", std::to_string(process.resources.memory_mib) + "Mi");
  if (!pod.device_resource.empty()) requests.set(pod.device_resource, "1");
  // No CPU limit: a throttled live encode drops frames; memory is bounded.
  Node &limits = resources.set("limits", Node::map());
  limits.set("memory", std::to_string(process.resources.memory_limit_mib) + "Mi");
  if (!pod.device_resource.empty()) limits.set(pod.device_resource, "1");
  Node &mounts = c.set("volumeMounts", Node::list());
  Node &config = mounts.add(Node::map());
  config.set("name", "pipeline");
  config.set("mountPath", kConfigDir);
  config.set("readOnly", true);
  Node &data = mounts.add(Node::map());
  data.set("name", "data");
  data.set("mountPath", kDataDir);
  // Ports of one card share the volume, each in its own folder.
  if (pod.processes.size() > 1) data.set("subPath", process.name);
  return c;
}

Node stateful_set(const ChannelSpec &spec, const ChannelPod &pod) {
  Node s = object("apps/v1", "StatefulSet");
  s.set("metadata", metadata(spec, pod.name, pod.name));
  Node &body = s.set("spec", Node::map());
  body.set("serviceName", pod.name);
  // One pod: two would push to the same stream key.
  body.set("replicas", 1);
  body.set("selector", Node::map()).set("matchLabels", labels(spec, pod.name));
  Node &tmpl = body.set("template", Node::map());
  tmpl.set("metadata", Node::map()).set("labels", labels(spec, pod.name));
  Node &pod_spec = tmpl.set("spec", Node::map());
  pod_spec.set("terminationGracePeriodSeconds", static_cast<int>(std::ceil(spec.eos_timeout)) +
                                                    kStopBoundSeconds + kExitMarginSeconds);
  if (!pod.node_selector.empty()) {
    Node &selector = pod_spec.set("nodeSelector", Node::map());
    for (const auto &[key, value] : pod.node_selector) selector.set(key, value);
  }
  Node &containers = pod_spec.set("containers", Node::list());
  for (size_t i = 0; i < pod.processes.size(); i++) containers.add(container(spec, pod, i));
  Node &volume = pod_spec.set("volumes", Node::list()).add(Node::map());
  volume.set("name", "pipeline");
  volume.set("configMap", Node::map()).set("name", config_map_name(spec));
  Node &claim = body.set("volumeClaimTemplates", Node::list()).add(Node::map());
  claim.set("metadata", Node::map()).set("name", "data");
  Node &claim_spec = claim.set("spec", Node::map());
  claim_spec.set("accessModes", List{"ReadWriteOnce"});
  if (!spec.storage_class.empty()) claim_spec.set("storageClassName", spec.storage_class);
  claim_spec.set("resources", Node::map())
      .set("requests", Node::map())
      .set("storage", spec.storage);
  return s;
}

Node service(const ChannelSpec &spec, const ChannelPod &pod) {
  Node s = object("v1", "Service");
  Node &meta = s.set("metadata", metadata(spec, pod.name, pod.name));
  Node &annotations = meta.set("annotations", Node::map());
  annotations.set("prometheus.io/scrape", "true");
  annotations.set("prometheus.io/path", "/metrics");
  annotations.set("prometheus.io/port", std::to_string(pod.processes.front().web_port));
  Node &body = s.set("spec", Node::map());
  body.set("selector", labels(spec, pod.name));
  Node &ports = body.set("ports", Node::list());
  for (size_t i = 0; i < pod.processes.size(); i++) {
    Node &port = ports.add(Node::map());
    port.set("name", port_name(pod, i));
    port.set("port", pod.processes[i].web_port);
    port.set("targetPort", pod.processes[i].web_port);
  }
  return s;
}

Node config_map(const ChannelSpec &spec) {
  Node c = object("v1", "ConfigMap");
  c.set("metadata", metadata(spec, config_map_name(spec), spec.channel));
  c.set("data", Node::map()).set(spec.pipeline_file, spec.pipeline_text);
  return c;
}

}  // namespace

std::string secret_env_name(const std::string &variable) {
  std::string name = "ONAIR_";
  for (char c : variable)
    name += (c >= 'a' && c <= 'z')                               ? static_cast<char>(c - 'a' + 'A')
            : ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) ? c
                                                                 : '_';
  return name;
}

bool is_object_name(const std::string &name, size_t max) {
  if (name.empty() || name.size() > max || name.front() == '-' || name.back() == '-') return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

std::string channel_manifests(const ChannelSpec &spec) {
  std::string out = "# onair deploy: channel " + spec.channel + "\n";
  out += yaml::emit(config_map(spec));
  for (const ChannelPod &pod : spec.pods) {
    out += "---\n" + yaml::emit(service(spec, pod));
    out += "---\n" + yaml::emit(stateful_set(spec, pod));
  }
  return out;
}

}  // namespace onair::app
