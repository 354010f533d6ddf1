// Finding the elements of a running pipeline by what made them, and reading them.
#pragma once

#include <gst/gst.h>

#include <map>
#include <string>

#include "onair/gst_ptr.h"

namespace onair::app {

// Calls `fn` with every object `it` yields, then frees `it`. When the
// collection changes underneath, iteration starts over after `on_resync`.
template <typename F, typename R>
void for_each_item(GstIterator *it, F fn, R on_resync) {
  GValue item = G_VALUE_INIT;
  for (bool done = false; !done;) {
    switch (gst_iterator_next(it, &item)) {
      case GST_ITERATOR_OK:
        fn(g_value_get_object(&item));
        g_value_reset(&item);
        break;
      case GST_ITERATOR_RESYNC:
        on_resync();
        gst_iterator_resync(it);
        break;
      default:
        done = true;
        break;
    }
  }
  g_value_unset(&item);
  gst_iterator_free(it);
}

template <typename F>
void for_each_item(GstIterator *it, F fn) {
  for_each_item(it, fn, [] {});
}

// A readable property of `element` of type `type`, into `out` (left alone
// when the element has no such property).
template <typename T>
void read_property(GstElement *element, const char *name, GType type, T &out) {
  GParamSpec *spec = g_object_class_find_property(G_OBJECT_GET_CLASS(element), name);
  if (!spec || spec->value_type != type || !(spec->flags & G_PARAM_READABLE)) return;
  g_object_get(element, name, &out, nullptr);
}

// A string property of `element` ("" when unset).
std::string string_property(GstElement *element, const char *name);

// Every element below `bin` (in nested bins too) made by the factory
// `factory`, by element name; each map value holds a reference.
std::map<std::string, ElementPtr> elements_made_by(GstElement *bin, const char *factory);

}  // namespace onair::app
