// The control command for scene detectors: capture now (a snapshot of the
// latest frame, whatever the scene detection found).
#pragma once

#include <gst/gst.h>

#include <string>

namespace onair::app {

// Emits "capture-now" on the scenedetect element named `name` (empty: the one
// named "scenes", else the only one); returns the new snapshot's id. Throws
// ControlError: 404 no such element, 409 no frame yet or snapshots off.
std::string capture_snapshot(GstElement *pipeline, const std::string &name);

}  // namespace onair::app
