// feedsrc's private data, shared by its glue: the element (gstfeedsrc.cpp: properties,
// signals, start and stop), the reader thread (feed_reader.cpp: a writer's bytes into frames
// or sound), what the reader and push-buffer hand over (feed_intake.cpp), the caps it offers
// (feed_media.cpp) and the clock-paced output (feed_output.cpp: one buffer a slot).
#pragma once

#include <gst/gst.h>
#include <gst/video/video.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/audio_buffer.h"
#include "core/location.h"
#include "core/slot_grid.h"
#include "core/video_slots.h"
#include "onair/gst_ptr.h"

GST_DEBUG_CATEGORY_EXTERN(feed_src_debug);

namespace onair::feedsrc {

namespace feed = onair::feed;

enum FramingChoice { kFramingAuto, kFramingHeader, kFramingRaw };

inline constexpr guint kDefaultMaxQueued = 2;
inline constexpr guint64 kDefaultMaxBuffered = 30 * GST_SECOND;
inline constexpr guint64 kDefaultLatency = 40 * GST_MSECOND;
inline constexpr guint64 kDefaultStallTimeout = GST_SECOND;

struct Settings {
  std::shared_ptr<GstCaps> caps;
  std::string location;
  FramingChoice framing = kFramingAuto;
  guint max_queued = kDefaultMaxQueued;
  guint64 max_buffered = kDefaultMaxBuffered;
  guint64 latency = kDefaultLatency;
  guint64 stall_timeout = kDefaultStallTimeout;
  bool end_on_close = false;
};

// The stream the caps describe, checked in start().
struct Media {
  bool video = true;
  GstVideoInfo video_info;
  gint rate = 0;
  gint channels = 0;
  uint64_t frame_size = 0;         // video
  uint64_t sample_frame_size = 0;  // audio
  feed::SlotGrid grid;             // the output's slots
  std::string description;         // "854x480 BGRA" / "S16LE 2 channels 48000 Hz"
};

struct Counters {
  guint64 received = 0;
  guint64 repeated = 0;
  guint64 refused = 0;
  guint64 bytes = 0;
  guint64 silence_samples = 0;
  gint rate = 0;  // for silence_samples in ns
  bool connected = false;
  bool stalled = false;
};

// Runtime state: built in start(), dropped in stop(); under Priv::lock.
struct State {
  Media media;
  guint64 latency = 0;
  std::optional<feed::VideoSlots> video;
  std::optional<feed::AudioBuffer> audio;
  std::deque<BufferPtr> frames;  // video frames waiting for their slot, oldest first
  BufferPtr last_frame;          // what a slot without a new frame shows (black at first)
  guint64 slot = 0;              // the next slot's index
  bool first_slot = true;
  bool ending = false;  // EOS once what is queued has played
  bool flushing = false;
  GstClockID clock_wait = nullptr;  // create()'s wait, for unlock()
  std::vector<uint8_t> push_carry;  // audio: an incomplete sample frame pushed last
  feed::WarningLimiter refusal_warnings;
  bool warned_alignment = false;
};

class Reader;

// Lock order: settings_lock and lock are never held together; code that needs both copies
// the settings first. No message is posted and no clock wait blocks under lock.
struct Priv {
  GstElement *element = nullptr;  // the element it belongs to

  std::mutex settings_lock;
  Settings settings;

  std::mutex lock;               // guards everything below
  std::condition_variable room;  // signalled when queued data left, and on stop
  std::optional<State> state;
  Counters counters;

  std::unique_ptr<Reader> reader;  // only start()/stop() touch it
};

inline Settings settings_of(Priv *p) {
  std::lock_guard lock(p->settings_lock);
  return p->settings;
}

inline void post(Priv *p, GstStructure *s) {
  gst_element_post_message(p->element, gst_message_new_element(GST_OBJECT_CAST(p->element), s));
}

// ---- the caps (feed_media.cpp) ----

// The caps as offered: the user's, with audio's layout filled in when left out.
GstCaps *offered_caps(const Settings &s);
// The media the caps describe, or the reason they cannot be used.
std::optional<Media> media_of(GstCaps *caps, std::string &why);
// An opaque black picture: what video slots show before the first frame.
BufferPtr black_frame(const GstVideoInfo &vi);

// ---- what the reader and push-buffer hand over (feed_intake.cpp) ----

// Counts a message of the wrong size, warns (at most once a second) and posts feedsrc-refused.
void warn_refused(Priv *p, const Media &media, uint64_t bytes, uint64_t expected);
// Queues a whole frame, waiting for room (back-pressure). False when the element stopped.
bool queue_frame(Priv *p, BufferPtr frame);
// Queues sound (whole sample frames), waiting for room. False when the element stopped.
bool queue_sound(Priv *p, const uint8_t *data, size_t n);
// The push-buffer action signal: `buffer` is not taken.
GstFlowReturn push_buffer(Priv *p, GstBuffer *buffer);

// ---- the output (feed_output.cpp) ----

// What the latency query answers (state built).
GstClockTime output_latency(const State &st);
// create(): waits for the next slot's end on the pipeline clock and fills it.
GstFlowReturn create_slot(Priv *p, GstBuffer **out);

}  // namespace onair::feedsrc
