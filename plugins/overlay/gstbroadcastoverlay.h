#pragma once

#include <gst/video/gstvideofilter.h>

G_BEGIN_DECLS

#define GST_TYPE_BROADCAST_OVERLAY (gst_broadcast_overlay_get_type())
G_DECLARE_FINAL_TYPE(GstBroadcastOverlay, gst_broadcast_overlay, GST, BROADCAST_OVERLAY,
                     GstVideoFilter)

#define GST_TYPE_BROADCAST_OVERLAY_POSITION (gst_broadcast_overlay_position_get_type())
GType gst_broadcast_overlay_position_get_type(void);

GST_ELEMENT_REGISTER_DECLARE(broadcastoverlay);

G_END_DECLS
