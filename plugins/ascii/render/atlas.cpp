#include "render/atlas.h"

#include <pango/pangocairo.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

namespace onair::ascii {

namespace {

struct SurfaceFree {
  void operator()(cairo_surface_t *s) const { cairo_surface_destroy(s); }
};
struct CairoFree {
  void operator()(cairo_t *c) const { cairo_destroy(c); }
};
struct GObjectFree {
  void operator()(gpointer o) const { g_object_unref(o); }
};
struct FontFree {
  void operator()(PangoFontDescription *d) const { pango_font_description_free(d); }
};

}  // namespace

GlyphAtlas build_atlas(int cell_width, int cell_height, const std::string &font_family) {
  GlyphAtlas atlas;
  atlas.cell_width = cell_width;
  atlas.cell_height = cell_height;
  atlas.coverage.assign(size_t(256) * cell_width * cell_height, 0);

  std::unique_ptr<cairo_surface_t, SurfaceFree> surface(
      cairo_image_surface_create(CAIRO_FORMAT_A8, cell_width, cell_height));
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS)
    throw std::runtime_error("cannot create a glyph surface");
  std::unique_ptr<cairo_t, CairoFree> cr(cairo_create(surface.get()));
  std::unique_ptr<PangoLayout, GObjectFree> layout(pango_cairo_create_layout(cr.get()));
  std::unique_ptr<PangoFontDescription, FontFree> font(pango_font_description_new());
  pango_font_description_set_family(font.get(), font_family.c_str());
  pango_font_description_set_weight(font.get(), PANGO_WEIGHT_BOLD);

  // Fit the font: the union of every glyph's ink, on a common baseline,
  // must stay inside the cell; that box is then centred.
  PangoRectangle box{0, 0, 0, 0};
  for (int size = cell_height * 2; size >= 1; size--) {
    pango_font_description_set_absolute_size(font.get(), double(size) * PANGO_SCALE);
    pango_layout_set_font_description(layout.get(), font.get());
    bool first = true;
    for (int byte = 0x21; byte <= 0x7E; byte++) {
      const char text[2] = {char(byte), 0};
      pango_layout_set_text(layout.get(), text, 1);
      PangoRectangle ink;
      pango_layout_get_pixel_extents(layout.get(), &ink, nullptr);
      if (ink.width <= 0 || ink.height <= 0) continue;
      if (first) {
        box = ink;
        first = false;
      } else {
        const int x1 = std::max(box.x + box.width, ink.x + ink.width);
        const int y1 = std::max(box.y + box.height, ink.y + ink.height);
        box.x = std::min(box.x, ink.x);
        box.y = std::min(box.y, ink.y);
        box.width = x1 - box.x;
        box.height = y1 - box.y;
      }
    }
    if (box.width <= cell_width && box.height <= cell_height) break;
  }
  const double ox = (cell_width - box.width) / 2.0 - box.x;
  const double oy = (cell_height - box.height) / 2.0 - box.y;

  const unsigned char *data = nullptr;
  for (int byte = 0x21; byte <= 0x7E; byte++) {
    cairo_set_operator(cr.get(), CAIRO_OPERATOR_CLEAR);
    cairo_paint(cr.get());
    cairo_set_operator(cr.get(), CAIRO_OPERATOR_OVER);
    const char text[2] = {char(byte), 0};
    pango_layout_set_text(layout.get(), text, 1);
    cairo_move_to(cr.get(), ox, oy);
    cairo_set_source_rgba(cr.get(), 1, 1, 1, 1);
    pango_cairo_show_layout(cr.get(), layout.get());
    cairo_surface_flush(surface.get());
    data = cairo_image_surface_get_data(surface.get());
    const int stride = cairo_image_surface_get_stride(surface.get());
    uint8_t *dst = atlas.coverage.data() + size_t(byte) * cell_width * cell_height;
    for (int y = 0; y < cell_height; y++)
      std::copy(data + size_t(y) * stride, data + size_t(y) * stride + cell_width,
                dst + size_t(y) * cell_width);
  }
  return atlas;
}

}  // namespace onair::ascii
