// Running time as the elements use it: nanoseconds as a signed integer, with
// kUnknownTime (-1) for "not known", so cores take plain integers.
#pragma once

#include <gst/gst.h>

#include <cstdint>

namespace onair {

inline constexpr int64_t kUnknownTime = -1;

// A buffer timestamp in a TIME segment as running time, or kUnknownTime when the
// timestamp is invalid, the segment is not in TIME or the timestamp lies outside it.
inline int64_t segment_running_time(const GstSegment *segment, GstClockTime ts) noexcept {
  if (!segment || segment->format != GST_FORMAT_TIME || !GST_CLOCK_TIME_IS_VALID(ts))
    return kUnknownTime;
  const GstClockTime rt = gst_segment_to_running_time(segment, GST_FORMAT_TIME, ts);
  return GST_CLOCK_TIME_IS_VALID(rt) ? static_cast<int64_t>(rt) : kUnknownTime;
}

// The pipeline clock now, as the element's running time; kUnknownTime unless the element is
// PLAYING with a clock (a paused element's base time is stale).
inline int64_t clock_running_time(GstElement *element) noexcept {
  if (GST_STATE(element) != GST_STATE_PLAYING) return kUnknownTime;
  GstClock *clock = gst_element_get_clock(element);
  if (!clock) return kUnknownTime;
  const GstClockTime now = gst_clock_get_time(clock);
  gst_object_unref(clock);
  const GstClockTime base = gst_element_get_base_time(element);
  if (!GST_CLOCK_TIME_IS_VALID(now) || !GST_CLOCK_TIME_IS_VALID(base) || now < base)
    return kUnknownTime;
  return static_cast<int64_t>(now - base);
}

}  // namespace onair
