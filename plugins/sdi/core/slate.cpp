#include "core/slate.h"

#include <algorithm>

#include "onair/cairo_ptr.h"

namespace onair::sdi {

namespace {

// One line of text centred horizontally, its top at `top`; returns its height.
int draw_centred(cairo_t *cr, int width, int top, const std::string &text, int pixel_size,
                 bool bold) {
  PangoLayoutPtr layout(pango_cairo_create_layout(cr));
  PangoFontPtr font(pango_font_description_new());
  pango_font_description_set_family(font.get(), "Sans");
  pango_font_description_set_weight(font.get(), bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  pango_font_description_set_absolute_size(font.get(), pixel_size * PANGO_SCALE);
  pango_layout_set_font_description(layout.get(), font.get());
  pango_layout_set_text(layout.get(), text.c_str(), -1);
  pango_layout_set_width(layout.get(), width * 9 / 10 * PANGO_SCALE);
  pango_layout_set_ellipsize(layout.get(), PANGO_ELLIPSIZE_END);
  pango_layout_set_alignment(layout.get(), PANGO_ALIGN_CENTER);
  int text_width = 0, text_height = 0;
  pango_layout_get_pixel_size(layout.get(), &text_width, &text_height);
  cairo_move_to(cr, (width - width * 9 / 10) / 2.0, top);
  pango_cairo_show_layout(cr, layout.get());
  return text_height;
}

// BT.709 video range from 8-bit R'G'B'.
uint8_t luma(double r, double g, double b) {
  return static_cast<uint8_t>(16.5 + (0.2126 * r + 0.7152 * g + 0.0722 * b) * 219.0 / 255.0);
}
uint8_t chroma(double difference, double scale) {
  return static_cast<uint8_t>(std::clamp(128.5 + difference / scale * 224.0 / 255.0, 16.0, 240.0));
}

}  // namespace

std::vector<uint8_t> render_slate_uyvy(int width, int height, size_t stride,
                                       const std::string &port_label) {
  std::vector<uint8_t> frame(stride * static_cast<size_t>(height));
  if (width < 2 || height < 2) return frame;
  CairoSurfacePtr surface(cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height));
  CairoPtr cr(cairo_create(surface.get()));
  cairo_set_source_rgb(cr.get(), 0.10, 0.11, 0.14);  // a dark slate, not black: a card
  cairo_paint(cr.get());
  // A bar across the middle, so the card reads as a card even on a small preview.
  cairo_set_source_rgb(cr.get(), 0.55, 0.08, 0.08);
  const int bar_top = height * 3 / 8, bar_height = height / 4;
  cairo_rectangle(cr.get(), 0, bar_top, width, bar_height);
  cairo_fill(cr.get());
  cairo_set_source_rgb(cr.get(), 1, 1, 1);
  const int title_size = std::max(8, bar_height / 2);
  draw_centred(cr.get(), width, bar_top + (bar_height - title_size * 5 / 4) / 2, "NO SIGNAL",
               title_size, true);
  if (!port_label.empty()) {
    cairo_set_source_rgb(cr.get(), 0.85, 0.85, 0.85);
    draw_centred(cr.get(), width, bar_top + bar_height + height / 24, port_label,
                 std::max(6, height / 18), false);
  }
  cairo_surface_flush(surface.get());

  const uint8_t *pixels = cairo_image_surface_get_data(surface.get());
  const int pixel_stride = cairo_image_surface_get_stride(surface.get());
  for (int y = 0; y < height; ++y) {
    const auto *in = reinterpret_cast<const uint32_t *>(pixels + y * pixel_stride);
    uint8_t *out = frame.data() + static_cast<size_t>(y) * stride;
    for (int x = 0; x + 1 < width; x += 2) {
      double r[2], g[2], b[2];
      for (int i = 0; i < 2; ++i) {
        const uint32_t p = in[x + i];  // xRGB in native order
        r[i] = (p >> 16) & 0xff;
        g[i] = (p >> 8) & 0xff;
        b[i] = p & 0xff;
      }
      const double ar = (r[0] + r[1]) / 2, ag = (g[0] + g[1]) / 2, ab = (b[0] + b[1]) / 2;
      const double ay = 0.2126 * ar + 0.7152 * ag + 0.0722 * ab;
      out[2 * x + 0] = chroma(ab - ay, 1.8556);
      out[2 * x + 1] = luma(r[0], g[0], b[0]);
      out[2 * x + 2] = chroma(ar - ay, 1.5748);
      out[2 * x + 3] = luma(r[1], g[1], b[1]);
    }
  }
  return frame;
}

std::vector<uint8_t> render_slate_v210(int width, int height, size_t stride,
                                       const std::string &port_label) {
  std::vector<uint8_t> frame(stride * static_cast<size_t>(std::max(height, 0)));
  const size_t uyvy_stride = static_cast<size_t>(std::max(width, 0)) * 2;
  const std::vector<uint8_t> uyvy = render_slate_uyvy(width, height, uyvy_stride, port_label);
  for (int y = 0; y < height; ++y) {
    // UYVY's components (Cb Y Cr Y ...) in order, three to a word, widened to 10 bits.
    const uint8_t *in = uyvy.data() + static_cast<size_t>(y) * uyvy_stride;
    uint8_t *out = frame.data() + static_cast<size_t>(y) * stride;
    for (size_t c = 0, word = 0; c < uyvy_stride && (word + 1) * 4 <= stride; c += 3, ++word) {
      uint32_t packed = 0;
      for (size_t k = 0; k < 3 && c + k < uyvy_stride; ++k)
        packed |= static_cast<uint32_t>(in[c + k]) << 2 << (10 * k);
      for (int b = 0; b < 4; ++b) out[word * 4 + b] = static_cast<uint8_t>(packed >> (8 * b));
    }
  }
  return frame;
}

}  // namespace onair::sdi
