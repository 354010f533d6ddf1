#include "run/gst_log.h"

#include <gst/gst.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>

#include "common/log_line.h"

namespace onair::app {

namespace {

std::mutex secrets_lock;
std::shared_ptr<const Redactor> secrets = std::make_shared<Redactor>();
FILE *log_file = stderr;
std::atomic<bool> json_lines{false};

std::shared_ptr<const Redactor> current_secrets() {
  std::lock_guard lock(secrets_lock);
  return secrets;
}

LogLevel level_of(GstDebugLevel level) {
  if (level <= GST_LEVEL_ERROR) return LogLevel::kError;
  if (level <= GST_LEVEL_FIXME) return LogLevel::kWarning;
  if (level == GST_LEVEL_INFO) return LogLevel::kInfo;
  return LogLevel::kDebug;
}

// One GStreamer debug message as one JSON line: its category is the source.
std::string json_gst_line(GstDebugCategory *category, GstDebugLevel level, const gchar *file,
                          const gchar *function, gint line, GObject *object,
                          GstDebugMessage *message, const Redactor &redact) {
  const gchar *text = gst_debug_message_get(message);
  LogEvent e{level_of(level),
             gst_debug_category_get_name(category),
             redact(text ? text : ""),
             {{"file", file ? file : ""},
              {"line", std::to_string(line)},
              {"function", function ? function : ""}}};
  if (object && GST_IS_OBJECT(object) && GST_OBJECT_NAME(object))
    e.fields.emplace_back("object", redact(GST_OBJECT_NAME(object)));
  return json_log_line(e, std::chrono::system_clock::now());
}

// GLib's own messages (g_warning and the like, from any library) in JSON mode.
GLogWriterOutput write_glib_json(GLogLevelFlags flags, const GLogField *fields, gsize count,
                                 gpointer) noexcept {
  try {
    LogEvent e;
    e.source = "glib";
    if (flags & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
      e.level = LogLevel::kError;
    else if (flags & G_LOG_LEVEL_WARNING)
      e.level = LogLevel::kWarning;
    else if (flags & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO))
      e.level = LogLevel::kInfo;
    else
      e.level = LogLevel::kDebug;
    const auto redact = current_secrets();
    const char *domain = nullptr;
    for (gsize i = 0; i < count; i++) {
      const std::string key = fields[i].key;
      if (fields[i].length != -1 || !fields[i].value) continue;  // only text fields
      const auto *value = static_cast<const char *>(fields[i].value);
      if (key == "MESSAGE")
        e.message = (*redact)(value);
      else if (key == "GLIB_DOMAIN")
        domain = value;
    }
    // Debug messages only when G_MESSAGES_DEBUG asks for them, as GLib's own writer does.
    if (e.level == LogLevel::kDebug && g_log_writer_default_would_drop(flags, domain))
      return G_LOG_WRITER_HANDLED;
    if (domain) e.source = domain;
    std::fputs(json_log_line(e, std::chrono::system_clock::now()).c_str(), stderr);
    std::fflush(stderr);
  } catch (...) {
    // Nothing is printed rather than an unredacted line.
  }
  return G_LOG_WRITER_HANDLED;
}

void log_line(GstDebugCategory *category, GstDebugLevel level, const gchar *file,
              const gchar *function, gint line, GObject *object, GstDebugMessage *message,
              gpointer) noexcept {
  if (level > gst_debug_category_get_threshold(category)) return;
  const std::shared_ptr<const Redactor> redact = current_secrets();
  if (json_lines) {
    try {
      std::fputs(
          json_gst_line(category, level, file, function, line, object, message, *redact).c_str(),
          log_file);
    } catch (...) {
    }
    return;
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

void use_json_logs() {
  json_lines = true;
  g_log_set_writer_func(write_glib_json, nullptr, nullptr);
}

void hide_in_gst_log(const Redactor &redact) {
  std::lock_guard lock(secrets_lock);
  auto merged = std::make_shared<Redactor>(*secrets);
  merged->add(redact);
  secrets = std::move(merged);
}

}  // namespace onair::app
