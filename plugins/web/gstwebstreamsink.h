#pragma once

#include <gst/base/gstbasesink.h>

G_BEGIN_DECLS

#define GST_TYPE_WEB_STREAM_SINK (gst_web_stream_sink_get_type())
G_DECLARE_FINAL_TYPE(GstWebStreamSink, gst_web_stream_sink, GST, WEB_STREAM_SINK, GstBaseSink)

#define GST_TYPE_WEB_STREAM_SINK_PROTOCOL (gst_web_stream_sink_protocol_get_type())
GType gst_web_stream_sink_protocol_get_type(void);

// GstContext type an application answers with its own SoupServer (field
// "server", a SoupServer; optional "main-context", the GMainContext it runs in,
// default the global default context).
#define GST_WEB_STREAM_SINK_CONTEXT_TYPE "onair.soup-server"

GST_ELEMENT_REGISTER_DECLARE(webstreamsink);

G_END_DECLS
