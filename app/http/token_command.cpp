#include "http/token_command.h"

#include <glib.h>

#include <cstdio>

#include "http/token.h"

namespace onair::app {

std::string token_path(const Options &options) {
  return options.token_file.empty() ? default_token_path(g_get_user_config_dir())
                                    : options.token_file;
}

int command_token(const Options &options) {
  try {
    std::printf("%s\n", load_or_create_token(token_path(options)).c_str());
  } catch (const TokenError &e) {
    std::fprintf(stderr, "onair: %s\n", e.what());
    return kExitUsage;
  }
  return kExitOk;
}

}  // namespace onair::app
