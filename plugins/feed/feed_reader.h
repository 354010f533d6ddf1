// feedsrc's reader thread: takes what a writer sends on standard input, an inherited
// descriptor, a named pipe or a Unix socket, cuts it into frames or sound (core/frame_parser)
// and queues them for the output, waiting while the queue is full (back-pressure). It tells
// when a writer comes and goes, reopens a pipe for the next writer, and lets a new socket
// connection replace the current one.
#pragma once

#include <gst/gst.h>

#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/frame_parser.h"
#include "core/location.h"
#include "feedsrc_priv.h"

namespace onair::feedsrc {

class Reader {
 public:
  Reader(Priv *p, const feed::Location &location, const Media &media,
         const feed::ParserConfig &parsing, bool end_on_close);
  ~Reader();  // closes what it opened, removes the socket file
  Reader(const Reader &) = delete;
  Reader &operator=(const Reader &) = delete;

  // start(): opens what the location names. False with the reason (and the errno text).
  bool open(std::string &why, std::string &detail);
  // Starts the thread, which reads until stop().
  void start();
  // Wakes the thread and joins it. The state is gone by then, so a wait for room ends too.
  void stop();

 private:
  const char *peer() const;
  void release_frame();
  void set_connected(bool now);
  bool open_pipe(std::string &why, std::string &detail);
  bool open_socket(std::string &why, std::string &detail);
  bool step();
  void attach(uint64_t size);
  void accept_writer();
  void announce_connected();
  bool read_some();
  bool handle_events();
  void lost_alignment();
  void writer_gone(const std::string &reason);

  Priv *p_;
  feed::Location location_;
  Media media_;
  bool end_on_close_;
  int wake_[2] = {-1, -1};
  int listen_fd_ = -1;
  int fd_ = -1;             // the data being read
  bool owns_fd_ = false;    // a pipe or an accepted connection; not stdin or fd:N
  bool exhausted_ = false;  // no more writers can come (stdin or fd:N at its end; end-on-close)
  bool connected_ = false;
  feed::FrameParser parser_;
  std::vector<feed::ParserEvent> events_;
  BufferPtr frame_;  // video: the frame being read into, mapped
  GstMapInfo frame_map_{};
  std::vector<uint8_t> message_;  // audio with headers: the message being read
  std::thread thread_;
};

}  // namespace onair::feedsrc
