#pragma once

#include <gst/base/gstpushsrc.h>

G_BEGIN_DECLS

#define GST_TYPE_FEED_SRC (gst_feed_src_get_type())
G_DECLARE_FINAL_TYPE(GstFeedSrc, gst_feed_src, GST, FEED_SRC, GstPushSrc)

GST_ELEMENT_REGISTER_DECLARE(feedsrc);

G_END_DECLS
