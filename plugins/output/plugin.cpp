#include "gstresilientrtmpsink.h"

#include <gst/gst.h>

static gboolean plugin_init(GstPlugin *plugin) {
  return GST_ELEMENT_REGISTER(resilientrtmpsink, plugin);
}

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, onairoutput,
                  "Network outputs that survive network trouble", plugin_init, ONAIR_VERSION,
                  "LGPL", "onair", "onair")
