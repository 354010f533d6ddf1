// Draws the overlay's layers into premultiplied pictures with Pango and
// Cairo: text in any script (right-to-left included, emoji where the fonts
// have them) and the logo. No GStreamer here; used from one thread at a time.
#pragma once

#include <memory>
#include <string>

#include "core/image.h"
#include "core/layout.h"

namespace onair::overlay {

class Renderer {
 public:
  // font: a Pango font description without size, e.g. "Sans" or "Serif Bold".
  explicit Renderer(const std::string &font);
  ~Renderer();
  Renderer(const Renderer &) = delete;
  Renderer &operator=(const Renderer &) = delete;

  // One chat message: the user name in its colour, then the text, wrapped at
  // metrics.chat_wrap, on a translucent dark box.
  Image chat_message(const std::string &user, Rgb user_color, const std::string &text,
                     const Metrics &metrics);
  // An alert: larger white text, wrapped at metrics.alert_wrap, on a box of
  // the alert's colour.
  Image alert(const std::string &text, Rgb box_color, const Metrics &metrics);
  // The status line: one line of white text on a translucent dark box.
  Image status(const std::string &text, const Metrics &metrics);
  // The number of lines the last picture's text was laid out in.
  int last_line_count() const { return last_lines_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int last_lines_ = 0;
};

// Reads a PNG file (any colour type; alpha kept) into a premultiplied picture.
// On failure returns an empty picture and says why in `error`.
Image load_png(const std::string &path, std::string &error);

// The picture resized to w x h with a smooth filter.
Image scale_image(const Image &image, int w, int h);

}  // namespace onair::overlay
