#include "render/renderer.h"

#include <cairo.h>
#include <pango/pangocairo.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace onair::overlay {
namespace {

constexpr int kMaxLogoSide = 8192;

struct Rgba {
  double r, g, b, a;
};

constexpr Rgba kBoxShade{0, 0, 0, 0.55};
constexpr Rgba kWhite{1, 1, 1, 1};

Image image_from_surface(cairo_surface_t *surface) {
  cairo_surface_flush(surface);
  Image out(cairo_image_surface_get_width(surface), cairo_image_surface_get_height(surface));
  const int stride = cairo_image_surface_get_stride(surface);
  const uint8_t *data = cairo_image_surface_get_data(surface);
  for (int y = 0; y < out.height; y++)
    std::memcpy(out.row(y), data + size_t(y) * stride, size_t(out.width) * 4);
  return out;
}

void rounded_box(cairo_t *cr, double w, double h, double r, Rgba fill) {
  r = std::min({r, w / 2, h / 2});
  cairo_new_sub_path(cr);
  cairo_arc(cr, w - r, r, r, -M_PI / 2, 0);
  cairo_arc(cr, w - r, h - r, r, 0, M_PI / 2);
  cairo_arc(cr, r, h - r, r, M_PI / 2, M_PI);
  cairo_arc(cr, r, r, r, M_PI, 3 * M_PI / 2);
  cairo_close_path(cr);
  cairo_set_source_rgba(cr, fill.r, fill.g, fill.b, fill.a);
  cairo_fill(cr);
}

PangoAttribute *ranged(PangoAttribute *attr, size_t start, size_t end) {
  attr->start_index = static_cast<guint>(start);
  attr->end_index = static_cast<guint>(end);
  return attr;
}

}  // namespace

struct Renderer::Impl {
  PangoFontMap *font_map = nullptr;
  PangoContext *context = nullptr;
  std::string font;

  ~Impl() {
    if (context) g_object_unref(context);
    if (font_map) g_object_unref(font_map);
  }

  // Lays out `text` at `px` pixels, wrapped at `wrap` (0: one line), with
  // optional attributes; returns the layout (caller unrefs).
  PangoLayout *layout(const std::string &text, int px, int wrap, PangoAttrList *attrs) {
    PangoLayout *l = pango_layout_new(context);
    PangoFontDescription *desc = pango_font_description_from_string(font.c_str());
    pango_font_description_set_absolute_size(desc, px * PANGO_SCALE);
    pango_layout_set_font_description(l, desc);
    pango_font_description_free(desc);
    if (wrap > 0) {
      pango_layout_set_width(l, wrap * PANGO_SCALE);
      pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    } else {
      pango_layout_set_width(l, -1);
      pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_NONE);
    }
    pango_layout_set_text(l, text.c_str(), static_cast<int>(text.size()));
    if (attrs) pango_layout_set_attributes(l, attrs);
    return l;
  }

  // Draws a layout on a box of `shade` with `padding` around the text's
  // logical extent (so right-to-left lines are cropped like left-to-right).
  Image boxed(PangoLayout *l, int padding, Rgba shade, Rgba text, int &lines) {
    PangoRectangle ink, logical;
    pango_layout_get_pixel_extents(l, &ink, &logical);
    lines = pango_layout_get_line_count(l);
    const int w = std::max(1, logical.width + 2 * padding);
    const int h = std::max(1, logical.height + 2 * padding);
    cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
    cairo_t *cr = cairo_create(surface);
    rounded_box(cr, w, h, padding, shade);
    cairo_move_to(cr, padding - logical.x, padding - logical.y);
    cairo_set_source_rgba(cr, text.r, text.g, text.b, text.a);
    pango_cairo_show_layout(cr, l);
    cairo_destroy(cr);
    Image out = image_from_surface(surface);
    cairo_surface_destroy(surface);
    return out;
  }
};

Renderer::Renderer(const std::string &font) : impl_(std::make_unique<Impl>()) {
  impl_->font_map = pango_cairo_font_map_new();
  impl_->context = pango_font_map_create_context(impl_->font_map);
  // Grey-scale antialiasing: subpixel colour fringes look wrong on video.
  cairo_font_options_t *options = cairo_font_options_create();
  cairo_font_options_set_antialias(options, CAIRO_ANTIALIAS_GRAY);
  cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_SLIGHT);
  pango_cairo_context_set_font_options(impl_->context, options);
  cairo_font_options_destroy(options);
  impl_->font = font.empty() ? "Sans" : font;
}

Renderer::~Renderer() = default;

