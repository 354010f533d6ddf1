#include "gststreammonitor.h"

#include <gst/gst.h>

static gboolean plugin_init(GstPlugin *plugin) {
  return GST_ELEMENT_REGISTER(streammonitor, plugin);
}

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, onairmonitor,
                  "Stream health monitoring: rates, gaps, jitter, latency and alerts", plugin_init,
                  ONAIR_VERSION, "LGPL", "onair", "onair")
