// The queue of items and the mix: plain C++, no GStreamer.
//
// Items (speech, clips, raw samples) wait in order and play one at a time, each followed by
// a gap of silence; an interrupting item goes to the head and fades the current one out.
// While an item plays (and through its gap) the programme is ducked along DuckEnvelope's
// ramps. Output = programme × envelope + item × speech-volume × fade, then the limiter.
//
// Time is counted in output frames only: the caller feeds every programme buffer through
// process() and maps frame offsets onto its own clock (running time), so nothing here
// depends on the wall clock. Not thread-safe: the caller serialises calls (the element holds
// one lock); only ItemAudio is shared with the producers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "duck_envelope.h"
#include "item_audio.h"
#include "limiter.h"

namespace onair::speech {

enum class ItemKind { speech, clip, samples };
enum class EndReason { done, skipped, interrupted, cleared, failed };

const char *kind_name(ItemKind kind);
const char *reason_name(EndReason reason);

struct MixerConfig {
  double duck_level = 0.2;
  uint32_t attack_frames = 0;
  uint32_t release_frames = 0;
  uint32_t gap_frames = 0;
  uint32_t fade_frames = 0;
  double speech_volume = 1.0;
  bool limiter = true;
  size_t max_queue = 16;
};

// Something that happened during process() (or a queue operation), for a bus message.
struct MixerEvent {
  enum class Type { started, finished };
  Type type = Type::started;
  uint64_t id = 0;
  ItemKind kind = ItemKind::speech;
  std::string label;
  // Frames into the process() call that produced it (0 for queue operations): the item's
  // first frame (started) or the frame after its last one (finished).
  size_t offset = 0;
  // started: the item's length in frames when already known (or as its producer expects
  // it). finished: frames it played.
  std::optional<uint64_t> frames;
  EndReason reason = EndReason::done;  // finished only
  std::string error;                   // finished with failed only
};

class SpeechMixer {
 public:
  // Ids start at first_id (an element's ids go on counting across restarts).
  explicit SpeechMixer(uint64_t first_id = 1);

  // Applies from the next process() call. Ramps already under way keep their place.
  void configure(const MixerConfig &config, int rate);
  // The stream's channel count; items made for another count fail when they come up.
  void set_channels(int channels) { channels_ = channels; }

  // Queues an item. Returns its id (> 0), or 0 when the queue already holds max_queue
  // waiting items. An interrupting item goes to the head and the current item fades out.
  uint64_t enqueue(ItemKind kind, std::string label, std::shared_ptr<ItemAudio> audio,
                   bool interrupt);
  // Fades the current item out (reason skipped); false when nothing is playing or it is
  // already ending.
  bool skip();
  // Fades the current item out and drops every waiting one (finished events for those go
  // to `events` now). Returns how many items it ended.
  size_t clear(std::vector<MixerEvent> &events);
  // Ends everything at once without a fade (reason failed), for a format change or a stop.
  void abort_all(const std::string &error, std::vector<MixerEvent> &events);

  // Mixes the playing item into `frames` interleaved frames of programme, in place.
  void process(float *samples, size_t frames, std::vector<MixerEvent> &events);
  void process(int16_t *samples, size_t frames, std::vector<MixerEvent> &events);

  size_t waiting() const { return queue_.size(); }
  uint64_t next_id() const { return next_id_; }
  // The playing item (also while it fades out), or none.
  std::optional<uint64_t> current_id() const;
  std::string current_label() const;
  // True when the mix leaves the programme as it is: nothing playing or waiting to start,
  // no gap, envelope and limiter at rest.
  bool idle() const;

 private:
  struct Item {
    uint64_t id = 0;
    ItemKind kind = ItemKind::speech;
    std::string label;
    std::shared_ptr<ItemAudio> audio;
    bool interrupt = false;
  };
  struct Playing {
    Item item;
    uint64_t position = 0;  // frames of the item's sound played
    uint64_t played = 0;    // output frames since its start (underruns included)
    std::optional<EndReason> ending;
    uint32_t fade_left = 0;
  };

  void mix(float *samples, size_t frames, std::vector<MixerEvent> &events);
  // Starts or ends items at frame `offset`; returns how many frames may be mixed from there
  // before the state can change again.
  size_t step(size_t offset, size_t frames, std::vector<MixerEvent> &events);
  void finish_current(size_t offset, EndReason reason, std::string error,
                      std::vector<MixerEvent> &events);
  void begin_ending(EndReason reason);
  static MixerEvent finished_event(const Item &item, size_t offset, uint64_t frames,
                                   EndReason reason, std::string error);

  MixerConfig config_;
  int channels_ = 1;
  uint64_t next_id_ = 1;
  std::deque<Item> queue_;
  std::optional<Playing> current_;
  uint64_t gap_left_ = 0;
  DuckEnvelope envelope_;
  Limiter limiter_;
  std::vector<float> item_scratch_;
  std::vector<float> float_scratch_;
};

}  // namespace onair::speech
