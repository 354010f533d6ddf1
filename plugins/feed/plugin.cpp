#include "gstfeedsrc.h"

#include <gst/gst.h>

static gboolean plugin_init(GstPlugin *plugin) {
  return GST_ELEMENT_REGISTER(feedsrc, plugin);
}

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, onairfeed,
                  "Raw frames and sound from another process as a steady live stream", plugin_init,
                  ONAIR_VERSION, "LGPL", "onair", "onair")
