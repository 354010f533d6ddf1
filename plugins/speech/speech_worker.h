// Makes the sound of queued items off the streaming thread: speech from espeak-ng, clips
// decoded by a small private pipeline, raw samples from the application. Each is converted
// to the stream's format (float, its rate and channels) and handed to the item's ItemAudio
// piece by piece, so the mixer can start with the first samples.
//
// Memory stays bounded: a clip decodes on a thread of its own (so a long file never holds
// up the items behind it) and pauses while it is more than kAheadSeconds ahead of its
// playback; the next item is only made once the ones before are less than that ahead
// (an interrupting item does not wait). Speech cannot pause inside espeak-ng (it holds the
// process-wide lock), but say's text is at most 4096 bytes.
//
// Conversion uses GStreamer's own audio converter and resampler (GstAudioConverter, the
// engine of audioconvert and audioresample) rather than a resampler of our own: it is a
// tested windowed-sinc that streams and drains cleanly, and clips already go through the
// same elements in their decoding pipeline.
#pragma once

#include <gst/audio/audio.h>
#include <gst/gst.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/item_audio.h"
#include "core/speech_mixer.h"
#include "espeak_engine.h"
#include "onair/gst_ptr.h"

namespace onair::speech {

struct StreamFormat {
  int rate = 0;
  int channels = 0;
  bool operator==(const StreamFormat &) const = default;
};

struct Job {
  ItemKind kind = ItemKind::speech;
  bool first = false;  // an interrupting item's: made before the others, without waiting
  std::shared_ptr<ItemAudio> audio;
  SpeechRequest speech;       // speech
  std::string uri;            // clip
  BufferPtr samples;          // samples
  GstAudioInfo samples_info;  // samples
};

// Converts raw samples of any format into `audio` (done and finished, or failed) at once, on
// the calling thread.
void convert_samples(GstBuffer *buffer, const GstAudioInfo &info, StreamFormat format,
                     ItemAudio &audio);

class SpeechWorker {
 public:
  explicit SpeechWorker(GstElement *element) : element_(element) {}
  ~SpeechWorker() { stop(); }

  void start();
  // Cancels every job (the one running stops at its next piece) and joins the thread.
  void stop();
  // Jobs wait for the stream's format; a new one applies to jobs that start afterwards.
  void set_format(StreamFormat format);
  void submit(Job job);

 private:
  struct ClipThread {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };

  void run();
  void make(Job &job, StreamFormat format);
  // With lock_ held: true when the items made so far hold more than kAheadSeconds of sound
  // not played yet, so the next one can wait.
  bool far_ahead(StreamFormat format);
  void reap_clips(bool all);

  GstElement *element_;  // for errors and logs; outlives the thread (stop() joins it)
  std::mutex lock_;
  std::condition_variable wake_;
  std::deque<Job> jobs_;
  std::optional<StreamFormat> format_;
  std::vector<std::weak_ptr<ItemAudio>> made_;  // for far_ahead()
  std::vector<ClipThread> clips_;               // decoding, or done and not joined yet
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace onair::speech
