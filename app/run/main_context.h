// Timers on the thread-default main context. For `onair run` that is GLib's
// default context; a program embedding a run (embed/) may run it on a context
// of its own thread, where the bus watch and the services' sockets go too.
#pragma once

#include <glib.h>

namespace onair::app {

inline guint timeout_add_here(guint milliseconds, GSourceFunc callback, gpointer data) {
  GSource *source = g_timeout_source_new(milliseconds);
  g_source_set_callback(source, callback, data, nullptr);
  const guint id = g_source_attach(source, g_main_context_get_thread_default());
  g_source_unref(source);
  return id;
}

// Removes a source added on this thread's context (g_source_remove looks only in the default one).
inline void source_remove_here(guint id) {
  GMainContext *context = g_main_context_ref_thread_default();
  if (GSource *source = g_main_context_find_source_by_id(context, id)) g_source_destroy(source);
  g_main_context_unref(context);
}

}  // namespace onair::app
