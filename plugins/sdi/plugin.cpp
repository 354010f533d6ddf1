#include <gst/gst.h>

#include "gstsdisrc.h"
#include "sdi_video_src.h"

static gboolean plugin_init(GstPlugin *plugin) {
  return GST_ELEMENT_REGISTER(sdivideosrc, plugin) && GST_ELEMENT_REGISTER(sdisrc, plugin);
}

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, onairsdi,
                  "SDI capture from DELTACAST and DeckLink cards, one health model", plugin_init,
                  ONAIR_VERSION, "LGPL", "onair", "onair")
