// GStreamer's parse errors explained in the pipeline file's terms: the line
// of the mistake and the variable a bad value came from.
#pragma once

#include <string>

#include "pipeline/pipeline_file.h"

namespace onair::app {

// Line number (in the file) of the first body line that has `word` as a whole token.
int find_body_line(const PipelineFile &file, const std::string &word);

// The first common syntax mistake in `launch` (what expand() made of the
// body: its lines are the file's): an unterminated quote, a '!' with no
// element before or after it, an unbalanced '(' or ')'. Returns
// "FILE:LINE: syntax error: ...", or "" when it finds none. Meant for when
// GStreamer has already refused the description: it reads the text close to,
// not exactly as, GStreamer does.
std::string find_syntax_error(const PipelineFile &file, const std::string &launch);

// The kinds of GStreamer's parse errors (GstParseError) the file's text can explain.
enum class LaunchError { kSyntax, kNoSuchElement, kNoSuchProperty, kBadPropertyValue, kOther };

// The one-line message for GStreamer's parse error `message` of that kind
// about `launch`: "FILE:LINE: message", naming the line of the mistake where
// it can be told (for a property: the one line that sets it on that element)
// and, for a bad value or a missing element, the variable it came from.
// "FILE: message" when no line can be told. Adds names, never values.
std::string explain_launch_error(const PipelineFile &file, const std::string &launch,
                                 LaunchError kind, const std::string &message);

}  // namespace onair::app
