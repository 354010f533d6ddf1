// Branches of a launch line that wait on a decoder's or demuxer's output
// ("dec. ! queue ...", "demux.audio ! queue ...") get nothing when the media
// has no such stream (a clip or RTMP stream without sound): their sinks never
// see end of stream, and the pipeline never ends. Once every decoder and
// demuxer in the pipeline has exposed all its pads, the branches still
// unlinked are ended with an end of stream of their own.
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <map>
#include <string>

#include "onair/gst_ptr.h"

namespace onair::app {

class DanglingBranches {
 public:
  // Watches the decoder bins (uridecodebin, decodebin, ...) and demuxers
  // among the pipeline's elements; takes a reference on `pipeline`.
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
