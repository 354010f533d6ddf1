// An error the user can fix (a pipeline file, a value, a port in use, a token
// file): the app prints "onair: MESSAGE" and exits with 2. Its message never
// holds a secret.
#pragma once

#include <stdexcept>

namespace onair::app {

class UserError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace onair::app
