// What the scenedetect elements of a run found, summed up in one line each when it ends:
// "3 scene changes: 2 cuts, 1 gradual; 3 snapshots and index.json in DIR".
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "onair/gst_ptr.h"

namespace onair::app {

class SceneSummary {
 public:
  // Watches the scenedetect elements of `pipeline`; without any, lines() is empty.
  explicit SceneSummary(GstElement *pipeline);

  // Counts a scenedetect-cut message; false for any other message.
  bool count(GstMessage *message);
  // One line per scenedetect element (its name in front when there are several).
  std::vector<std::string> lines() const;

 private:
  struct Found {
    ElementPtr element;
    uint64_t cuts = 0, gradual = 0, manual = 0, snapshots = 0;
  };
  std::map<std::string, Found> found_;  // by element name
};

}  // namespace onair::app
