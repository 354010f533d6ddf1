// The control API's bearer token: made once, kept in a file only its owner can
// read, and reused by every later run. Plain C++ (POSIX).
#pragma once

#include <stdexcept>
#include <string>

#include "common/user_error.h"

namespace onair::app {

class TokenError : public UserError {
 public:
  using UserError::UserError;
};

// "<config_dir>/onair/api-token".
std::string default_token_path(const std::string &config_dir);

// 64 hexadecimal digits from 32 bytes of the kernel's random generator.
std::string random_token();

// The token in `path`, made first when there is no such file: the directories
// that are missing are made with mode 0700, and the file appears whole with
// mode 0600 (written to a private temporary file, then linked into place, so
// two runs starting at once agree on one token). Refuses a file that is not a
// regular file, a symbolic link, a file others may read or write or that
// belongs to another user, and one that holds no usable token (16 to 1024
// visible ASCII characters). `created` tells whether this call made it.
// Throws TokenError; its message never holds the token.
std::string load_or_create_token(const std::string &path, bool *created = nullptr);

}  // namespace onair::app
