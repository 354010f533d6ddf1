// The JSON side of the control commands: request bodies and protocol lines
// become checked ControlCommands (json-glib reads the JSON; every rule is in
// command.h).
#pragma once

#include <string>
#include <string_view>

#include "control/command.h"
#include "control/json_fields.h"

namespace onair::app {

// The members of the JSON object in `text`. Throws ControlError (400).
JsonFields parse_json_object(std::string_view text);

// An HTTP body for the endpoint's `kind`; with `empty_is_object` (DELETE) an
// empty body means {}. Throws ControlError.
ControlCommand parse_command_body(CommandKind kind, std::string_view body, bool empty_is_object);

// One line of the line protocol, or a scheduled command: "cmd" names the kind.
// Throws ControlError.
ControlCommand parse_command_line(std::string_view line);

}  // namespace onair::app
