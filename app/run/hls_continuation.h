// hlssink2 continuing the previous run's playlist in a run directory used before
// (--run-dir): the app takes over its playlist writes (get-playlist-stream) and writes the
// continued playlist (run/playlist_continuation.h) in their place.
#pragma once

#include <gst/gst.h>

#include <string>

namespace onair::app {

// For `hlssink2`, not yet started, whose segment files go on from number `start_index`
// (> 0): reads its previous playlist now, before the run replaces it, and from then on
// writes each playlist it renders continued, atomically (a temporary file renamed). Returns
// what the run continues, for the console.
std::string continue_hls_playlist(GstElement *hlssink2, int start_index);

}  // namespace onair::app
