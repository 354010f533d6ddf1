// GStreamer glue both card families share: the health messages and the black frame.
#pragma once

#include <gst/gst.h>
#include <gst/video/video.h>

#include <optional>

#include "core/signal_health.h"

namespace onair::sdi {

// Posts `message` (if any) from `element` as the sdisrc-* element message it describes
// (sdisrc_messages.h). Call it without holding any lock of your own.
void post_health(GstElement *element, const std::optional<HealthMessage> &message);

// A black frame of `info` (UYVY or v210), for the no-signal fillers.
GstBuffer *black_frame(const GstVideoInfo &info);

}  // namespace onair::sdi
