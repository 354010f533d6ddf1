#include "speech_mixer.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace onair::speech {

const char *kind_name(ItemKind kind) {
  switch (kind) {
    case ItemKind::speech:
      return "speech";
    case ItemKind::clip:
      return "clip";
    case ItemKind::samples:
      return "samples";
  }
  return "speech";
}

const char *reason_name(EndReason reason) {
  switch (reason) {
    case EndReason::done:
      return "done";
    case EndReason::skipped:
      return "skipped";
    case EndReason::interrupted:
      return "interrupted";
    case EndReason::cleared:
      return "cleared";
    case EndReason::failed:
      return "failed";
  }
  return "done";
}

SpeechMixer::SpeechMixer(uint64_t first_id) : next_id_(first_id) {
  configure(config_, 48000);
}

void SpeechMixer::configure(const MixerConfig &config, int rate) {
  config_ = config;
  envelope_.configure(config.duck_level, config.attack_frames, config.release_frames);
  limiter_.configure(rate);
}

uint64_t SpeechMixer::enqueue(ItemKind kind, std::string label, std::shared_ptr<ItemAudio> audio,
                              bool interrupt) {
  if (queue_.size() >= config_.max_queue) return 0;
  Item item{next_id_++, kind, std::move(label), std::move(audio), interrupt};
  const uint64_t id = item.id;
  if (interrupt) {
    queue_.push_front(std::move(item));
    gap_left_ = 0;  // an interruption does not wait out the gap either
    if (current_ && !current_->ending) begin_ending(EndReason::interrupted);
  } else {
    queue_.push_back(std::move(item));
  }
  return id;
}

bool SpeechMixer::skip() {
  if (!current_ || current_->ending) return false;
  begin_ending(EndReason::skipped);
  return true;
}

size_t SpeechMixer::clear(std::vector<MixerEvent> &events) {
  size_t ended = 0;
  if (current_ && !current_->ending) {
    begin_ending(EndReason::cleared);
    ended++;
  }
  for (Item &item : queue_) {
    item.audio->cancel();
    events.push_back(finished_event(item, 0, 0, EndReason::cleared, {}));
    ended++;
  }
  queue_.clear();
  return ended;
}

void SpeechMixer::abort_all(const std::string &error, std::vector<MixerEvent> &events) {
  if (current_) finish_current(0, EndReason::failed, error, events);
  for (Item &item : queue_) {
    item.audio->cancel();
    events.push_back(finished_event(item, 0, 0, EndReason::failed, error));
  }
  queue_.clear();
  gap_left_ = 0;
}

std::optional<uint64_t> SpeechMixer::current_id() const {
  if (!current_) return std::nullopt;
  return current_->item.id;
}

std::string SpeechMixer::current_label() const {
  return current_ ? current_->item.label : std::string();
}

bool SpeechMixer::idle() const {
  return !current_ && queue_.empty() && gap_left_ == 0 && envelope_.at_rest() && limiter_.at_rest();
}

void SpeechMixer::begin_ending(EndReason reason) {
  current_->ending = reason;
  current_->fade_left = config_.fade_frames;
}

MixerEvent SpeechMixer::finished_event(const Item &item, size_t offset, uint64_t frames,
                                       EndReason reason, std::string error) {
  MixerEvent e;
  e.type = MixerEvent::Type::finished;
  e.id = item.id;
  e.kind = item.kind;
  e.label = item.label;
  e.offset = offset;
  e.frames = frames;
  e.reason = reason;
  e.error = std::move(error);
  return e;
}

void SpeechMixer::finish_current(size_t offset, EndReason reason, std::string error,
                                 std::vector<MixerEvent> &events) {
  Playing &p = *current_;
  p.item.audio->cancel();
  events.push_back(finished_event(p.item, offset, p.played, reason, std::move(error)));
  // An interrupting item at the head goes on at once, also when the item it meant to cut
  // short was already ending for another reason.
  const bool urgent =
      reason == EndReason::interrupted || (!queue_.empty() && queue_.front().interrupt);
  gap_left_ = urgent ? 0 : config_.gap_frames;
  current_.reset();
}

