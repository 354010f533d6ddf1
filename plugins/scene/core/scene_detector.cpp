#include "core/scene_detector.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace onair::scene {

namespace {

// Pictures kept: the longest gradual window, its decision delay and a margin for the picture
// before a transition's start.
constexpr int kRing = 96;

// Motion search: blocks of 8x6 cells, each shifted up to 3 cells (about 90 pixels of a 1080p
// frame) either way; the worst quarter of blocks is left out so a moving object is no cut.
constexpr int kBlockW = 8, kBlockH = 6, kSearch = 3;
constexpr int kBlocks = (kGridW / kBlockW) * (kGridH / kBlockH);
constexpr int kBlocksKept = kBlocks * 3 / 4;

// A cut's step must stand this far above the median step around it (fast motion raises it).
constexpr int kContextBefore = 8;
constexpr double kCutRatio = 3.0;
// After a cut the picture must stay at least this share of the threshold away from each of
// the pictures before it, or it was a flash.
constexpr double kPersist = 0.7;

// Gradual windows (frames) and their tests.
constexpr int kWindows[] = {8, 16, 32, 48, 64};
constexpr double kMaxMixResidual = 0.35;
constexpr double kMaxStepShare = 0.35;  // largest single step of a window's whole change
// Where a transition starts and ends: the share of the way from the first to the last picture.
constexpr double kSpanStart = 0.1, kSpanEnd = 0.9;
// Passing windows this close (or joined by flat frames) are one transition.
constexpr int kMergeGap = 6;
// Flat frames between a fade out and a fade in: at most this long still joins them.
constexpr int kMaxFlatHold = kRing - 80;

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  return *mid;
}

// Shape difference on 2x2 averages, without motion search: for windows longer than motion
// search can follow.
double shape_distance(const ReducedPicture &a, const ReducedPicture &b) {
  double sum = 0;
  for (int y = 0; y < kGridH; y += 2)
    for (int x = 0; x < kGridW; x += 2) {
      const int c = y * kGridW + x;
      const float da = a.shape[c] + a.shape[c + 1] + a.shape[c + kGridW] + a.shape[c + kGridW + 1];
      const float db = b.shape[c] + b.shape[c + 1] + b.shape[c + kGridW] + b.shape[c + kGridW + 1];
      sum += std::fabs(da - db) * 0.25f;
    }
  return sum / kCoarseCells;
}

// Mean per coarse cell of the length of the difference vector.
double raw_distance(const ReducedPicture &a, const ReducedPicture &b) {
  double sum = 0;
  for (int c = 0; c < kCoarseCells; c++) {
    float sq = 0;
    for (int k = 0; k < kCoarseDims; k++) {
      const float d = b.coarse[c * kCoarseDims + k] - a.coarse[c * kCoarseDims + k];
      sq += d * d;
    }
    sum += std::sqrt(sq);
  }
  return sum / kCoarseCells;
}

// How far along from a to b the picture m lies overall (0 at a, 1 at b).
double progress(const ReducedPicture &m, const ReducedPicture &a, const ReducedPicture &b) {
  double dot = 0, norm = 0;
  for (int i = 0; i < kCoarseCells * kCoarseDims; i++) {
    const double d = b.coarse[i] - a.coarse[i];
    dot += (m.coarse[i] - a.coarse[i]) * d;
    norm += d * d;
  }
  return norm > 0 ? dot / norm : 0;
}

}  // namespace

SceneDetector::SceneDetector(DetectorConfig config) : config_(config), ring_(kRing) {}

const SceneDetector::Slot &SceneDetector::at(int64_t frame) const {
  return ring_[static_cast<size_t>(frame % kRing)];
}

void SceneDetector::reset() {
  first_ = next_;
  have_candidate_ = false;
  last_reported_time_ = kNoTime;
  settled_ = 0;
}

double SceneDetector::motion_compensated_distance(const ReducedPicture &a,
                                                  const ReducedPicture &b) {
  float blocks[kBlocks];
  int k = 0;
  for (int oy = 0; oy < kGridH; oy += kBlockH)
    for (int ox = 0; ox < kGridW; ox += kBlockW) {
      float best = std::numeric_limits<float>::max();
      for (int dy = -kSearch; dy <= kSearch; dy++) {
        if (oy + dy < 0 || oy + dy + kBlockH > kGridH) continue;
        for (int dx = -kSearch; dx <= kSearch; dx++) {
          if (ox + dx < 0 || ox + dx + kBlockW > kGridW) continue;
          float sad = 0;
          for (int y = 0; y < kBlockH; y++) {
            const float *pb = &b.shape[(oy + y) * kGridW + ox];
            const float *pa = &a.shape[(oy + dy + y) * kGridW + ox + dx];
            for (int x = 0; x < kBlockW; x++) sad += std::fabs(pb[x] - pa[x]);
          }
          best = std::min(best, sad);
        }
      }
      blocks[k++] = best / (kBlockW * kBlockH);
    }
  std::nth_element(blocks, blocks + kBlocksKept, blocks + kBlocks);
  double sum = 0;
  for (int i = 0; i < kBlocksKept; i++) sum += blocks[i];
  return sum / kBlocksKept;
}

