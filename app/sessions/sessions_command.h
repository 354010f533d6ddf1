// "onair sessions list|show|delete": the recording sessions on disk.
#pragma once

#include "cli/cli.h"

namespace onair::app {

// Returns the exit code: 0 done, 1 a session could not be deleted, 2 no such
// session or not a session.
int command_sessions(const Options &options);

}  // namespace onair::app
