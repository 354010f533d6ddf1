#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_SLATE_SWITCH (gst_slate_switch_get_type())
G_DECLARE_FINAL_TYPE(GstSlateSwitch, gst_slate_switch, GST, SLATE_SWITCH, GstElement)

GST_ELEMENT_REGISTER_DECLARE(slateswitch);

G_END_DECLS
