// The sound of one queued item, written by the worker that makes it (speech synthesis, a
// decoder, a converter) while the mixer already plays it. Thread-safe: one producer, one
// reader. Samples are float, interleaved, already in the stream's rate and channel count.
#pragma once

#include <cstddef>
#include <deque>
#include <mutex>
#include <string>

namespace onair::speech {

class ItemAudio {
 public:
  // What the reader sees at one moment.
  struct Status {
    size_t frames = 0;      // written so far
    bool complete = false;  // no more will come
    bool failed = false;    // the producer gave up; error says why
    std::string error;
    size_t expected = 0;  // the producer's estimate of the whole length; 0 when unknown
  };

  // The channel count of the frames; fixed by the first call (the producer knows the
  // stream's format only when it starts). Returns false when it differs from an earlier one.
  bool set_channels(int channels);
  int channels() const;

  // Producer side. Samples are interleaved; a partial frame is not allowed.
  void append(const float *samples, size_t frames);
  // The whole length as the producer expects it (a clip's duration), before it has it all.
  void set_expected_frames(size_t frames);
  void finish();
  void fail(std::string error);

  // Reader side: copies up to max_frames frames from frame `from` into out; returns how many.
  // The reader only goes forward: frames before `from` plus those read are let go, so an
  // item holds only what is still to play.
  size_t read(size_t from, size_t max_frames, float *out);
  Status status() const;
  // Frames written but not read yet: how far the producer is ahead of playback.
  size_t frames_ahead() const;

  // Reader side: the item ended or was dropped; the producer should stop making it.
  void cancel();
  bool cancelled() const;

 private:
  mutable std::mutex lock_;
  int channels_ = 0;
  std::deque<float> samples_;  // grows without moving what was written (no copy under lock)
  size_t dropped_ = 0;
  size_t expected_ = 0;  // frames let go from the front of samples_
  bool complete_ = false;
  bool failed_ = false;
  bool cancelled_ = false;
  std::string error_;
};

}  // namespace onair::speech
