#include "core/scene_detector.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <span>

namespace onair::scene {

namespace {

// Pictures kept: the longest gradual window, its decision delay and a margin for the picture
// before a transition's start.
constexpr int kRing = 128;

// Motion search: the whole picture shifted up to 2 coarse cells (4 cells, about 6 % of the
// width) either way, then blocks of 8x6 cells one cell around that (the coarse step, and
// zooms); the worst quarter of blocks is left out so a moving object is no cut.
constexpr int kGlobalSearch = 2, kBlockSearch = 1;
constexpr int kBlockW = 8, kBlockH = 6;
constexpr int kBlocks = (kGridW / kBlockW) * (kGridH / kBlockH);
constexpr int kBlocksKept = kBlocks * 3 / 4;

// A cut's step must stand this far above the steps around it (fast motion raises them).
constexpr int kContextBefore = 8;
constexpr double kCutRatio = 2.0;
// After a cut the picture must stay at least this share of the cut's step away from each of
// the pictures before it, or it was a flash.
constexpr double kPersist = 0.5;
// Pictures with less spread than this (luma units) are too faint to judge by shape alone.
constexpr float kFaintSpread = 16.0f;

// Gradual windows (frames) and their tests. A gradual transition changes the shape this many
// times the cut threshold: a cut is judged against the motion around it, a slow change only
// by its size.
constexpr double kGradualFactor = 4.0;
constexpr int kWindows[] = {8, 16, 32, 48, 64};
constexpr double kMaxMixResidual = 0.25;
// How far a frame may fall back from the progress the frames before it reached.
constexpr double kProgressSlack = 0.15;
constexpr double kMaxStepShare = 0.7;  // largest single step of a window's whole change
// Where a transition starts and ends: the share of the way from the first to the last picture.
constexpr double kSpanStart = 0.1, kSpanEnd = 0.9;
// Passing windows this close (or joined by flat frames) are one transition.
constexpr int kMergeGap = 8;
// Flat frames between a fade out and a fade in: at most this long still joins them; after
// them, a fade in has this many frames to show.
constexpr int kMaxFlatHold = 64;
constexpr int kFadeInWait = 48;

// The upper quartile: what the motion around a frame reaches often, so steps that come every
// few frames (a texture aliasing as it moves, a strobe) count, a single flash does not.
double upper_quartile(std::vector<double> v) {
  if (v.empty()) return 0;
  const auto at = v.begin() + static_cast<std::ptrdiff_t>(v.size() * 3 / 4);
  std::nth_element(v.begin(), at, v.end());
  return *at;
}

// Shape difference on 2x2 averages, without motion search: for windows longer than motion
// search can follow.
double shape_distance(const ReducedPicture &a, const ReducedPicture &b) {
  double sum = 0;
  for (int c = 0; c < kCoarseCells; c++) sum += std::fabs(a.coarse_shape[c] - b.coarse_shape[c]);
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

// The per-frame hot loops, vectorised for AVX2 where the CPU has it.
__attribute__((target_clones("avx2", "default"))) double SceneDetector::motion_compensated_distance(
    const ReducedPicture &a, const ReducedPicture &b) {
  // The camera's motion first: one shift of the whole picture on 2x2-cell averages.
  const std::array<float, kCoarseCells> &ca = a.coarse_shape, &cb = b.coarse_shape;
  int global_x = 0, global_y = 0;
  float best_global = std::numeric_limits<float>::max();
  for (int dy = -kGlobalSearch; dy <= kGlobalSearch; dy++)
    for (int dx = -kGlobalSearch; dx <= kGlobalSearch; dx++) {
      float sad = 0;
      int count = 0;
      for (int y = std::max(0, -dy); y < std::min(kCoarseH, kCoarseH - dy); y++) {
        const float *pb = &cb[y * kCoarseW];
        const float *pa = &ca[(y + dy) * kCoarseW];
        for (int x = std::max(0, -dx); x < std::min(kCoarseW, kCoarseW - dx); x++)
          sad += std::fabs(pb[x] - pa[x + dx]);
        count += std::min(kCoarseW, kCoarseW - dx) - std::max(0, -dx);
      }
      sad /= static_cast<float>(count);
      if (sad < best_global) best_global = sad, global_x = 2 * dx, global_y = 2 * dy;
    }

  // Then each block near that shift (zooms, shake, parallax), never far enough to match a
  // different part of the picture that only looks alike (lines of text).
  float blocks[kBlocks];
  int k = 0;
  for (int oy = 0; oy < kGridH; oy += kBlockH)
    for (int ox = 0; ox < kGridW; ox += kBlockW) {
      float best = std::numeric_limits<float>::max();
      for (int dy = global_y - kBlockSearch; dy <= global_y + kBlockSearch; dy++) {
        if (oy + dy < 0 || oy + dy + kBlockH > kGridH) continue;
        for (int dx = global_x - kBlockSearch; dx <= global_x + kBlockSearch; dx++) {
          if (ox + dx < 0 || ox + dx + kBlockW > kGridW) continue;
          // One lane per column, added up at the end: one vector operation a row.
          float lanes[kBlockW] = {};
          for (int y = 0; y < kBlockH; y++) {
            const float *pb = &b.shape[(oy + y) * kGridW + ox];
            const float *pa = &a.shape[(oy + dy + y) * kGridW + ox + dx];
            for (int x = 0; x < kBlockW; x++) lanes[x] += std::fabs(pb[x] - pa[x]);
          }
          float sad = 0;
          for (float lane : lanes) sad += lane;
          best = std::min(best, sad);
        }
      }
      // A block whose shifted place lies outside the picture is compared in place.
      if (best == std::numeric_limits<float>::max()) {
        float sad = 0;
        for (int y = 0; y < kBlockH; y++)
          for (int x = 0; x < kBlockW; x++)
            sad += std::fabs(b.shape[(oy + y) * kGridW + ox + x] -
                             a.shape[(oy + y) * kGridW + ox + x]);
        best = sad;
      }
      blocks[k++] = best / (kBlockW * kBlockH);
    }
  std::nth_element(blocks, blocks + kBlocksKept, blocks + kBlocks);
  double sum = 0;
  for (int i = 0; i < kBlocksKept; i++) sum += blocks[i];
  return sum / kBlocksKept;
}

__attribute__((target_clones("avx2", "default"))) double SceneDetector::mix_residual(
    const ReducedPicture &mid, const ReducedPicture &a, const ReducedPicture &b) {
  // A dissolve or fade: the middle's shape is one weighted sum of the two ends' shapes for
  // every cell (normalising a mix of two pictures keeps it a mix of their shapes). Fitted by
  // least squares on 2x2-cell averages, which tolerate slow camera motion.
  const std::array<float, kCoarseCells> &sa = a.coarse_shape, &sb = b.coarse_shape,
                                        &sm = mid.coarse_shape;
  double aa = 0, ab = 0, bb = 0, am = 0, bm = 0, shape_change = 0;
  for (int i = 0; i < kCoarseCells; i++) {
    aa += double(sa[i]) * sa[i];
    ab += double(sa[i]) * sb[i];
    bb += double(sb[i]) * sb[i];
    am += double(sa[i]) * sm[i];
    bm += double(sb[i]) * sm[i];
    shape_change += std::fabs(sa[i] - sb[i]);
  }
  // Two weights; one when an end is flat (a fade from or to black has no shape there).
  const double det = aa * bb - ab * ab;
  double wa = 0, wb = 0;
  if (det > 1e-6 * aa * bb)
    wa = (am * bb - bm * ab) / det, wb = (bm * aa - am * ab) / det;
  else if (aa >= bb && aa > 0)
    wa = am / aa;
  else if (bb > 0)
    wb = bm / bb;
  double even = std::numeric_limits<double>::infinity();
  if (shape_change > 0) {
    double residual = 0;
    for (int i = 0; i < kCoarseCells; i++) residual += std::fabs(sm[i] - wa * sa[i] - wb * sb[i]);
    even = residual / shape_change;
  }

  // A wipe: each cell shows one side or the other.
  double either = 0, raw_change = 0;
  for (int c = 0; c < kCoarseCells; c++) {
    const float *va = &a.coarse[c * kCoarseDims];
    const float *vb = &b.coarse[c * kCoarseDims];
    const float *vm = &mid.coarse[c * kCoarseDims];
    float dd = 0, ra = 0, rb = 0;
    for (int k = 0; k < kCoarseDims; k++) {
      dd += (vb[k] - va[k]) * (vb[k] - va[k]);
      ra += (vm[k] - va[k]) * (vm[k] - va[k]);
      rb += (vm[k] - vb[k]) * (vm[k] - vb[k]);
    }
    either += std::sqrt(std::min(ra, rb));
    raw_change += std::sqrt(dd);
  }
  if (raw_change > 0)
    either /= raw_change;
  else
    either = std::numeric_limits<double>::infinity();
  return std::min(even, either);
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

  // Against the motion just before and just after, a cut stands out from both; for faint
  // pictures in raw change too, since near black a fade's small steps change the shape a lot.
  const auto context = [&](double Slot::*measure) {
    std::vector<double> before, later;
    for (int64_t f = cut - kContextBefore; f < cut; f++)
      if (held(f - 1)) before.push_back(at(f).*measure);
    for (int64_t f = cut + 1; f <= after; f++) later.push_back(at(f).*measure);
    return std::max(upper_quartile(before), upper_quartile(later));
  };
  if (step < kCutRatio * context(&Slot::step)) return;
  if (std::min(at(cut - 1).picture.spread, at(cut).picture.spread) < kFaintSpread &&
      at(cut).raw_step < kCutRatio * context(&Slot::raw_step))
    return;

  // A flash or strobe comes back to one of the pictures before it.
  const double persist = kPersist * step;
  for (int64_t g = cut + 1; g <= after; g++)
    for (int64_t f = cut - 1; f >= cut - kDecisionDelay && held(f); f--)
      if (motion_compensated_distance(at(f).picture, at(g).picture) < persist) return;

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
  const double gradual_threshold = kGradualFactor * config_.threshold;
  const ReducedPicture &b = at(last).picture;
  // Windows end on every other frame: a transition spans many, and it halves the cost.
  for (int window : last % 2 ? std::span<const int>() : std::span<const int>(kWindows)) {
    const int64_t first = last - window;
    if (!held(first) || first < settled_) continue;
    const ReducedPicture &a = at(first).picture;
    const double shape = shape_distance(a, b);
    if (shape < gradual_threshold) continue;
    const double total = raw_distance(a, b);
    double largest_step = 0;
    for (int64_t f = first + 1; f <= last; f++)
      largest_step = std::max(largest_step, at(f).raw_step);
    if (largest_step > kMaxStepShare * total) continue;
    // The quarter points first (cheap), then every frame, each further along than the last.
    bool mixed = true;
    for (int q : {2, 1, 3})  // the middle rejects most
      mixed = mixed && mix_residual(at(first + window * q / 4).picture, a, b) <= kMaxMixResidual;
    // Camera motion within the search range is no transition.
    mixed = mixed && motion_compensated_distance(a, b) >= gradual_threshold;
    double reached = 0;
    for (int64_t f = first + 1; f < last && mixed; f++) {
      const double along = progress(at(f).picture, a, b);
      mixed =
          along >= reached - kProgressSlack && mix_residual(at(f).picture, a, b) <= kMaxMixResidual;
      reached = std::max(reached, along);
    }
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
      // Close to the candidate, or right after the flat frames that followed it (a fade in
      // after a fade out).
      if (first <= candidate_.end ||
          start <= std::max(candidate_.end, candidate_.flat_until) + kMergeGap) {
        candidate_.start = std::min(candidate_.start, start);
        candidate_.end = std::max(candidate_.end, end);
        candidate_.score = std::max(candidate_.score, shape);
        continue;
      }
      flush_candidate(out);
    }
    have_candidate_ = true;
    candidate_ = {start, end, shape, -1};
  }

  // Done once nothing extends it: past the merge gap, and long enough after flat frames that
  // followed it for a fade in to show.
  if (!have_candidate_) return;
  if (b.blank() && last > candidate_.end &&
      last - 1 <= std::max(candidate_.end + kMergeGap, candidate_.flat_until))
    candidate_.flat_until = last;
  if (last > candidate_.end + kMergeGap &&
      (last > candidate_.flat_until + kFadeInWait || last > candidate_.end + kMaxFlatHold))
    flush_candidate(out);
}

void SceneDetector::flush_candidate(std::vector<Transition> &out) {
  have_candidate_ = false;
  // A transition leaves a different picture than the one before it.
  if (held(candidate_.start - 1) && held(candidate_.end) &&
      shape_distance(at(candidate_.start - 1).picture, at(candidate_.end).picture) <
          kGradualFactor * config_.threshold)
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
