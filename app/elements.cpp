#include "elements.h"

namespace onair::app {

std::map<std::string, ElementPtr> elements_made_by(GstElement *bin, const char *factory_name) {
  std::map<std::string, ElementPtr> out;
  GstIterator *it = gst_bin_iterate_recurse(GST_BIN(bin));
  GValue item = G_VALUE_INIT;
  for (bool done = false; !done;) {
    switch (gst_iterator_next(it, &item)) {
      case GST_ITERATOR_OK: {
        auto *element = GST_ELEMENT(g_value_get_object(&item));
        GstElementFactory *factory = gst_element_get_factory(element);
        if (factory && g_str_equal(GST_OBJECT_NAME(factory), factory_name))
          out[GST_OBJECT_NAME(element)] = ElementPtr(GST_ELEMENT(gst_object_ref(element)));
        g_value_reset(&item);
        break;
      }
      case GST_ITERATOR_RESYNC:
        out.clear();
        gst_iterator_resync(it);
        break;
      default:
        done = true;
        break;
    }
  }
  g_value_unset(&item);
  gst_iterator_free(it);
  return out;
}

}  // namespace onair::app
