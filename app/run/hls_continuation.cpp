#include "run/hls_continuation.h"

#include <gio/gio.h>
#include <glib/gstdio.h>

#include <cerrno>
#include <mutex>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "onair/guard.h"
#include "run/continuation.h"
#include "run/elements.h"
#include "run/playlist_continuation.h"

namespace onair::app {

namespace {

struct Continued {
  std::mutex lock;  // hlssink2 writes from the streaming thread and on EOS
  PlaylistContinuation continuation;
};

// What hlssink2 writes one playlist to: the text collects in memory, and closing the
// stream (hlssink2 drops it once written) writes the continued playlist to the file.
#define ONAIR_TYPE_CONTINUED_PLAYLIST_STREAM (onair_continued_playlist_stream_get_type())
G_DECLARE_FINAL_TYPE(OnairContinuedPlaylistStream, onair_continued_playlist_stream, ONAIR,
                     CONTINUED_PLAYLIST_STREAM, GMemoryOutputStream)

struct _OnairContinuedPlaylistStream {
  GMemoryOutputStream parent;
  GstElement *sink;      // the hlssink2, owned
  Continued *continued;  // the sink's, lives as long as the sink
  gchar *location;
};

G_DEFINE_TYPE(OnairContinuedPlaylistStream, onair_continued_playlist_stream,
              G_TYPE_MEMORY_OUTPUT_STREAM)

// Writes the continued playlist for hlssink2's `text` to `location`; then deletes the
// previous runs' files it let go. Posts hlssink2's error when the write fails.
bool write_continued(GstElement *sink, Continued &continued, const char *location,
                     std::string_view text, GError **error) {
  guint window = 0, max_files = 0;
  g_object_get(sink, "playlist-length", &window, "max-files", &max_files, nullptr);
  const std::optional<HlsPlaylist> rendered = parse_hls_playlist(text);
  GError *failed = nullptr;
  std::vector<std::string> gone;
  {
    const std::lock_guard<std::mutex> hold(continued.lock);
    HlsPlaylist written;
    std::string out(text);  // hlssink2's own numbering, should its text ever not read
    if (rendered) {
      written = continued.continuation.continued(*rendered, window);
      out = render_hls_playlist(written);
    }
    // Deleted once the playlist without them is on disk.
    if (g_file_set_contents(location, out.data(), static_cast<gssize>(out.size()), &failed) &&
        rendered)
      gone = continued.continuation.files_to_delete(*rendered, written, max_files);
  }
  if (failed) {
    GST_ELEMENT_ERROR(sink, RESOURCE, OPEN_WRITE, ("Failed to write playlist '%s'.", location),
                      ("%s", failed->message));
    g_propagate_error(error, failed);
    return false;
  }
  for (const std::string &path : gone)
    if (g_remove(path.c_str()) != 0 && errno != ENOENT)
      GST_ELEMENT_WARNING(
          sink, RESOURCE, WRITE,
          ("Failed to delete fragment file '%s': %s.", path.c_str(), g_strerror(errno)), (nullptr));
  return true;
}

gboolean stream_close(GOutputStream *stream, GCancellable *cancellable, GError **error) noexcept {
  auto *self = ONAIR_CONTINUED_PLAYLIST_STREAM(stream);
  if (!G_OUTPUT_STREAM_CLASS(onair_continued_playlist_stream_parent_class)
           ->close_fn(stream, cancellable, error))
    return FALSE;
  GMemoryOutputStream *memory = G_MEMORY_OUTPUT_STREAM(stream);
  const std::string_view text(static_cast<const char *>(g_memory_output_stream_get_data(memory)),
                              g_memory_output_stream_get_data_size(memory));
  return guarded(self->sink, FALSE, [&] {
    return write_continued(self->sink, *self->continued, self->location, text, error) ? TRUE
                                                                                      : FALSE;
  });
}

void stream_finalize(GObject *object) noexcept {
  auto *self = ONAIR_CONTINUED_PLAYLIST_STREAM(object);
  gst_object_unref(self->sink);
  g_free(self->location);
  G_OBJECT_CLASS(onair_continued_playlist_stream_parent_class)->finalize(object);
}

void onair_continued_playlist_stream_class_init(OnairContinuedPlaylistStreamClass *klass) {
  G_OBJECT_CLASS(klass)->finalize = stream_finalize;
  G_OUTPUT_STREAM_CLASS(klass)->close_fn = stream_close;
}

void onair_continued_playlist_stream_init(OnairContinuedPlaylistStream *) {}

// hlssink2's get-playlist-stream: a stream of ours instead of the file.
GOutputStream *on_get_playlist_stream(GstElement *sink, const gchar *location,
                                      gpointer continued) noexcept {
  auto *stream = static_cast<OnairContinuedPlaylistStream *>(
      g_object_new(ONAIR_TYPE_CONTINUED_PLAYLIST_STREAM, "realloc-function", g_realloc,
                   "destroy-function", g_free, nullptr));
  stream->sink = GST_ELEMENT(gst_object_ref(sink));
  stream->continued = static_cast<Continued *>(continued);
  stream->location = g_strdup(location);
  return G_OUTPUT_STREAM(stream);
}

}  // namespace

std::string continue_hls_playlist(GstElement *hlssink2, int start_index) {
  const std::string playlist_location = string_property(hlssink2, "playlist-location");
  std::optional<HlsPlaylist> previous;
  gchar *text = nullptr;
  gsize size = 0;
  if (g_file_get_contents(playlist_location.c_str(), &text, &size, nullptr))
    previous = parse_hls_playlist(std::string_view(text, size));
  g_free(text);

  const std::string location = string_property(hlssink2, "location");
  gchar *dir = g_path_get_dirname(location.c_str());
  gchar *pattern = g_path_get_basename(location.c_str());
  std::vector<std::string> previous_files = numbered_files(dir, pattern);
  g_free(dir);
  g_free(pattern);

  std::string said =
      previous ? "its playlist continues from media sequence " +
                     std::to_string(previous->media_sequence +
                                    static_cast<long long>(previous->segments.size())) +
                     " after the previous run's, a discontinuity marking the restart"
               : "no previous playlist to continue (" + playlist_location +
                     " missing or unreadable): media sequence from " + std::to_string(start_index);
  g_signal_connect_data(
      hlssink2, "get-playlist-stream", G_CALLBACK(on_get_playlist_stream),
      new Continued{
          {}, PlaylistContinuation(std::move(previous), start_index, std::move(previous_files))},
      [](gpointer data, GClosure *) { delete static_cast<Continued *>(data); }, GConnectFlags(0));
  return said;
}

}  // namespace onair::app
