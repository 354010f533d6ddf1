#include "run/gst_log.h"

#include <gst/gst.h>

#include <cstdio>
#include <memory>
#include <mutex>

namespace onair::app {

namespace {

std::mutex secrets_lock;
std::shared_ptr<const Redactor> secrets = std::make_shared<Redactor>();
FILE *log_file = stderr;

void log_line(GstDebugCategory *category, GstDebugLevel level, const gchar *file,
              const gchar *function, gint line, GObject *object, GstDebugMessage *message,
              gpointer) noexcept {
  if (level > gst_debug_category_get_threshold(category)) return;
  std::shared_ptr<const Redactor> redact;
  {
    std::lock_guard lock(secrets_lock);
    redact = secrets;
  }
  gchar *text = gst_debug_log_get_line(category, level, file, function, line, object, message);
  if (!text) return;
  try {
    std::fputs((*redact)(text).c_str(), log_file);
  } catch (...) {
    // Nothing is printed rather than an unredacted line.
  }
  g_free(text);
}

}  // namespace

void install_gst_log() {
  const gchar *path = g_getenv("GST_DEBUG_FILE");
  if (path && *path && !g_str_equal(path, "-")) {
    if (FILE *f = std::fopen(path, "a")) log_file = f;
  }
  gst_debug_remove_log_function(gst_debug_log_default);
  gst_debug_add_log_function(log_line, nullptr, nullptr);
}

void hide_in_gst_log(const Redactor &redact) {
  std::lock_guard lock(secrets_lock);
  auto merged = std::make_shared<Redactor>(*secrets);
  merged->add(redact);
  secrets = std::move(merged);
}

}  // namespace onair::app
