// Where the API token is kept, and "onair token", which prints it.
#pragma once

#include <string>

#include "cli/cli.h"

namespace onair::app {

// --token-file, or the default below the user's configuration directory.
std::string token_path(const Options &options);

// Prints the token (made first when there is none). Returns the exit code.
int command_token(const Options &options);

}  // namespace onair::app
