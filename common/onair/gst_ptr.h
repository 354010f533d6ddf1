// Owning smart pointers for GLib and GStreamer objects, so cleanup follows scope.
#pragma once

#include <gst/gst.h>

#include <memory>

namespace onair {

struct GstObjectUnref {
  void operator()(gpointer object) const {
    if (object) gst_object_unref(object);
  }
};
struct MiniObjectUnref {
  void operator()(GstMiniObject *object) const {
    if (object) gst_mini_object_unref(object);
  }
  void operator()(GstMessage *m) const { (*this)(GST_MINI_OBJECT_CAST(m)); }
  void operator()(GstBuffer *b) const { (*this)(GST_MINI_OBJECT_CAST(b)); }
  void operator()(GstCaps *c) const { (*this)(GST_MINI_OBJECT_CAST(c)); }
  void operator()(GstEvent *e) const { (*this)(GST_MINI_OBJECT_CAST(e)); }
  void operator()(GstSample *s) const { (*this)(GST_MINI_OBJECT_CAST(s)); }
};
struct StructureFree {
  void operator()(GstStructure *s) const {
    if (s) gst_structure_free(s);
  }
};
struct GErrorFree {
  void operator()(GError *e) const {
    if (e) g_error_free(e);
  }
};
struct GFree {
  void operator()(gpointer p) const { g_free(p); }
};

template <typename T>
using ObjectPtr = std::unique_ptr<T, GstObjectUnref>;
using ElementPtr = ObjectPtr<GstElement>;
using BusPtr = ObjectPtr<GstBus>;
using ClockPtr = ObjectPtr<GstClock>;
using MessagePtr = std::unique_ptr<GstMessage, MiniObjectUnref>;
using BufferPtr = std::unique_ptr<GstBuffer, MiniObjectUnref>;
using CapsPtr = std::unique_ptr<GstCaps, MiniObjectUnref>;
using EventPtr = std::unique_ptr<GstEvent, MiniObjectUnref>;
using SamplePtr = std::unique_ptr<GstSample, MiniObjectUnref>;
using StructurePtr = std::unique_ptr<GstStructure, StructureFree>;
using ErrorPtr = std::unique_ptr<GError, GErrorFree>;
using CharPtr = std::unique_ptr<gchar, GFree>;

}  // namespace onair