double SceneDetector::mix_residual(const ReducedPicture &mid, const ReducedPicture &a,
                                   const ReducedPicture &b) {
  double residual = 0, change = 0;
  for (int c = 0; c < kCoarseCells; c++) {
    const float *va = &a.coarse[c * kCoarseDims];
    const float *vb = &b.coarse[c * kCoarseDims];
    const float *vm = &mid.coarse[c * kCoarseDims];
    float dd = 0, md = 0;
    for (int k = 0; k < kCoarseDims; k++) {
      dd += (vb[k] - va[k]) * (vb[k] - va[k]);
      md += (vm[k] - va[k]) * (vb[k] - va[k]);
    }
    const float t = dd > 0 ? std::clamp(md / dd, 0.0f, 1.0f) : 0.0f;
    float rr = 0;
    for (int k = 0; k < kCoarseDims; k++) {
      const float r = vm[k] - va[k] - t * (vb[k] - va[k]);
      rr += r * r;
    }
    residual += std::sqrt(rr);
    change += std::sqrt(dd);
  }
  return change > 0 ? residual / change : std::numeric_limits<double>::infinity();
}

void SceneDetector::push(const ReducedPicture &picture, int64_t timestamp,
                         std::vector<Transition> &out) {
  const int64_t n = next_++;
  Slot &slot = ring_[static_cast<size_t>(n % kRing)];
  slot.picture = picture;
  slot.timestamp = timestamp;
  slot.step = slot.raw_step = 0;
  if (held(n - 1)) {
    slot.step = motion_compensated_distance(at(n - 1).picture, picture);
    slot.raw_step = raw_distance(at(n - 1).picture, picture);
  }
  if (n - first_ >= kRing) first_ = n - kRing + 1;
  check_cut(n - kDecisionDelay, out);
  if (config_.gradual) check_gradual(n - kDecisionDelay, out);
}

void SceneDetector::check_cut(int64_t cut, std::vector<Transition> &out) {
  const int64_t after = cut + kDecisionDelay;
  if (!held(cut - 1) || !held(after)) return;
  const double threshold = config_.threshold;
  const double step = at(cut).step;
  if (step < threshold) return;

  std::vector<double> around;
  for (int64_t f = cut - kContextBefore; f <= after; f++)
    if (f != cut && held(f - 1)) around.push_back(at(f).step);
  if (step < kCutRatio * median(around)) return;

  // A flash or strobe comes back to one of the pictures before it.
  const ReducedPicture &later = at(after).picture;
  for (int64_t f = cut - 1; f >= cut - kDecisionDelay && held(f); f--)
    if (motion_compensated_distance(at(f).picture, later) < kPersist * threshold) return;
  if (motion_compensated_distance(at(cut - 1).picture, at(after - 1).picture) <
      kPersist * threshold)
    return;

  if (have_candidate_) {
    if (candidate_.end + kMergeGap < cut)
      flush_candidate(out);
    else
      have_candidate_ = false;  // the change was this cut
  }
  Transition t;
  t.kind = TransitionKind::kCut;
  t.frame = t.start = t.end = cut;
  t.score = step;
  emit(t, out);
}

void SceneDetector::check_gradual(int64_t last, std::vector<Transition> &out) {
  if (!held(last)) return;
  const double threshold = config_.threshold;
  const ReducedPicture &b = at(last).picture;
  for (int window : kWindows) {
    const int64_t first = last - window;
    if (!held(first) || first < settled_) continue;
    const ReducedPicture &a = at(first).picture;
    const double shape = shape_distance(a, b);
    if (shape < threshold) continue;
    const double total = raw_distance(a, b);
    double largest_step = 0;
    for (int64_t f = first + 1; f <= last; f++)
      largest_step = std::max(largest_step, at(f).raw_step);
    if (largest_step > kMaxStepShare * total) continue;
    bool mixed = true;
    for (int q = 1; q <= 3 && mixed; q++)
      mixed = mix_residual(at(first + window * q / 4).picture, a, b) <= kMaxMixResidual;
    if (!mixed) continue;

    int64_t start = last, end = last;
    for (int64_t f = first + 1; f <= last; f++)
      if (progress(at(f).picture, a, b) > kSpanStart) {
        start = f;
        break;
      }
    for (int64_t f = start; f <= last; f++)
      if (progress(at(f).picture, a, b) >= kSpanEnd) {
        end = f;
        break;
      }
    if (have_candidate_) {
      bool joined = start <= candidate_.end + kMergeGap;
      for (int64_t f = candidate_.end + 1; !joined && f < start && held(f); f++) {
        if (!at(f).picture.blank()) break;
        if (f + 1 == start) joined = true;
      }
      if (joined) {
        candidate_.start = std::min(candidate_.start, start);
        candidate_.end = std::max(candidate_.end, end);
        candidate_.score = std::max(candidate_.score, shape);
        continue;
      }
      flush_candidate(out);
    }
    have_candidate_ = true;
    candidate_ = {start, end, shape};
  }

  // Done once nothing extends it: past the merge gap and not waiting on flat frames.
  if (have_candidate_ && last > candidate_.end + kMergeGap &&
      (!b.blank() || last > candidate_.end + kMaxFlatHold))
    flush_candidate(out);
}

void SceneDetector::flush_candidate(std::vector<Transition> &out) {
  have_candidate_ = false;
  // A transition leaves a different picture than the one before it.
  if (held(candidate_.start - 1) && held(candidate_.end) &&
      shape_distance(at(candidate_.start - 1).picture, at(candidate_.end).picture) <
          config_.threshold)
    return;
  Transition t;
  t.kind = TransitionKind::kGradual;
  t.frame = t.end = candidate_.end;
  t.start = candidate_.start;
  t.score = candidate_.score;
  emit(t, out);
}

void SceneDetector::emit(const Transition &t, std::vector<Transition> &out) {
  const int64_t time = at(t.frame).timestamp;
  if (config_.min_scene_length > 0 && time != kNoTime && last_reported_time_ != kNoTime &&
      time - last_reported_time_ < config_.min_scene_length)
    return;
  last_reported_time_ = time;
  settled_ = std::max(settled_, t.end);
  out.push_back(t);
}

}  // namespace onair::scene
