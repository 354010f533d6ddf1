#pragma once

#include <gst/base/gstpushsrc.h>

G_BEGIN_DECLS

#define GST_TYPE_WEB_STREAM_RELAY_SRC (gst_web_stream_relay_src_get_type())
G_DECLARE_FINAL_TYPE(GstWebStreamRelaySrc, gst_web_stream_relay_src, GST, WEB_STREAM_RELAY_SRC,
                     GstPushSrc)

GST_ELEMENT_REGISTER_DECLARE(webstreamrelaysrc);

G_END_DECLS
