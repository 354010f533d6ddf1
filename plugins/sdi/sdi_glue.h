// GStreamer glue both card families share: the health messages and the no-signal frames.
#pragma once

#include <gst/gst.h>
#include <gst/video/video.h>

#include <optional>
#include <string>

#include "core/no_signal_timeline.h"
#include "core/signal_health.h"

namespace onair::sdi {

// Posts `message` (if any) from `element` as the sdisrc-* element message it describes
// (sdisrc_messages.h). Call it without holding any lock of your own.
void post_health(GstElement *element, const std::optional<HealthMessage> &message);

// Health times: monotonic ns, independent of the pipeline clock (a port may fail before there
// is one).
int64_t monotonic_now();

// The element's clock as running time (onair::kUnknownTime without a clock or base time). Not
// onair::clock_running_time(): a live source runs before its state reads PLAYING.
int64_t running_time_now(GstElement *element);

// The video info of `mode` in `format` (4:2:2 UYVY or v210 here).
GstVideoInfo mode_video_info(const SdiMode &mode, GstVideoFormat format);

// A black frame of `info` (UYVY or v210), for the no-signal fillers.
GstBuffer *black_frame(const GstVideoInfo &info);

// What the no-signal policy shows in place of a frame, in `info`'s format: the slate naming
// `port_label`, or black. Made once per format; fillers share its memory.
GstBuffer *filler_frame(const GstVideoInfo &info, NoSignalPolicy policy,
                        const std::string &port_label);

// The embedded audio that came with a video frame, from sdivideosrc to sdisrc's audio pad: a
// buffer of 48 kHz S16LE interleaved samples with a GstAudioMeta saying channels and samples,
// kept on the video buffer itself (qdata: it stays inside the bin, nothing downstream sees it).
void attach_embedded_audio(GstBuffer *video, GstBuffer *audio);  // takes `audio`
GstBuffer *embedded_audio(GstBuffer *video);                     // borrowed; nullptr if none

}  // namespace onair::sdi
