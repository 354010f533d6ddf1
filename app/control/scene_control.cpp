#include "control/scene_control.h"

#include "control/command.h"
#include "run/elements.h"

namespace onair::app {

std::string capture_snapshot(GstElement *pipeline, const std::string &name) {
  const auto detectors = elements_made_by(pipeline, "scenedetect");
  if (detectors.empty()) throw ControlError(404, "this pipeline has no scene detector");
  std::string chosen = name;
  if (chosen.empty())
    chosen =
        detectors.count("scenes") || detectors.size() > 1 ? "scenes" : detectors.begin()->first;
  const auto it = detectors.find(chosen);
  if (it == detectors.end()) {
    std::string names;
    for (const auto &[n, element] : detectors) names += (names.empty() ? "" : ", ") + n;
    throw ControlError(404,
                       "no scene detector named '" + chosen + "' (scene detectors: " + names + ")");
  }
  gchar *id = nullptr;
  g_signal_emit_by_name(it->second.get(), "capture-now", &id);
  if (!id)
    throw ControlError(409, "no frame to capture yet, or snapshots are off (snapshot-location)");
  std::string out = id;
  g_free(id);
  return out;
}

}  // namespace onair::app
