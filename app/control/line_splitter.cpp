#include "control/line_splitter.h"

namespace onair::app {

std::vector<LineSplitter::Item> LineSplitter::feed(std::string_view data) {
  std::vector<Item> items;
  while (!data.empty()) {
    const size_t nl = data.find('\n');
    const std::string_view part = data.substr(0, nl);
    if (skipping_) {
      if (nl == std::string_view::npos) return items;
      skipping_ = false;
    } else if (buffer_.size() + part.size() > max_) {
      items.push_back({true, {}});
      buffer_.clear();
      skipping_ = nl == std::string_view::npos;
    } else {
      buffer_.append(part);
      if (nl == std::string_view::npos) return items;
      if (!buffer_.empty() && buffer_.back() == '\r') buffer_.pop_back();
      items.push_back({false, std::move(buffer_)});
      buffer_.clear();
    }
    if (nl == std::string_view::npos) return items;
    data.remove_prefix(nl + 1);
  }
  return items;
}

}  // namespace onair::app
