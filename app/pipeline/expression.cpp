#include "pipeline/expression.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace onair::app {

namespace {

class Parser {
 public:
  Parser(const std::string &text, const NumberLookup &lookup) : text_(text), lookup_(lookup) {}

  double parse() {
    const double v = sum();
    skip_space();
    if (pos_ != text_.size()) fail("unexpected '" + text_.substr(pos_, 1) + "'");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string &why) {
    size_t b = text_.find_first_not_of(" \t"), e = text_.find_last_not_of(" \t");
    if (b == std::string::npos) throw ExpressionError(why);
    throw ExpressionError(why + " in '" + text_.substr(b, e - b + 1) + "'");
  }
  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) pos_++;
  }
  bool take(char c) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == c) {
      pos_++;
      return true;
    }
    return false;
  }
  double sum() {
    double v = product();
    while (true) {
      if (take('+'))
        v += product();
      else if (take('-'))
        v -= product();
      else
        return v;
    }
  }
  double product() {
    double v = factor();
    while (true) {
      if (take('*')) {
        v *= factor();
      } else if (take('/')) {
        const double d = factor();
        if (d == 0) fail("division by zero");
        v /= d;
      } else {
        return v;
      }
    }
  }
  double factor() {
    if (++depth_ > 32) fail("too deeply nested");
    skip_space();
    double v;
    if (take('(')) {
      v = sum();
      if (!take(')')) fail("missing ')'");
    } else if (take('-')) {
      v = -factor();
    } else if (pos_ < text_.size() &&
               (std::isdigit(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '.')) {
      const size_t start = pos_;
      while (pos_ < text_.size() &&
             (std::isdigit(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '.'))
        pos_++;
      char *end = nullptr;
      const std::string number = text_.substr(start, pos_ - start);
      v = std::strtod(number.c_str(), &end);
      if (*end) fail("bad number '" + number + "'");
    } else if (pos_ < text_.size() &&
               (std::islower(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_')) {
      const size_t start = pos_;
      while (pos_ < text_.size() &&
             (std::islower(static_cast<unsigned char>(text_[pos_])) ||
              std::isdigit(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_'))
        pos_++;
      const std::string name = text_.substr(start, pos_ - start);
      const auto value = lookup_(name);
      if (!value) fail("'" + name + "' is not a numeric variable");
      v = *value;
    } else {
      fail(pos_ < text_.size() ? "unexpected '" + text_.substr(pos_, 1) + "'" : "missing operand");
    }
    depth_--;
    return v;
  }

  const std::string &text_;
  const NumberLookup &lookup_;
  size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

double evaluate(const std::string &expression, const NumberLookup &lookup) {
  const double v = Parser(expression, lookup).parse();
  if (!std::isfinite(v))
    throw ExpressionError("result is not a finite number in '" + expression + "'");
  return v;
}

Comparison split_comparison(const std::string &text) {
  static const char *kOps[] = {"<=", ">=", "==", "!=", "<", ">"};
  for (const char *op : kOps) {
    const size_t pos = text.find(op);
    if (pos == std::string::npos) continue;
    Comparison c{text.substr(0, pos), op, text.substr(pos + std::string(op).size())};
    for (const char *other : kOps)
      if (c.right.find(other) != std::string::npos || c.left.find(other) != std::string::npos)
        throw ExpressionError("more than one comparison in '" + text + "'");
    return c;
  }
  throw ExpressionError("no comparison (<=, <, >=, >, ==, !=) in '" + text + "'");
}

bool compare(double l, const std::string &op, double r) {
  if (op == "<=") return l <= r;
  if (op == "<") return l < r;
  if (op == ">=") return l >= r;
  if (op == ">") return l > r;
  if (op == "==") return l == r;
  return l != r;
}

std::string format_number(double value) {
  char buf[64];
  if (std::fabs(value) < 9e15 && value == std::floor(value))
    std::snprintf(buf, sizeof buf, "%.0f", value);
  else
    std::snprintf(buf, sizeof buf, "%.6g", value);
  return buf;
}

}  // namespace onair::app
