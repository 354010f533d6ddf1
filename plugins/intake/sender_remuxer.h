// One sender's stream in another container (FLV, as ffmpeg and OBS push it) remuxed into MPEG-TS,
// not re-encoded: a pipeline of its own per sender (appsrc ! demuxer ! parsers ! mpegtsmux !
// appsink), so every sender's container is read from its start while downstream keeps one MPEG-TS
// demuxer for all senders. The programme looks like ffmpeg's own MPEG-TS (PMT on PID 0x1000, video
// on 0x100, sound on 0x101), so remuxed senders and MPEG-TS senders can alternate.
#pragma once

#include <gst/gst.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "onair/gst_ptr.h"

namespace onair::intake {

class SenderRemuxer {
 public:
  // Whether a sender of this type-found type can be remuxed into MPEG-TS.
  static bool handles(const GstCaps *sender_caps);

  // `on_output` is called from the remuxer's own threads whenever output, an error or the end
  // is ready to be taken. Throws std::runtime_error when the pipeline cannot be built.
  SenderRemuxer(const GstCaps *sender_caps, std::function<void()> on_output);
  ~SenderRemuxer();
  SenderRemuxer(const SenderRemuxer &) = delete;
  SenderRemuxer &operator=(const SenderRemuxer &) = delete;

  void push(const uint8_t *data, size_t size);
  // The sender's stream ended: waits (at most `bound`) until everything pushed is remuxed.
  // False when the bound passed first.
  bool finish(std::chrono::milliseconds bound);

  // The MPEG-TS bytes made since the last call.
  std::vector<uint8_t> take_output();
  // Why the sender's stream could not be remuxed; empty while it can.
  std::string error() const;

 private:
  // A stream of the sender's, held back until the container announced all of them.
  struct WaitingStream {
    GstElement *last;  // the element whose src pad goes to the muxer
    gulong probe;      // the block on that pad
    guint pid;
    std::string media;
  };

  void link_stream(GstPad *pad);
  void release_streams();
  void on_sample(GstSample *sample);
  void on_bus_message(GstMessage *message);

  std::function<void()> on_output_;
  ElementPtr pipeline_;
  GstElement *appsrc_ = nullptr;                // owned by pipeline_
  GstElement *mux_ = nullptr;                   // owned by pipeline_
  bool has_video_ = false, has_audio_ = false;  // the demuxer's thread only
  guint next_pid_ = 0x102;                      // the demuxer's thread only

  mutable std::mutex lock_;
  std::condition_variable ended_;
  std::vector<WaitingStream> waiting_;  // under lock_
  std::vector<uint8_t> output_;         // under lock_
  std::string error_;                   // under lock_
  bool eos_ = false;                    // under lock_
};

}  // namespace onair::intake
