#include <gst/gst.h>

#include "gstwebstreamrelaysrc.h"
#include "gstwebstreamsink.h"
#include "onair/alt_payload.h"

static gboolean plugin_init(GstPlugin *plugin) {
  onair::alt_payload::register_meta();
  return GST_ELEMENT_REGISTER(webstreamsink, plugin) &&
         GST_ELEMENT_REGISTER(webstreamrelaysrc, plugin);
}

GST_PLUGIN_DEFINE(
    GST_VERSION_MAJOR, GST_VERSION_MINOR, onairweb,
    "Streams to browsers: WebSocket frames and HTTP streams from one server, relayed through NATS",
    plugin_init, ONAIR_VERSION, "LGPL", "onair", "onair")
