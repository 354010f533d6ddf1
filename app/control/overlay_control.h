// Applies control commands to the broadcastoverlay elements of a running
// pipeline through their action signals and properties. Call from the main
// loop; every failure is a ControlError.
#pragma once

#include <gst/gst.h>

#include <vector>

#include "control/command.h"
#include "control/replies.h"

namespace onair::app {

class OverlayControl {
 public:
  // Takes a reference on `pipeline`.
  explicit OverlayControl(GstElement *pipeline);
  ~OverlayControl();
  OverlayControl(const OverlayControl &) = delete;
  OverlayControl &operator=(const OverlayControl &) = delete;

  // 404/409 when the overlay cannot be chosen, 400 when the element refuses, 429 when
  // its alert queue is full.
  void apply(const ControlCommand &command);
  // Every broadcastoverlay in the pipeline (in nested bins too), by name.
  std::vector<OverlayFigures> list() const;

 private:
  GstElement *pipeline_;
};

}  // namespace onair::app
