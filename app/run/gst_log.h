// GStreamer's debug log (GST_DEBUG) through the app's redactor: elements log
// locations and launch lines, which hold stream keys.
#pragma once

#include "common/redactor.h"

namespace onair::app {

// Replaces GStreamer's default log output (stderr, or GST_DEBUG_FILE) with
// the same lines passed through the secrets given to hide_in_gst_log().
void install_gst_log();

// From now on GStreamer's debug log and GLib's messages (g_warning, ...) are
// one JSON object per line (common/log_line.h), as --log-format json asks.
// Call once, before other threads log.
void use_json_logs();

// Adds secrets to hide from now on, keeping those hidden so far: each run in
// a process that embeds several (embed/) keeps its own hidden. Safe while
// other threads log.
void hide_in_gst_log(const Redactor &redact);

}  // namespace onair::app
