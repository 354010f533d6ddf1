#include "run/elements.h"

namespace onair::app {

std::map<std::string, ElementPtr> elements_made_by(GstElement *bin, const char *factory_name) {
  std::map<std::string, ElementPtr> out;
  for_each_item(
      gst_bin_iterate_recurse(GST_BIN(bin)),
      [&](gpointer object) {
        auto *element = GST_ELEMENT(object);
        GstElementFactory *factory = gst_element_get_factory(element);
        if (factory && g_str_equal(GST_OBJECT_NAME(factory), factory_name))
          out[GST_OBJECT_NAME(element)] = ElementPtr(GST_ELEMENT(gst_object_ref(element)));
      },
      [&] { out.clear(); });
  return out;
}

std::string string_property(GstElement *element, const char *name) {
  gchar *value = nullptr;
  g_object_get(element, name, &value, nullptr);
  std::string out = value ? value : "";
  g_free(value);
  return out;
}

}  // namespace onair::app
