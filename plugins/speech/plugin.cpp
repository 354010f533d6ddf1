#include <gst/gst.h>

#include "gstttsmix.h"

static gboolean plugin_init(GstPlugin *plugin) {
  return GST_ELEMENT_REGISTER(ttsmix, plugin);
}

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, onairspeech,
                  "Speech and sound clips mixed into live audio, with ducking", plugin_init,
                  ONAIR_VERSION, "LGPL", "onair", "onair")
