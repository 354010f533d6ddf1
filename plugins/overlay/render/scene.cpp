#include "render/scene.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace onair::overlay {
namespace {

// Keys carry their layer in the top bits so ids from different layers never
// meet.
constexpr uint64_t kChatKey = 1ull << 60;
constexpr uint64_t kAlertKey = 2ull << 60;
constexpr uint64_t kStatusKey = 3ull << 60;
constexpr uint64_t kLogoKey = 4ull << 60;

uint8_t to_opacity(double v) {
  return static_cast<uint8_t>(std::lround(std::clamp(v, 0.0, 1.0) * 255));
}

}  // namespace

Scene::Scene() : renderer_(std::make_unique<Renderer>(config_.font)) {}
Scene::~Scene() = default;

void Scene::forget_all() {
  entries_.clear();
  drawn_status_.clear();
}

void Scene::set_frame(int width, int height, PixelFormat format, const YuvMatrix &matrix) {
  if (width == width_ && height == height_ && format == format_ && matrix.kr == matrix_.kr &&
      matrix.kb == matrix_.kb && matrix.full_range == matrix_.full_range)
    return;
  width_ = width, height_ = height, format_ = format, matrix_ = matrix;
  metrics_ = metrics_for(width_, height_, config_.text_scale, config_.margin, config_.chat_width);
  forget_all();
}

void Scene::set_config(const SceneConfig &config) {
  if (config == config_) return;
  const SceneConfig old = config_;
  config_ = config;
  chat_.set_config(config_.chat);
  if (config_.font != old.font) renderer_ = std::make_unique<Renderer>(config_.font);
  if (config_.font != old.font || config_.text_scale != old.text_scale ||
      config_.margin != old.margin || config_.chat_width != old.chat_width) {
    metrics_ = metrics_for(width_, height_, config_.text_scale, config_.margin, config_.chat_width);
    forget_all();
  } else if (config_.logo_scale != old.logo_scale) {
    entries_.erase(kLogoKey | logo_version_);
  }
}

void Scene::set_logo(Image logo) {
  logo_source_ = std::move(logo);
  entries_.erase(kLogoKey | logo_version_);
  logo_version_++;
}

Scene::Entry &Scene::remember(std::map<uint64_t, Entry> &cache, uint64_t key, Image image) {
  draws_++;
  Entry &e = cache[key];
  e.image = std::move(image);
  e.sprite.reset();
  return e;
}

std::vector<Placed> Scene::update(int64_t now, std::vector<AlertEvent> &events) {
  std::vector<Placed> placed;
  chat_.advance(now);
  alerts_.advance(now, events);
  if (width_ <= 0 || height_ <= 0) return placed;
  const int margin = metrics_.margin;

  if (!logo_source_.empty()) {
    const uint64_t key = kLogoKey | logo_version_;
    auto it = entries_.find(key);
    if (it == entries_.end()) {
      int h = config_.logo_scale > 0 ? static_cast<int>(std::lround(height_ * config_.logo_scale))
                                     : logo_source_.height;
      h = std::clamp(h, 1, height_);
      int w = static_cast<int>(std::lround(double(logo_source_.width) * h / logo_source_.height));
      w = std::clamp(w, 1, width_);
      it = entries_.find(key);
      remember(entries_, key, scale_image(logo_source_, w, h));
      it = entries_.find(key);
    }
    const Image &img = it->second.image;
    const Rect r = place(config_.logo_anchor, {img.width, img.height}, width_, height_, margin);
    placed.push_back({key, &img, r.x, r.y, to_opacity(config_.logo_opacity)});
  }

  if (!config_.status.empty()) {
    if (config_.status != drawn_status_ || !entries_.count(kStatusKey | status_version_)) {
      entries_.erase(kStatusKey | status_version_);
      status_version_++;
      remember(entries_, kStatusKey | status_version_, renderer_->status(config_.status, metrics_));
      drawn_status_ = config_.status;
    }
    const uint64_t key = kStatusKey | status_version_;
    const Image &img = entries_[key].image;
    const Rect r = place(config_.status_anchor, {img.width, img.height}, width_, height_, margin);
    placed.push_back({key, &img, r.x, r.y, 255});
  }

  const std::vector<VisibleChat> chat = chat_.visible(now);
  std::vector<Size> sizes;
  std::vector<const Image *> chat_images;
  for (const VisibleChat &v : chat) {
    const uint64_t key = kChatKey | v.message->id;
    auto it = entries_.find(key);
    if (it == entries_.end()) {
      remember(
          entries_, key,
          renderer_->chat_message(v.message->user, v.message->color, v.message->text, metrics_));
      it = entries_.find(key);
    }
    chat_images.push_back(&it->second.image);
    sizes.push_back({it->second.image.width, it->second.image.height});
  }
  const std::vector<Rect> rects =
      stack(config_.chat_anchor, sizes, width_, height_, margin, metrics_.spacing);
  for (size_t i = 0; i < chat.size(); i++)
    if (!rects[i].empty())
      placed.push_back({kChatKey | chat[i].message->id, chat_images[i], rects[i].x, rects[i].y,
                        to_opacity(chat[i].opacity)});

  for (const VisibleAlert &v : alerts_.visible(now)) {
    const uint64_t key = kAlertKey | v.alert->id;
    auto it = entries_.find(key);
    if (it == entries_.end()) {
      remember(entries_, key,
               renderer_->alert(v.alert->text, alert_color(v.alert->type), metrics_));
      it = entries_.find(key);
    }
    const Image &img = it->second.image;
    const Rect r = place(config_.alert_anchor, {img.width, img.height}, width_, height_, margin);
    placed.push_back({key, &img, r.x, r.y, to_opacity(v.opacity)});
  }

  // Even positions line chroma up in 4:2:0 frames; using them for every
  // format keeps every format's picture the same.
  for (Placed &p : placed) p.x &= ~1, p.y &= ~1;

  // Drop pictures nothing shows any more; all the rest stay drawn.
  std::set<uint64_t> shown;
  for (const Placed &p : placed) shown.insert(p.key);
  for (auto it = entries_.begin(); it != entries_.end();)
    it = shown.count(it->first) ? std::next(it) : entries_.erase(it);
  return placed;
}

const Sprite &Scene::sprite_for(const Placed &p) {
  Entry &e = entries_.at(p.key);
  if (!e.sprite) e.sprite = std::make_unique<Sprite>(e.image, format_, matrix_);
  return *e.sprite;
}

void Scene::blend(const FrameView &frame, const std::vector<Placed> &placed) {
  for (const Placed &p : placed) sprite_for(p).blend(frame, p.x, p.y, p.opacity);
}

}  // namespace onair::overlay