size_t SpeechMixer::step(size_t offset, size_t frames, std::vector<MixerEvent> &events) {
  const size_t remaining = frames - offset;
  for (;;) {
    if (current_) {
      Playing &p = *current_;
      const int item_channels = p.item.audio->channels();
      if (item_channels != 0 && item_channels != channels_) {
        finish_current(offset, EndReason::failed, "the stream's channel count changed", events);
        continue;
      }
      if (p.ending && p.fade_left == 0) {
        finish_current(offset, *p.ending, {}, events);
        continue;
      }
      const ItemAudio::Status status = p.item.audio->status();
      const uint64_t available = status.frames - p.position;
      if (available == 0 && status.failed) {
        finish_current(offset, EndReason::failed, status.error, events);
        continue;
      }
      if (available == 0 && status.complete) {
        finish_current(offset, p.ending.value_or(EndReason::done), {}, events);
        continue;
      }
      // With nothing available the producer is behind (an underrun): silence plays and
      // the item goes on; it ends only when the producer says so.
      size_t run =
          available ? static_cast<size_t>(std::min<uint64_t>(remaining, available)) : remaining;
      if (p.ending) run = std::min<size_t>(run, p.fade_left);
      return run;
    }
    if (gap_left_ > 0) return static_cast<size_t>(std::min<uint64_t>(remaining, gap_left_));
    if (queue_.empty()) return remaining;
    Item &head = queue_.front();
    const ItemAudio::Status status = head.audio->status();
    if (status.frames == 0 && (status.failed || status.complete)) {
      head.audio->cancel();
      events.push_back(finished_event(head, offset, 0, EndReason::failed,
                                      status.failed ? status.error : "it has no sound"));
      queue_.pop_front();
      continue;
    }
    // Playback starts with the first samples, not when the item is complete.
    if (status.frames == 0) return remaining;
    MixerEvent started;
    started.type = MixerEvent::Type::started;
    started.id = head.id;
    started.kind = head.kind;
    started.label = head.label;
    started.offset = offset;
    if (status.complete)
      started.frames = status.frames;
    else if (status.expected)
      started.frames = status.expected;
    events.push_back(std::move(started));
    current_.emplace();
    current_->item = std::move(head);
    queue_.pop_front();
  }
}

void SpeechMixer::mix(float *samples, size_t frames, std::vector<MixerEvent> &events) {
  const auto ch = static_cast<size_t>(channels_);
  for (size_t f = 0; f < frames;) {
    const size_t run = step(f, frames, events);
    float *out = samples + f * ch;
    if (current_) {
      Playing &p = *current_;
      item_scratch_.resize(run * ch);
      const size_t got = p.item.audio->read(p.position, run, item_scratch_.data());
      const double fade_frames = std::max<uint32_t>(config_.fade_frames, 1);
      for (size_t i = 0; i < run; i++) {
        const auto duck = static_cast<float>(envelope_.next(true));
        double item_gain = config_.speech_volume;
        if (p.ending) item_gain *= --p.fade_left / fade_frames;
        const auto gain = static_cast<float>(item_gain);
        float *frame = out + i * ch;
        if (i < got) {
          const float *item = item_scratch_.data() + i * ch;
          for (size_t c = 0; c < ch; c++) frame[c] = frame[c] * duck + item[c] * gain;
        } else {
          for (size_t c = 0; c < ch; c++) frame[c] *= duck;
        }
      }
      p.position += got;
      p.played += run;
    } else {
      const bool ducked = gap_left_ > 0;
      for (size_t i = 0; i < run; i++) {
        if (!ducked && envelope_.at_rest()) break;
        const auto duck = static_cast<float>(envelope_.next(ducked));
        for (size_t c = 0; c < ch; c++) out[i * ch + c] *= duck;
      }
      gap_left_ -= std::min<uint64_t>(gap_left_, run);
    }
    f += run;
  }
  if (config_.limiter) limiter_.process(samples, frames, channels_);
}

void SpeechMixer::process(float *samples, size_t frames, std::vector<MixerEvent> &events) {
  if (idle()) return;
  mix(samples, frames, events);
}

void SpeechMixer::process(int16_t *samples, size_t frames, std::vector<MixerEvent> &events) {
  if (idle()) return;
  const size_t n = frames * static_cast<size_t>(channels_);
  float_scratch_.resize(n);
  for (size_t i = 0; i < n; i++) float_scratch_[i] = samples[i] / 32768.0f;
  mix(float_scratch_.data(), frames, events);
  // Saturates: without the limiter a loud sum is clipped, never wrapped.
  for (size_t i = 0; i < n; i++)
    samples[i] = static_cast<int16_t>(
        std::clamp(std::lrintf(float_scratch_[i] * 32768.0f), -32768L, 32767L));
}

}  // namespace onair::speech
