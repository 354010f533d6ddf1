#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_SDI_SRC (gst_sdi_src_get_type())
G_DECLARE_FINAL_TYPE(GstSdiSrc, gst_sdi_src, GST, SDI_SRC, GstBin)

GST_ELEMENT_REGISTER_DECLARE(sdisrc);

G_END_DECLS
