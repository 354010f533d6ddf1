#include "pipeline/launch_lexer.h"

#include <algorithm>
#include <string_view>

namespace onair::app {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

class LaunchScanner {
 public:
  // With `placeholders` (a template body) "${...}" is part of a word whatever it holds.
  LaunchScanner(const std::string &text, bool placeholders)
      : t_(text), placeholders_(placeholders) {}

  LaunchScan scan() {
    size_t i = 0;
    while (i < t_.size() && !scan_.open_quote) {
      const char c = t_[i];
      if (is_space(c)) {
        i++;
      } else if (c == '!') {
        i = link(i);
      } else if (c == '(' || c == ')') {
        push(c == '(' ? LaunchToken::Kind::kOpen : LaunchToken::Kind::kClose, i, i + 1);
        i++;
      } else {
        i = word(i);
      }
    }
    return std::move(scan_);
  }

 private:
  void push(LaunchToken::Kind kind, size_t begin, size_t end) {
    LaunchToken token;
    token.kind = kind;
    token.begin = begin;
    token.end = end;
    scan_.tokens.push_back(token);
  }

  // Past the quoted string opening at i; records it when it never closes.
  size_t quoted(size_t i) {
    for (size_t j = i + 1; j < t_.size(); j++) {
      if (t_[j] == '\\') {
        j++;
      } else if (t_[j] == '"') {
        return j + 1;
      }
    }
    scan_.open_quote = i;
    return t_.size();
  }

  // Past the placeholder or "$$" at i (placeholders are checked when the file is read).
  size_t placeholder(size_t i) const {
    if (i + 1 < t_.size() && t_[i + 1] == '$') return i + 2;
    if (i + 1 < t_.size() && t_[i + 1] == '{') {
      const size_t close = t_.find('}', i + 2);
      if (close != std::string::npos) return close + 1;
    }
    return i + 1;
  }

  // Past a run of non-space characters, quoted strings and placeholders whole,
  // stopping before any of `stops`.
  size_t run(size_t i, std::string_view stops) {
    while (i < t_.size() && !is_space(t_[i]) && stops.find(t_[i]) == std::string_view::npos &&
           !scan_.open_quote) {
      if (t_[i] == '"')
        i = quoted(i);
      else if (placeholders_ && t_[i] == '$')
        i = placeholder(i);
      else
        i++;
    }
    return i;
  }

  size_t skip_spaces(size_t i) const {
    while (i < t_.size() && is_space(t_[i])) i++;
    return i;
  }

  // "!", or "! CAPS !" when a media type follows: GStreamer reads that as one link.
  size_t link(size_t i) {
    const size_t j = skip_spaces(i + 1);
    size_t k = j;
    while (k < t_.size() && (is_alnum(t_[k]) || t_[k] == '-')) k++;
    size_t m = k + 1;
    while (m < t_.size() && (is_alnum(t_[m]) || t_[m] == '-')) m++;
    if (k > j && k < t_.size() && t_[k] == '/' && m > k + 1) {
      for (size_t p = m; p < t_.size();) {
        if (t_[p] == '!') {
          push(LaunchToken::Kind::kLink, i, p + 1);
          return p + 1;
        }
        if (t_[p] == '"') {
          const size_t after = quoted(p);
          if (scan_.open_quote) {
            // The quote belongs to the caps; report it, not the link.
            return t_.size();
          }
          p = after;
        } else if (placeholders_ && t_[p] == '$') {
          p = placeholder(p);
        } else {
          p++;
        }
      }
    }
    push(LaunchToken::Kind::kLink, i, i + 1);
    return i + 1;
  }

  // An element, a reference ("t." "demux.video") or "property=value" (spaces
  // allowed around '=', as GStreamer allows them).
  size_t word(size_t i) {
    size_t k = i;
    if ((t_[k] >= 'a' && t_[k] <= 'z') || (t_[k] >= 'A' && t_[k] <= 'Z')) {
      while (k < t_.size() &&
             (is_alnum(t_[k]) || t_[k] == '-' || t_[k] == '_' || t_[k] == '%' || t_[k] == ':'))
        k++;
      const size_t eq = skip_spaces(k);
      if (eq < t_.size() && t_[eq] == '=') {
        LaunchToken token;
        token.kind = LaunchToken::Kind::kAssignment;
        token.begin = i;
        token.name = t_.substr(i, k - i);
        token.value_begin = skip_spaces(eq + 1);
        size_t end = token.value_begin;
        if (end < t_.size()) end = t_[end] == '"' ? quoted(end) : run(end, "");
        token.end = end;
        scan_.tokens.push_back(token);
        return end;
      }
    }
    const size_t end = run(i, "!()");
    push(LaunchToken::Kind::kWord, i, end);
    return end;
  }

  const std::string &t_;
  const bool placeholders_;
  LaunchScan scan_;
};

}  // namespace

LaunchScan scan_launch(const std::string &text, bool placeholders) {
  return LaunchScanner(text, placeholders).scan();
}

Lines::Lines(const std::string &text, int first) : first_(first) {
  for (size_t i = 0; i < text.size(); i++)
    if (text[i] == '\n') newlines_.push_back(i);
}

int Lines::at(size_t index) const {
  return first_ + static_cast<int>(std::lower_bound(newlines_.begin(), newlines_.end(), index) -
                                   newlines_.begin());
}

}  // namespace onair::app
