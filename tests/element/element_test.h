// What the element tests share: their main() (element_test_main.cpp: gst_init, then every
// test) and helpers that read a bus. A test file includes this header and defines no main().
#pragma once

#include <gst/gst.h>
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "onair/gst_ptr.h"

namespace onair::element_test {

// The first message of `types` on `bus` that `wanted` accepts (any, without `wanted`), waiting
// until `timeout` has passed; null when none came. Messages passed over are dropped.
inline MessagePtr wait_for_message(GstBus *bus, GstMessageType types, GstClockTime timeout,
                                   const std::function<bool(GstMessage *)> &wanted = {}) {
  const gint64 deadline = g_get_monotonic_time() + static_cast<gint64>(timeout / GST_USECOND);
  for (;;) {
    const gint64 left = deadline - g_get_monotonic_time();
    if (left < 0) return nullptr;
    MessagePtr m(
        gst_bus_timed_pop_filtered(bus, static_cast<GstClockTime>(left) * GST_USECOND, types));
    if (!m) return nullptr;
    if (!wanted || wanted(m.get())) return m;
  }
}

// The element message named `name` on `bus`, waiting until `timeout` has passed; null when
// none came. Other element messages are dropped.
inline MessagePtr wait_for_element_message(GstBus *bus, const char *name, GstClockTime timeout) {
  return wait_for_message(bus, GST_MESSAGE_ELEMENT, timeout,
                          [name](GstMessage *m) { return gst_message_has_name(m, name); });
}

// The structures of the element messages posted on `bus` so far, in order, without waiting;
// with `name`, only those of that name (the others are dropped).
inline std::vector<StructurePtr> take_element_messages(GstBus *bus, const char *name = nullptr) {
  std::vector<StructurePtr> out;
  while (MessagePtr m{gst_bus_pop_filtered(bus, GST_MESSAGE_ELEMENT)}) {
    const GstStructure *s = gst_message_get_structure(m.get());
    if (!name || gst_structure_has_name(s, name)) out.emplace_back(gst_structure_copy(s));
  }
  return out;
}

// The text of every error posted on `bus` so far, one per line, without waiting.
inline std::string take_error_text(GstBus *bus) {
  std::string text;
  while (MessagePtr m{gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR)}) {
    GError *error = nullptr;
    gst_message_parse_error(m.get(), &error, nullptr);
    text += std::string(error->message) + "\n";
    g_error_free(error);
  }
  return text;
}

}  // namespace onair::element_test
