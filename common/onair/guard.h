// Keeps C++ exceptions out of GStreamer's C frames. Every vfunc, property accessor, pad
// function, thread entry and bus or signal callback runs its body in guarded(): an exception
// becomes an element error (LIBRARY, FAILED) and a fallback value.
//
// The first exception also marks the element failed, and a failed element refuses further
// work: guarded() returns the fallback without running the body, as gstreamer-rs does after a
// panic. Its state is unknown once an exception cut a body short, so carrying on could only
// make things worse. Teardown (stop(), downward state changes, finalize) uses
// guarded_teardown(), which runs even on a failed element so threads and resources are
// still released; guarded_state_change() picks one of the two by the transition's direction.
#pragma once

#include <gst/gst.h>

#include <exception>
#include <type_traits>
#include <utility>

namespace onair {

namespace guard_detail {

inline GQuark failed_quark() noexcept {
  static const GQuark quark = g_quark_from_static_string("onair-element-failed");
  return quark;
}

inline void post_internal_error(GstElement *element, const char *what) noexcept {
  g_object_set_qdata(G_OBJECT(element), failed_quark(), GINT_TO_POINTER(1));
  GST_ELEMENT_ERROR(element, LIBRARY, FAILED, ("Internal error in %s", GST_ELEMENT_NAME(element)),
                    ("%s", what));
}

template <typename Fallback, typename Body>
auto run(GstElement *element, Fallback &&fallback, Body &&body) noexcept
    -> std::invoke_result_t<Body> {
  try {
    return std::forward<Body>(body)();
  } catch (const std::exception &e) {
    post_internal_error(element, e.what());
  } catch (...) {
    post_internal_error(element, "unknown exception");
  }
  if constexpr (!std::is_void_v<std::invoke_result_t<Body>>)
    return std::forward<Fallback>(fallback);
}

struct NoValue {};

}  // namespace guard_detail

// True once an exception escaped one of the element's guarded bodies.
inline bool element_failed(GstElement *element) noexcept {
  return g_object_get_qdata(G_OBJECT(element), guard_detail::failed_quark()) != nullptr;
}

// Runs body; on an exception posts the error, marks the element failed and returns fallback.
// On an element that already failed, returns fallback at once.
template <typename Fallback, typename Body>
auto guarded(GstElement *element, Fallback fallback, Body &&body) noexcept
    -> std::invoke_result_t<Body> {
  if (element_failed(element)) return fallback;
  return guard_detail::run(element, std::move(fallback), std::forward<Body>(body));
}

template <typename Body>
void guarded(GstElement *element, Body &&body) noexcept {
  if (element_failed(element)) return;
  guard_detail::run(element, guard_detail::NoValue{}, std::forward<Body>(body));
}

// Like guarded(), but runs on a failed element too: for releasing threads and resources.
template <typename Fallback, typename Body>
auto guarded_teardown(GstElement *element, Fallback fallback, Body &&body) noexcept
    -> std::invoke_result_t<Body> {
  return guard_detail::run(element, std::move(fallback), std::forward<Body>(body));
}

template <typename Body>
void guarded_teardown(GstElement *element, Body &&body) noexcept {
  guard_detail::run(element, guard_detail::NoValue{}, std::forward<Body>(body));
}

// A change_state body: guarded() going up, guarded_teardown() going down, so a failed element
// refuses to start again yet can always be stopped.
template <typename Body>
GstStateChangeReturn guarded_state_change(GstElement *element, GstStateChange transition,
                                          Body &&body) noexcept {
  if (GST_STATE_TRANSITION_NEXT(transition) < GST_STATE_TRANSITION_CURRENT(transition))
    return guarded_teardown(element, GST_STATE_CHANGE_FAILURE, std::forward<Body>(body));
  return guarded(element, GST_STATE_CHANGE_FAILURE, std::forward<Body>(body));
}

}  // namespace onair
