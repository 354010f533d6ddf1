// What the messages of the speech element (ttsmix) mean on the console: one
// line per item started, finished or refused.
#pragma once

#include <gst/gst.h>

#include "run/console.h"

namespace onair::app {

// Shows a ttsmix-started, ttsmix-finished or ttsmix-refused message on the
// console ("speech: #3 started at 12.40 s (speech): \"Hello\""); false for any
// other message.
bool show_speech_message(GstMessage *message, Console &console);

}  // namespace onair::app
