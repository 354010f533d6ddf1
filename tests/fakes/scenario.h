// How the simulated drivers (tests/fakes/*) read their scenario: the text of an environment
// variable, or of the file it names after '@'; KEY=VALUE settings separated by ';' or new lines.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace onair::fakes {

// The scenario's text as given (a file's contents when the variable names one).
inline std::string scenario_text(const char *env_name) {
  const char *env = std::getenv(env_name);
  std::string text = env ? env : "";
  if (!text.empty() && text[0] == '@') {
    std::ifstream file(text.substr(1));
    std::stringstream contents;
    contents << file.rdbuf();
    text = contents.str();
  }
  return text;
}

// The settings of `text`, in order; entries without '=' are skipped.
inline std::vector<std::pair<std::string, std::string>> scenario_settings(std::string text) {
  std::vector<std::pair<std::string, std::string>> out;
  std::replace(text.begin(), text.end(), '\n', ';');
  std::stringstream settings(text);
  std::string setting;
  while (std::getline(settings, setting, ';')) {
    const auto equals = setting.find('=');
    if (setting.empty() || equals == std::string::npos) continue;
    out.emplace_back(setting.substr(0, equals), setting.substr(equals + 1));
  }
  return out;
}

}  // namespace onair::fakes
