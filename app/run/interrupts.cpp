#include "run/interrupts.h"

#include <glib-unix.h>

#include <csignal>

namespace onair::app {

Interrupts::Interrupts()
    : sigint_(g_unix_signal_add(SIGINT, &Interrupts::on_signal, this)),
      sigterm_(g_unix_signal_add(SIGTERM, &Interrupts::on_signal, this)) {}

Interrupts::~Interrupts() {
  g_source_remove(sigint_);
  g_source_remove(sigterm_);
}

bool Interrupts::came_early() {
  // Signal sources are dispatched by the main context, which has not run yet.
  while (!handler_ && g_main_context_iteration(nullptr, FALSE)) {
  }
  return early_;
}

gboolean Interrupts::on_signal(gpointer data) noexcept {
  auto *self = static_cast<Interrupts *>(data);
  if (self->handler_)
    self->handler_();
  else
    self->early_ = true;
  return G_SOURCE_CONTINUE;
}

}  // namespace onair::app
