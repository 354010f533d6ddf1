// What the messages of the inputs a program writes (feedsrc) mean on the console.
#pragma once

#include <gst/gst.h>

#include "run/console.h"

namespace onair::app {

// Shows a feedsrc message (a writer came or went, the picture stalled or came
// back) on the console; false for any other message.
bool show_input_message(GstMessage *message, Console &console);

}  // namespace onair::app