Image Renderer::chat_message(const std::string &user, Rgb user_color, const std::string &text,
                             const Metrics &metrics) {
  const std::string line = user.empty() ? text : user + ": " + text;
  PangoAttrList *attrs = pango_attr_list_new();
  if (!user.empty()) {
    const size_t end = user.size() + 1;  // the name and its colon
    pango_attr_list_insert(attrs,
                           ranged(pango_attr_foreground_new(user_color.r * 257, user_color.g * 257,
                                                            user_color.b * 257),
                                  0, end));
    pango_attr_list_insert(attrs, ranged(pango_attr_weight_new(PANGO_WEIGHT_BOLD), 0, end));
  }
  PangoLayout *l = impl_->layout(line, metrics.font_px, metrics.chat_wrap, attrs);
  pango_attr_list_unref(attrs);
  Image out = impl_->boxed(l, metrics.padding, kBoxShade, kWhite, last_lines_);
  g_object_unref(l);
  return out;
}

Image Renderer::alert(const std::string &text, Rgb box_color, const Metrics &metrics) {
  const int px = metrics.font_px * 4 / 3;
  PangoAttrList *attrs = pango_attr_list_new();
  pango_attr_list_insert(attrs, pango_attr_weight_new(PANGO_WEIGHT_BOLD));
  PangoLayout *l = impl_->layout(text, px, metrics.alert_wrap, attrs);
  pango_attr_list_unref(attrs);
  pango_layout_set_alignment(l, PANGO_ALIGN_CENTER);
  const Rgba box{box_color.r / 255.0, box_color.g / 255.0, box_color.b / 255.0, 0.92};
  Image out = impl_->boxed(l, metrics.padding * 3 / 2, box, kWhite, last_lines_);
  g_object_unref(l);
  return out;
}

Image Renderer::status(const std::string &text, const Metrics &metrics) {
  if (text.empty()) return {};
  PangoLayout *l = impl_->layout(text, metrics.font_px, 0, nullptr);
  Image out = impl_->boxed(l, metrics.padding, kBoxShade, kWhite, last_lines_);
  g_object_unref(l);
  return out;
}

Image load_png(const std::string &path, std::string &error) {
  cairo_surface_t *surface = cairo_image_surface_create_from_png(path.c_str());
  const cairo_status_t status = cairo_surface_status(surface);
  if (status != CAIRO_STATUS_SUCCESS) {
    error = status == CAIRO_STATUS_FILE_NOT_FOUND ? "file not found"
            : status == CAIRO_STATUS_READ_ERROR   ? "cannot read the file"
                                                  : cairo_status_to_string(status);
    if (status == CAIRO_STATUS_NO_MEMORY) error = "not a PNG image, or too large";
    cairo_surface_destroy(surface);
    return {};
  }
  const int w = cairo_image_surface_get_width(surface), h = cairo_image_surface_get_height(surface);
  if (w > kMaxLogoSide || h > kMaxLogoSide) {
    error = "image too large (" + std::to_string(w) + "x" + std::to_string(h) + ", at most " +
            std::to_string(kMaxLogoSide) + " a side)";
    cairo_surface_destroy(surface);
    return {};
  }
  // Draw onto ARGB32 so grey, RGB and palette PNGs all come out the same way.
  cairo_surface_t *argb = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
  cairo_t *cr = cairo_create(argb);
  cairo_set_source_surface(cr, surface, 0, 0);
  cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE);
  cairo_paint(cr);
  cairo_destroy(cr);
  cairo_surface_destroy(surface);
  Image out = image_from_surface(argb);
  cairo_surface_destroy(argb);
  return out;
}

Image scale_image(const Image &image, int w, int h) {
  if (image.empty() || w <= 0 || h <= 0) return {};
  if (w == image.width && h == image.height) return image;
  cairo_surface_t *src = cairo_image_surface_create_for_data(
      const_cast<uint8_t *>(image.pixels.data()), CAIRO_FORMAT_ARGB32, image.width, image.height,
      image.stride);
  cairo_surface_t *dst = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
  cairo_t *cr = cairo_create(dst);
  cairo_scale(cr, double(w) / image.width, double(h) / image.height);
  cairo_set_source_surface(cr, src, 0, 0);
  cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD);
  cairo_pattern_set_extend(cairo_get_source(cr), CAIRO_EXTEND_PAD);
  cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE);
  cairo_paint(cr);
  cairo_destroy(cr);
  Image out = image_from_surface(dst);
  cairo_surface_destroy(dst);
  cairo_surface_destroy(src);
  return out;
}

}  // namespace onair::overlay
