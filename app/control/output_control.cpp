#include "control/output_control.h"

#include "control/command.h"
#include "run/elements.h"

namespace onair::app {

void reconnect_outputs(GstElement *pipeline, const std::string &name) {
  const auto outputs = elements_made_by(pipeline, "resilientrtmpsink");
  if (outputs.empty()) throw ControlError(404, "this pipeline has no RTMP outputs");
  if (!name.empty() && !outputs.count(name)) {
    std::string names;
    for (const auto &[n, element] : outputs) names += (names.empty() ? "" : ", ") + n;
    throw ControlError(404, "no output named '" + name + "' (outputs: " + names + ")");
  }
  for (const auto &[n, element] : outputs)
    if (name.empty() || n == name) g_signal_emit_by_name(element.get(), "reconnect-now");
}

}  // namespace onair::app
