#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_RESILIENT_SRC (gst_resilient_src_get_type())
G_DECLARE_FINAL_TYPE(GstResilientSrc, gst_resilient_src, GST, RESILIENT_SRC, GstBin)

GST_ELEMENT_REGISTER_DECLARE(resilientsrc);

G_END_DECLS
