#include "gstlivesplitmuxsink.h"
#include "gstwavchunksink.h"

#include <gst/gst.h>

static gboolean plugin_init(GstPlugin *plugin) {
  return GST_ELEMENT_REGISTER(wavchunksink, plugin) &&
         GST_ELEMENT_REGISTER(livesplitmuxsink, plugin);
}

GST_PLUGIN_DEFINE(
    GST_VERSION_MAJOR, GST_VERSION_MINOR, onairrecord,
    "Recording: crash-safe MP4 segments, and sound as numbered WAV chunks for transcription",
    plugin_init, ONAIR_VERSION, "LGPL", "onair", "onair")
