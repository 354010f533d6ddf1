#include <gst/gst.h>

#include "gstbroadcastoverlay.h"

static gboolean plugin_init(GstPlugin *plugin) {
  return GST_ELEMENT_REGISTER(broadcastoverlay, plugin);
}

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, onairoverlay,
                  "Broadcast overlay: chat, alerts, status and logo drawn on live video",
                  plugin_init, ONAIR_VERSION, "LGPL", "onair", "onair")
