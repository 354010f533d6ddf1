#include "core/slate_card.h"

#include <algorithm>

#include "onair/cairo_ptr.h"

namespace onair::failover {

std::vector<uint8_t> render_slate_card_bgra(int width, int height, const std::string &text) {
  const size_t stride = static_cast<size_t>(std::max(width, 0)) * 4;
  std::vector<uint8_t> frame(stride * static_cast<size_t>(std::max(height, 0)));
  if (width < 2 || height < 2) return frame;
  CairoSurfacePtr surface(cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height));
  CairoPtr cr(cairo_create(surface.get()));
  // A dark blue-grey field with a lighter band: reads as "on purpose", unlike black.
  cairo_set_source_rgb(cr.get(), 0.09, 0.12, 0.20);
  cairo_paint(cr.get());
  const double band_top = height * 0.30, band_height = height * 0.40;
  cairo_set_source_rgb(cr.get(), 0.16, 0.27, 0.45);
  cairo_rectangle(cr.get(), 0, band_top, width, band_height);
  cairo_fill(cr.get());

  PangoLayoutPtr layout(pango_cairo_create_layout(cr.get()));
  PangoFontPtr font(pango_font_description_new());
  pango_font_description_set_family(font.get(), "Sans");
  pango_font_description_set_weight(font.get(), PANGO_WEIGHT_BOLD);
  const int text_width = width * 85 / 100;
  pango_layout_set_width(layout.get(), text_width * PANGO_SCALE);
  pango_layout_set_wrap(layout.get(), PANGO_WRAP_WORD_CHAR);
  pango_layout_set_alignment(layout.get(), PANGO_ALIGN_CENTER);
  pango_layout_set_text(layout.get(), text.c_str(), -1);
  int size = std::max(6, static_cast<int>(band_height / 3));
  int laid_width = 0, laid_height = 0;
  for (;; size = size * 9 / 10) {
    pango_font_description_set_absolute_size(font.get(), size * PANGO_SCALE);
    pango_layout_set_font_description(layout.get(), font.get());
    pango_layout_get_pixel_size(layout.get(), &laid_width, &laid_height);
    if (laid_height <= band_height * 0.9 || size <= 6) break;
  }
  cairo_set_source_rgb(cr.get(), 1, 1, 1);
  cairo_move_to(cr.get(), (width - text_width) / 2.0, band_top + (band_height - laid_height) / 2);
  pango_cairo_show_layout(cr.get(), layout.get());
  cairo_surface_flush(surface.get());

  // Cairo's ARGB32 is a native-endian word: B, G, R, A in memory on little-endian machines.
  const uint8_t *pixels = cairo_image_surface_get_data(surface.get());
  const size_t surface_stride = static_cast<size_t>(cairo_image_surface_get_stride(surface.get()));
  for (int y = 0; y < height; ++y) {
    const auto *in = reinterpret_cast<const uint32_t *>(pixels + y * surface_stride);
    uint8_t *out = frame.data() + static_cast<size_t>(y) * stride;
    for (int x = 0; x < width; ++x) {
      const uint32_t p = in[x];
      out[4 * x + 0] = static_cast<uint8_t>(p);
      out[4 * x + 1] = static_cast<uint8_t>(p >> 8);
      out[4 * x + 2] = static_cast<uint8_t>(p >> 16);
      out[4 * x + 3] = 0xff;
    }
  }
  return frame;
}

}  // namespace onair::failover
