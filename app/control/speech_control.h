// Applies the speech commands (say, play, speech-skip, speech-clear) to the
// ttsmix element of a running pipeline through its action signals. Call from
// the main loop; every failure is a ControlError.
#pragma once

#include <gst/gst.h>

#include <string>

#include "control/command.h"

namespace onair::app {

class SpeechControl {
 public:
  // Takes a reference on `pipeline` and listens to its bus for the reasons of
  // refusals, which the element posts while its signal runs.
  explicit SpeechControl(GstElement *pipeline);
  ~SpeechControl();
  SpeechControl(const SpeechControl &) = delete;
  SpeechControl &operator=(const SpeechControl &) = delete;

  // Returns the answer's members: "\"id\":3" (say, play), "\"skipped\":true",
  // "\"cleared\":2". 409 without a ttsmix (or with several and none named
  // "speech"), 400 for a clip that is missing or not sound, 429 when the
  // element refused the item for a full queue, 400 when it refused it otherwise.
  std::string apply(const ControlCommand &command);

  // The element the commands go to: the ttsmix named "speech", else the only one.
  static constexpr const char *kName = "speech";

 private:
  static void on_sync_message(GstBus *, GstMessage *message, gpointer) noexcept;

  GstElement *pipeline_;
  GstBus *bus_;
  gulong handler_ = 0;
};

}  // namespace onair::app
