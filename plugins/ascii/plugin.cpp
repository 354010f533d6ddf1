#include <gst/gst.h>

#include "gstasciienc.h"
#include "gstasciirender.h"
#include "onair/alt_payload.h"

static gboolean plugin_init(GstPlugin *plugin) {
  onair::alt_payload::register_meta();
  gboolean ok = GST_ELEMENT_REGISTER(asciienc, plugin);
  ok &= GST_ELEMENT_REGISTER(asciirender, plugin);
  return ok;
}

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, onairascii,
                  "Video as coloured ASCII art: cell frames for browsers and terminals, and "
                  "cells back to video",
                  plugin_init, ONAIR_VERSION, "LGPL", "onair", "onair")
