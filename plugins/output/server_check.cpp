#include "server_check.h"

namespace onair::output {

Probe check_server(const ServerAddress &address, GCancellable *cancel) {
  GSocketClient *client = g_socket_client_new();
  g_socket_client_set_timeout(client, 1);
  g_socket_client_set_enable_proxy(client, FALSE);
  GError *error = nullptr;
  GSocketConnection *connection =
      g_socket_client_connect_to_host(client, address.host.c_str(), address.port, cancel, &error);
  g_object_unref(client);
  if (connection) {
    g_io_stream_close(G_IO_STREAM(connection), nullptr, nullptr);
    g_object_unref(connection);
    return Probe::kAnswers;
  }
  const bool down =
      error && error->domain == G_IO_ERROR &&
      (error->code == G_IO_ERROR_CONNECTION_REFUSED || error->code == G_IO_ERROR_TIMED_OUT ||
       error->code == G_IO_ERROR_HOST_UNREACHABLE || error->code == G_IO_ERROR_NETWORK_UNREACHABLE);
  g_clear_error(&error);
  return down ? Probe::kDown : Probe::kUnknown;
}

}  // namespace onair::output
