#include <gst/gst.h>

#include "gstsenderlistensrc.h"

static gboolean plugin_init(GstPlugin *plugin) {
  return GST_ELEMENT_REGISTER(senderlistensrc, plugin);
}

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, onairintake,
                  "Intake: a stream a network sender pushes over TCP, one sender at a time",
                  plugin_init, ONAIR_VERSION, "LGPL", "onair", "onair")
