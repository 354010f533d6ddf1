#pragma once

#include <gst/base/gstpushsrc.h>

G_BEGIN_DECLS

#define GST_TYPE_SENDER_LISTEN_SRC (gst_sender_listen_src_get_type())
G_DECLARE_FINAL_TYPE(GstSenderListenSrc, gst_sender_listen_src, GST, SENDER_LISTEN_SRC, GstPushSrc)

GST_ELEMENT_REGISTER_DECLARE(senderlistensrc);

G_END_DECLS
