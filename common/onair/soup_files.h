// Serving files below a root folder with libsoup, shared by the app's web
// server and webstreamsink's own server. Header only: each compiles it with
// its own libsoup dependency. The path rules are in web_paths.h.
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

#include <optional>
#include <string>

#include "onair/web_paths.h"

namespace onair {

// The request path with its %-escapes decoded; nullopt when it holds an
// encoded '/' or NUL, which no file path below a root may have.
inline std::optional<std::string> decoded_request_path(const char *path) {
  gchar *decoded = g_uri_unescape_string(path, "/");
  if (!decoded) return std::nullopt;
  std::string out(decoded);
  g_free(decoded);
  return out;
}

// Answers 200 with the file at `full_path` (a path file_inside() returned),
// its content type by extension and the given Cache-Control. False, with
// nothing answered, when the file cannot be read.
inline bool respond_with_file(SoupServerMessage *msg, const std::string &full_path,
                              const char *cache_control) {
  GMappedFile *mapped = g_mapped_file_new(full_path.c_str(), FALSE, nullptr);
  if (!mapped) return false;
  GBytes *bytes = g_mapped_file_get_bytes(mapped);
  g_mapped_file_unref(mapped);
  soup_server_message_set_status(msg, SOUP_STATUS_OK, nullptr);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers(msg);
  soup_message_headers_set_content_type(headers, web_content_type(full_path), nullptr);
  soup_message_headers_replace(headers, "Cache-Control", cache_control);
  soup_message_body_append_bytes(soup_server_message_get_response_body(msg), bytes);
  g_bytes_unref(bytes);
  return true;
}

}  // namespace onair
