#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_ASCII_ENC (gst_ascii_enc_get_type())
G_DECLARE_FINAL_TYPE(GstAsciiEnc, gst_ascii_enc, GST, ASCII_ENC, GstElement)

#define GST_TYPE_ASCII_ENC_FORMAT (gst_ascii_enc_format_get_type())
GType gst_ascii_enc_format_get_type(void);

GST_ELEMENT_REGISTER_DECLARE(asciienc);

G_END_DECLS
