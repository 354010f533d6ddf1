// sdivideosrc: the video of one SDI port, the source inside the sdisrc bin (usable alone).
#pragma once

#include <gst/base/gstpushsrc.h>

G_BEGIN_DECLS

#define GST_TYPE_SDI_VIDEO_SRC (gst_sdi_video_src_get_type())
G_DECLARE_FINAL_TYPE(GstSdiVideoSrc, gst_sdi_video_src, GST, SDI_VIDEO_SRC, GstPushSrc)

GST_ELEMENT_REGISTER_DECLARE(sdivideosrc);

// The `backend` property's values.
typedef enum {
  GST_SDI_SRC_BACKEND_AUTO,
  GST_SDI_SRC_BACKEND_DELTACAST,
  GST_SDI_SRC_BACKEND_DECKLINK,
} GstSdiSrcBackend;

// Installs the port's properties (backend, device, port, mode, no-signal, depth, devices) on
// `klass` with ids 1 to GST_SDI_VIDEO_SRC_LAST_PROPERTY; sdisrc forwards them by name.
void gst_sdi_video_src_install_port_properties(GObjectClass *klass);
#define GST_SDI_VIDEO_SRC_LAST_PROPERTY 7

G_END_DECLS
