#pragma once

#include <gst/base/gstbasetransform.h>

G_BEGIN_DECLS

#define GST_TYPE_STREAM_MONITOR (gst_stream_monitor_get_type())
G_DECLARE_FINAL_TYPE(GstStreamMonitor, gst_stream_monitor, GST, STREAM_MONITOR, GstBaseTransform)

GST_ELEMENT_REGISTER_DECLARE(streammonitor);

G_END_DECLS
