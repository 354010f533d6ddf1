#include "gstscenedetect.h"

#include <gst/gst.h>

static gboolean plugin_init(GstPlugin *plugin) {
  return GST_ELEMENT_REGISTER(scenedetect, plugin);
}

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, onairscene,
                  "Scene cuts and gradual transitions in live video, with snapshots", plugin_init,
                  ONAIR_VERSION, "LGPL", "onair", "onair")
