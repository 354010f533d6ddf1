#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_LIVE_SPLIT_MUX_SINK (gst_live_split_mux_sink_get_type())
G_DECLARE_FINAL_TYPE(GstLiveSplitMuxSink, gst_live_split_mux_sink, GST, LIVE_SPLIT_MUX_SINK, GstBin)

GST_ELEMENT_REGISTER_DECLARE(livesplitmuxsink);

G_END_DECLS
