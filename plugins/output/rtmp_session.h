// One connection of resilientrtmpsink: appsrc(s) ! flvmux ! rtmp2sink in a pipeline of its
// own, so whatever happens to the connection never reaches the pipeline the element sits in.
#pragma once

#include <gst/gst.h>

#include <functional>
#include <string>

#include "core/output_gate.h"
#include "onair/gst_ptr.h"

namespace onair::output {

struct SessionConfig {
  std::string location;
  bool tls_validation = true;
  guint timeout = 10;  // seconds
  bool video = false;  // which streams it carries
  bool audio = false;
};

class RtmpSession;

// A buffer rtmp2sink took (stream headers aside: they prove nothing).
struct SentBuffer {
  gsize size = 0;
  bool video_frame = false;
  GstClockTime timestamp = GST_CLOCK_TIME_NONE;  // rebased to the connection's start
  int64_t handed_at = -1;  // the owner's running time when rtmp2sink took it; -1 unknown
};

// What a session reports, from its own streaming threads. Each gets the session, so the
// element can ignore one it already dropped.
struct SessionEvents {
  std::function<void(const RtmpSession &, const std::string &error, const std::string &debug)>
      failed;
  std::function<void(const RtmpSession &)> ended;                     // the end of stream went out
  std::function<void(const RtmpSession &, const SentBuffer &)> sent;  // it went out
  std::function<void(const RtmpSession &)> live;  // the first media data went out
};

class RtmpSession {
 public:
  // `owner`: the element whose guard the session's callbacks run under. Throws
  // std::runtime_error when an element is missing.
  RtmpSession(GstElement *owner, const SessionConfig &config, SessionEvents events);
  ~RtmpSession();  // stops the pipeline: no event comes after this
  RtmpSession(const RtmpSession &) = delete;
  RtmpSession &operator=(const RtmpSession &) = delete;

  bool start();  // false: the pipeline could not start
  bool carries(Stream stream) const { return source(stream) != nullptr; }
  // Running time queued for the connection.
  guint64 queued(Stream stream) const;
  // Sends `buffer` (taken), first setting `caps` if they changed.
  void push(Stream stream, GstCaps *caps, GstBuffer *buffer);
  void end(Stream stream);  // no more data on that stream

 private:
  GstElement *source(Stream stream) const { return stream == Stream::kVideo ? video_ : audio_; }
  static GstPadProbeReturn on_sink_buffer(GstPad *, GstPadProbeInfo *info, gpointer data) noexcept;
  static GstBusSyncReply on_message(GstBus *, GstMessage *message, gpointer data) noexcept;

  GstElement *owner_;
  SessionEvents events_;
  ElementPtr pipeline_;
  GstElement *video_ = nullptr;  // appsrc, owned by the pipeline
  GstElement *audio_ = nullptr;
  CapsPtr video_caps_;  // last caps set on each appsrc
  CapsPtr audio_caps_;
  // Touched by rtmp2sink's streaming thread only.
  guint64 sink_buffers_ = 0;
  SentBuffer first_;  // reported once it went out
};

}  // namespace onair::output
