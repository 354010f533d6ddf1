#include "output_stats.h"

#include <algorithm>
#include <vector>

namespace onair::output {

const char *state_name(State state) {
  switch (state) {
    case State::kIdle:
      return "idle";
    case State::kConnecting:
      return "connecting";
    case State::kLive:
      return "live";
    case State::kReconnecting:
      return "reconnecting";
    case State::kFailed:
      return "failed";
    case State::kStopped:
      return "stopped";
  }
  return "unknown";
}

void RateMeter::add(int64_t now, uint64_t bytes) {
  if (now < 0) return;
  const int64_t index = now / kBucket;
  if (newest_ < 0) newest_ = first_ = index;
  if (index > newest_) {
    for (int64_t i = newest_ + 1; i <= index && i <= newest_ + kBuckets; i++)
      bytes_[static_cast<size_t>(i % kBuckets)] = 0;
    newest_ = index;
  }
  if (index > newest_ - kBuckets) bytes_[static_cast<size_t>(index % kBuckets)] += bytes;
}

double RateMeter::bits_per_second(int64_t now) const {
  if (newest_ < 0 || now < 0) return 0;
  // The window is the last whole buckets before the current one, and no
  // earlier than the first byte, so a new connection shows its real rate.
  const int64_t current = now / kBucket;
  const int64_t start = std::max(current - kBuckets, first_);
  if (current <= start) return 0;
  uint64_t total = 0;
  for (int64_t i = start; i < current; i++) {
    if (i > newest_ || i <= newest_ - kBuckets) continue;
    total += bytes_[static_cast<size_t>(i % kBuckets)];
  }
  return static_cast<double>(total) * 8.0 * kBucketsPerSecond /
         static_cast<double>(current - start);
}

void LatencyMeter::add(int64_t latency) {
  last_ = latency;
  mean_ = mean_ < 0 ? static_cast<double>(latency)
                    : mean_ + (static_cast<double>(latency) - mean_) / 16.0;
}

namespace {

// The parts of the URL that must not be shown.
std::vector<std::string> secrets_of(const std::string &url) {
  std::vector<std::string> out;
  const size_t scheme = url.find("://");
  const size_t host_start = scheme == std::string::npos ? 0 : scheme + 3;
  const size_t path = url.find('/', host_start);
  const size_t at = url.find('@', host_start);
  if (at != std::string::npos && (path == std::string::npos || at < path))
    out.push_back(url.substr(host_start, at - host_start));  // user:password
  const size_t query = url.find('?');
  if (query != std::string::npos) out.push_back(url.substr(query + 1));
  const std::string before_query = url.substr(0, query);
  const size_t last_slash = before_query.rfind('/');
  // rtmp://host/app/KEY: the key is the segment after the application.
  if (path != std::string::npos && last_slash != std::string::npos && last_slash > path &&
      last_slash + 1 < before_query.size())
    out.push_back(before_query.substr(last_slash + 1));
  return out;
}

std::string replace_all(std::string text, const std::string &what) {
  if (what.size() < 3) return text;  // too short to hide without blanking ordinary text
  for (size_t pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 3))
    text.replace(pos, what.size(), "***");
  return text;
}

}  // namespace

std::string redact_rtmp_url(const std::string &url) {
  std::string out = url;
  for (const std::string &secret : secrets_of(url)) {
    if (secret.empty()) continue;
    const size_t pos = out.rfind(secret);
    if (pos != std::string::npos) out.replace(pos, secret.size(), "***");
  }
  return out;
}

std::string redact_text(const std::string &text, const std::string &url) {
  std::string out = text;
  for (const std::string &secret : secrets_of(url)) out = replace_all(out, secret);
  return out;
}

}  // namespace onair::output
