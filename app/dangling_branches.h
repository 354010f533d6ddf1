// Branches of a launch line that wait on a decoder's output ("dec. ! queue
// ...") get nothing when the media has no such stream (a clip without
// sound): their sinks never see end of stream, and the pipeline never ends.
// Once every decoder in the pipeline has exposed all its pads, the branches
// still unlinked are ended with an end of stream of their own.
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <map>
#include <string>

#include "onair/gst_ptr.h"

namespace onair::app {

class DanglingBranches {
 public:
  // Watches the decoders (uridecodebin, decodebin and their 3 versions) among
  // the pipeline's elements; takes a reference on `pipeline`.
  explicit DanglingBranches(GstElement *pipeline);
  ~DanglingBranches();
  DanglingBranches(const DanglingBranches &) = delete;
  DanglingBranches &operator=(const DanglingBranches &) = delete;

 private:
  static void on_no_more_pads(GstElement *decoder, gpointer self) noexcept;
  static void end_unlinked_branches(GstElement *pipeline, gpointer) noexcept;

  ElementPtr pipeline_;
  std::map<std::string, ElementPtr> decoders_;
  std::atomic<int> waiting_{0};  // decoders that have not exposed all pads yet
};

}  // namespace onair::app
