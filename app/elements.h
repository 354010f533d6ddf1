// Finding the elements of a running pipeline by what made them.
#pragma once

#include <gst/gst.h>

#include <map>
#include <string>

#include "onair/gst_ptr.h"

namespace onair::app {

// Every element below `bin` (in nested bins too) made by the factory
// `factory`, by element name; each map value holds a reference.
std::map<std::string, ElementPtr> elements_made_by(GstElement *bin, const char *factory);

}  // namespace onair::app
