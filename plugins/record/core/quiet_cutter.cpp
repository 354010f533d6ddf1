#include "core/quiet_cutter.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace onair::record {

namespace {

int16_t sample_at(const uint8_t *p) {
  return static_cast<int16_t>(static_cast<uint16_t>(p[0]) | static_cast<uint16_t>(p[1]) << 8);
}

}  // namespace

CutterConfig normalized(CutterConfig config) {
  config.channels = std::max(config.channels, 1);
  config.chunk_frames = std::max<int64_t>(config.chunk_frames, 1);
  config.window_frames = std::clamp<int64_t>(config.window_frames, 0, config.chunk_frames / 2);
  config.level_frames =
      std::clamp<int64_t>(config.level_frames, 1, std::max<int64_t>(2 * config.window_frames, 1));
  return config;
}

QuietCutter::QuietCutter(const CutterConfig &config)
    : config_(normalized(config)), frame_bytes_(2 * static_cast<size_t>(config_.channels)) {}

void QuietCutter::push(const uint8_t *data, size_t bytes, ChunkOutput &out) {
  if (!partial_.empty()) {
    const size_t fill = std::min(bytes, frame_bytes_ - partial_.size());
    partial_.insert(partial_.end(), data, data + fill);
    data += fill;
    bytes -= fill;
    if (partial_.size() < frame_bytes_) return;
    const std::vector<uint8_t> frame = std::move(partial_);
    partial_.clear();
    take_frames(frame.data(), 1, out);
  }
  const uint64_t frames = bytes / frame_bytes_;
  take_frames(data, frames, out);
  partial_.assign(data + frames * frame_bytes_, data + bytes);
}

void QuietCutter::push_silence(uint64_t frames, ChunkOutput &out) {
  constexpr uint64_t kBlockFrames = 4096;
  const std::vector<uint8_t> zeros(kBlockFrames * frame_bytes_, 0);
  while (frames > 0) {
    const uint64_t n = std::min(frames, kBlockFrames);
    take_frames(zeros.data(), n, out);
    frames -= n;
  }
}

void QuietCutter::finish(ChunkOutput &out) {
  partial_.clear();
  if (!held_.empty()) out.append(held_.data(), held_.size());
  held_.clear();
  if (received_ > chunk_start_) out.end_chunk({chunk_start_, received_ - chunk_start_, {}});
  chunk_start_ = received_;
}

void QuietCutter::take_frames(const uint8_t *data, uint64_t frames, ChunkOutput &out) {
  const auto window = static_cast<uint64_t>(config_.window_frames);
  const auto nominal = static_cast<uint64_t>(config_.chunk_frames);
  while (frames > 0) {
    const uint64_t search_begin = chunk_start_ + nominal - window;
    const uint64_t search_end = chunk_start_ + nominal + window;
    if (received_ < search_begin) {
      // Before the search region nothing can be cut: straight to the file.
      const uint64_t n = std::min(frames, search_begin - received_);
      out.append(data, n * frame_bytes_);
      data += n * frame_bytes_;
      frames -= n;
      received_ += n;
    } else {
      const uint64_t n = std::min(frames, search_end - received_);
      held_.insert(held_.end(), data, data + n * frame_bytes_);
      data += n * frame_bytes_;
      frames -= n;
      received_ += n;
    }
    if (received_ == search_end) cut_in_search_region(out);
  }
}

void QuietCutter::cut_in_search_region(ChunkOutput &out) {
  const uint64_t search_begin = received_ - held_.size() / frame_bytes_;
  double rms = 0;
  const uint64_t cut = quietest_cut(rms);
  const size_t before = (cut - search_begin) * frame_bytes_;
  if (before > 0) out.append(held_.data(), before);
  ChunkEnd end{chunk_start_, cut - chunk_start_, {}};
  if (config_.window_frames > 0) end.cut_rms = rms;
  out.end_chunk(end);

  // The frames after the cut start the next chunk; they may already reach its search region.
  std::vector<uint8_t> rest(held_.begin() + static_cast<std::ptrdiff_t>(before), held_.end());
  held_.clear();
  chunk_start_ = cut;
  received_ = cut;
  take_frames(rest.data(), rest.size() / frame_bytes_, out);
}

uint64_t QuietCutter::quietest_cut(double &rms) const {
  const uint64_t held_frames = held_.size() / frame_bytes_;
  const uint64_t search_begin = received_ - held_frames;
  const uint64_t nominal_end = chunk_start_ + static_cast<uint64_t>(config_.chunk_frames);
  const auto level = static_cast<uint64_t>(config_.level_frames);
  if (held_frames < level) {
    rms = 0;
    return nominal_end;
  }

  // energy[i] = sum of squares of frames [search_begin, search_begin + i)
  std::vector<int64_t> energy(held_frames + 1, 0);
  const size_t channels = static_cast<size_t>(config_.channels);
  for (uint64_t f = 0; f < held_frames; f++) {
    int64_t sum = 0;
    const uint8_t *frame = held_.data() + f * frame_bytes_;
    for (size_t c = 0; c < channels; c++) {
      const int64_t s = sample_at(frame + 2 * c);
      sum += s * s;
    }
    energy[f + 1] = energy[f] + sum;
  }

  // A cut at `c` is judged by the stretch [c - level/2, c - level/2 + level), which must lie in
  // the held frames. Among equally quiet cuts, the run nearest the nominal end wins, cut in its
  // middle: in a pause, that is the middle of the pause.
  const uint64_t first = level / 2;
  const uint64_t last = held_frames - (level - level / 2);
  const auto loudness = [&](uint64_t i) {
    return energy[i - level / 2 + level] - energy[i - level / 2];
  };
  int64_t quietest = std::numeric_limits<int64_t>::max();
  for (uint64_t i = first; i <= last; i++) quietest = std::min(quietest, loudness(i));

  const auto distance = [&](uint64_t i) {
    const uint64_t at = search_begin + i;
    return at > nominal_end ? at - nominal_end : nominal_end - at;
  };
  uint64_t best = 0;
  uint64_t best_distance = std::numeric_limits<uint64_t>::max();
  for (uint64_t i = first; i <= last;) {
    if (loudness(i) != quietest) {
      i++;
      continue;
    }
    uint64_t run_end = i;
    while (run_end + 1 <= last && loudness(run_end + 1) == quietest) run_end++;
    const bool contains_nominal =
        search_begin + i <= nominal_end && nominal_end <= search_begin + run_end;
    const uint64_t d = contains_nominal ? 0 : std::min(distance(i), distance(run_end));
    if (d < best_distance) {
      best_distance = d;
      best = i + (run_end - i) / 2;
    }
    i = run_end + 1;
  }
  rms = std::sqrt(static_cast<double>(quietest) / static_cast<double>(level * channels)) / 32768.0;
  return search_begin + best;
}

}  // namespace onair::record
