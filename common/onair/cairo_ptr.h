// Owning smart pointers for cairo and Pango objects, so cleanup follows scope.
#pragma once

#include <cairo.h>
#include <pango/pangocairo.h>

#include <memory>

namespace onair {

struct CairoSurfaceFree {
  void operator()(cairo_surface_t *s) const { cairo_surface_destroy(s); }
};
struct CairoFree {
  void operator()(cairo_t *c) const { cairo_destroy(c); }
};
struct PangoLayoutFree {
  void operator()(PangoLayout *l) const { g_object_unref(l); }
};
struct PangoFontFree {
  void operator()(PangoFontDescription *f) const { pango_font_description_free(f); }
};

using CairoSurfacePtr = std::unique_ptr<cairo_surface_t, CairoSurfaceFree>;
using CairoPtr = std::unique_ptr<cairo_t, CairoFree>;
using PangoLayoutPtr = std::unique_ptr<PangoLayout, PangoLayoutFree>;
using PangoFontPtr = std::unique_ptr<PangoFontDescription, PangoFontFree>;

}  // namespace onair
