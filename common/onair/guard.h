// Keeps C++ exceptions out of GStreamer's C frames: every vfunc body runs in
// guarded(), which turns an exception into an element error and a fallback value.
#pragma once

#include <gst/gst.h>

#include <exception>
#include <type_traits>
#include <utility>

namespace onair {

inline void post_internal_error(GstElement *element, const char *what) noexcept {
  GST_ELEMENT_ERROR(element, LIBRARY, FAILED, ("Internal error in %s", GST_ELEMENT_NAME(element)),
                    ("%s", what));
}

template <typename Fallback, typename Body>
auto guarded(GstElement *element, Fallback fallback, Body &&body) noexcept
    -> std::invoke_result_t<Body> {
  try {
    return std::forward<Body>(body)();
  } catch (const std::exception &e) {
    post_internal_error(element, e.what());
  } catch (...) {
    post_internal_error(element, "unknown exception");
  }
  return fallback;
}

template <typename Body>
void guarded(GstElement *element, Body &&body) noexcept {
  try {
    std::forward<Body>(body)();
  } catch (const std::exception &e) {
    post_internal_error(element, e.what());
  } catch (...) {
    post_internal_error(element, "unknown exception");
  }
}

}  // namespace onair
