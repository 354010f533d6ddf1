// The picture sources with a slate behind them (resilientsrc, and slateswitch elements not
// inside one): their input-lost and input-back messages on the console, their state in the
// status. Messages give what the stats property does not keep: the time of the next attempt
// and the latest error.
#pragma once

#include <gst/gst.h>

#include <map>
#include <mutex>
#include <string>

#include "onair/gst_ptr.h"
#include "run/console.h"
#include "run/status.h"

namespace onair::app {

class SourceWatch {
 public:
  explicit SourceWatch(GstElement *pipeline);

  // Shows an input-lost or input-back message of a watched source; false for any other.
  bool handle(GstMessage *message, Console &console);
  // Adds each source's figures to `status`.
  void fill(Status &status) const;

 private:
  struct Notes {
    std::string last_error;
  };

  std::map<std::string, ElementPtr> sources_;  // by name
  mutable std::mutex lock;
  std::map<std::string, Notes> notes_;
};

}  // namespace onair::app
