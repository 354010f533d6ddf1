#include <gst/gst.h>

#include "gstresilientsrc.h"
#include "gstslateswitch.h"

static gboolean plugin_init(GstPlugin *plugin) {
  gboolean ok = GST_ELEMENT_REGISTER(slateswitch, plugin);
  ok &= GST_ELEMENT_REGISTER(resilientsrc, plugin);
  return ok;
}

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, onairfailover,
                  "A slate when the input dies: live outputs stay on air", plugin_init,
                  ONAIR_VERSION, "LGPL", "onair", "onair")
