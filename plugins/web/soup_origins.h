// The Origin rules (core/origins.h) applied to a libsoup request: shared by
// webstreamsink and the app's web server, so both answer other sites alike.
// Header only: each compiles it with its own libsoup dependency.
#pragma once

#include <libsoup/soup.h>

#include <cstring>
#include <string>

#include "core/origins.h"

namespace onair::web {

inline OriginVerdict request_origin(SoupServerMessage *msg, const AllowedOrigins &allowed) {
  SoupMessageHeaders *request = soup_server_message_get_request_headers(msg);
  return check_origin(allowed, soup_message_headers_get_one(request, "Origin"),
                      soup_message_headers_get_one(request, "Host"));
}

// For a resource read with GET and HEAD: refuses a page of a site `allowed` does
// not admit (403), answers a preflight (OPTIONS, 204), and lets an admitted
// page read the answer and `expose_headers` (may be null). True when the
// request is answered here.
inline bool answer_by_origin(SoupServerMessage *msg, const AllowedOrigins &allowed,
                             const char *expose_headers) {
  const OriginVerdict verdict = request_origin(msg, allowed);
  SoupMessageHeaders *request = soup_server_message_get_request_headers(msg);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers(msg);
  const char *origin = soup_message_headers_get_one(request, "Origin");
  // The answer depends on the Origin: caches must keep them apart.
  soup_message_headers_append(headers, "Vary", "Origin");
  if (verdict == OriginVerdict::kRefused) {
    const std::string reason = "Origin '" + std::string(origin) +
                               "' is not allowed here (the server's allowed origins, "
                               "allow-origins or onair run --allow-origin, do not list it)\n";
    soup_server_message_set_response(msg, "text/plain; charset=utf-8", SOUP_MEMORY_COPY,
                                     reason.data(), reason.size());
    soup_server_message_set_status(msg, SOUP_STATUS_FORBIDDEN, nullptr);
    return true;
  }
  if (origin) {
    soup_message_headers_replace(headers, "Access-Control-Allow-Origin", origin);
    if (expose_headers)
      soup_message_headers_replace(headers, "Access-Control-Expose-Headers", expose_headers);
  }
  if (std::strcmp(soup_server_message_get_method(msg), "OPTIONS") != 0) return false;
  soup_message_headers_replace(headers, "Allow", "GET, HEAD, OPTIONS");
  soup_message_headers_replace(headers, "Access-Control-Allow-Methods", "GET, HEAD, OPTIONS");
  if (const char *wanted = soup_message_headers_get_one(request, "Access-Control-Request-Headers"))
    soup_message_headers_replace(headers, "Access-Control-Allow-Headers", wanted);
  soup_message_headers_replace(headers, "Access-Control-Max-Age", "600");
  soup_server_message_set_status(msg, SOUP_STATUS_NO_CONTENT, nullptr);
  return true;
}

}  // namespace onair::web
