#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_RESILIENT_RTMP_SINK (gst_resilient_rtmp_sink_get_type())
G_DECLARE_FINAL_TYPE(GstResilientRtmpSink, gst_resilient_rtmp_sink, GST, RESILIENT_RTMP_SINK,
                     GstBin)

GST_ELEMENT_REGISTER_DECLARE(resilientrtmpsink);

G_END_DECLS
