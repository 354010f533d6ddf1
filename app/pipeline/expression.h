// Arithmetic in pipeline files: "${fps * keyframe_interval}" in the body and
// "check bitrate + audio_bitrate <= 12000: ..." in the header. Plain C++.
#pragma once

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

namespace onair::app {

class ExpressionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Looks a variable up as a number; nullopt when it is not one.
using NumberLookup = std::function<std::optional<double>(const std::string &name)>;

// Evaluates + - * / and parentheses over numbers and variables.
// Throws ExpressionError ("unknown variable 'x'", "division by zero", ...).
double evaluate(const std::string &expression, const NumberLookup &lookup);

// A comparison "EXPR OP EXPR" with OP one of <= < >= > == !=.
struct Comparison {
  std::string left, op, right;
};
// Throws ExpressionError when there is no single comparison operator.
Comparison split_comparison(const std::string &text);
bool compare(double left, const std::string &op, double right);

// "60", "2.5", "0.333333": whole numbers without a decimal point.
std::string format_number(double value);

}  // namespace onair::app
