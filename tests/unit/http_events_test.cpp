// GET /api/events and GET /api/status/stream against the app's web server on 127.0.0.1: every
// client gets every event, and a client that stops reading is dropped once its backlog passes
// the limit, without holding up the others or the publisher.
#include <arpa/inet.h>
#include <glib.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "http/server.h"
#include "sessions/event_hub.h"

namespace {

using onair::app::EventHub;
using onair::app::HttpAddress;
using onair::app::HttpRoutes;
using onair::app::HttpServer;

// Runs the main context until `done` holds; a bound on iterations only stops a broken server.
template <typename Done>
bool pump_until(Done done) {
  for (long i = 0; i < 5'000'000 && !done(); ++i) g_main_context_iteration(nullptr, FALSE);
  return done();
}

int port_of(const std::string &url) {  // "http://127.0.0.1:PORT/"
  return std::stoi(url.substr(url.rfind(':') + 1));
}

// A client of `path`; `receive_buffer` > 0 shrinks its socket's receive buffer.
int subscribe(int port, int receive_buffer, const std::string &path = "/api/events") {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (receive_buffer > 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr), 0);
  const std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  EXPECT_EQ(send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  return fd;
}

// Reads a socket (which it owns) to its end on a thread of its own, counting the events that
// came.
struct Reader {
  explicit Reader(int fd) : fd(fd), thread([this, fd] { run(fd); }) {}
  ~Reader() {
    shutdown(fd, SHUT_RDWR);
    thread.join();
    close(fd);
  }
  void run(int fd) {
    std::vector<char> buffer(1 << 16);
    for (;;) {
      const ssize_t n = recv(fd, buffer.data(), buffer.size(), 0);
      if (n <= 0) break;
      std::lock_guard<std::mutex> lock(mutex);
      text.append(buffer.data(), static_cast<size_t>(n));
      size_t at = 0, count = 0;
      while ((at = text.find("event: snapshot\n", at)) != std::string::npos) ++count, ++at;
      events = count;
    }
    ended = true;
  }
  std::string received() {
    std::lock_guard<std::mutex> lock(mutex);
    return text;
  }
  int fd;
  std::mutex mutex;
  std::string text;
  std::atomic<size_t> events{0};
  std::atomic<bool> ended{false};
  std::thread thread;
};

// Publishes events of 8 KB to a reading and a stalled client of `hub`, each once the reading
// client has the one before, until the stalled one's backlog got it dropped (or 2000 went),
// then three more that the reading one gets too; returns how many went.
size_t publish_until_the_stalled_client_goes(EventHub &hub, Reader &reading,
                                             const std::vector<std::string> &warnings) {
  const std::string data = "{\"pad\":\"" + std::string(8000, 'x') + "\"}";
  size_t published = 0;
  while (hub.subscribers() == 2 && published < 2000) {
    hub.publish("snapshot", data);
    ++published;
    EXPECT_TRUE(pump_until([&] { return reading.events == published; })) << published;
  }
  EXPECT_EQ(hub.subscribers(), 1u);
  EXPECT_GT(published, 256u * 1024 / data.size());  // not before its backlog passed 256 KiB
  EXPECT_EQ(warnings.size(), 1u) << "published " << published;
  EXPECT_EQ(warnings.at(0), "an event client reading too slowly was dropped");

  // The reading client goes on getting every event.
  for (int i = 0; i < 3; ++i) {
    hub.publish("snapshot", data);
    ++published;
    EXPECT_TRUE(pump_until([&] { return reading.events == published; }));
  }
  return published;
}

TEST(HttpEvents, AClientThatStopsReadingIsDroppedAndTheOthersGetEverything) {
  EventHub hub;
  std::vector<std::string> warnings;
  HttpRoutes routes;
  routes.events = &hub;
  routes.warn = [&](const std::string &text) { warnings.push_back(text); };
  HttpServer server(std::move(routes));
  server.listen(HttpAddress{"127.0.0.1", 0});
  const int port = port_of(server.url());

  Reader reading(subscribe(port, 0));
  const int stalled_fd = subscribe(port, 1024);
  ASSERT_TRUE(pump_until([&] { return hub.subscribers() == 2; }));
  const size_t published = publish_until_the_stalled_client_goes(hub, reading, warnings);

  // The stalled client, reading at last, finds its response ended properly: the backlog it
  // had, then the last chunk.
  Reader stalled(stalled_fd);
  ASSERT_TRUE(pump_until([&] { return stalled.received().ends_with("\r\n0\r\n\r\n"); }));
  EXPECT_LT(stalled.events, published);
}

TEST(HttpEvents, TheStatusStreamGreetsEachClientFirstAndDropsOneThatStopsReading) {
  EventHub hub;
  std::vector<std::string> warnings;
  HttpRoutes routes;
  routes.status_events = &hub;
  routes.status_greeting = [&] { return hub.event_text("history", "{\"samples\":[]}"); };
  routes.warn = [&](const std::string &text) { warnings.push_back(text); };
  HttpServer server(std::move(routes));
  server.listen(HttpAddress{"127.0.0.1", 0});
  const int port = port_of(server.url());

  Reader reading(subscribe(port, 0, "/api/status/stream"));
  const int stalled_fd = subscribe(port, 1024, "/api/status/stream");
  ASSERT_TRUE(pump_until([&] { return hub.subscribers() == 2; }));
  publish_until_the_stalled_client_goes(hub, reading, warnings);
  // Each client got its greeting first; the reading one then every event.
  const std::string text = reading.received();
  EXPECT_NE(text.find("Content-Type: text/event-stream"), std::string::npos);
  const size_t greeting = text.find("event: history\nid: 1\ndata: {\"samples\":[]}\n\n");
  ASSERT_NE(greeting, std::string::npos);
  EXPECT_LT(greeting, text.find("event: snapshot\n"));
  // A stalled client's kernel buffers may hold megabytes, which take long to read through a
  // small receive buffer: this one just goes (the test above reads its end).
  close(stalled_fd);
}

}  // namespace
