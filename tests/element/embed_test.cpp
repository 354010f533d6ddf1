// The embedding library (app/embed/onair/embed.h): it loads pipeline files as `onair run` does,
// refuses what the app refuses with the app's words, and runs a pipeline with the app's
// supervision and web server inside the test's process.
#include <gio/gio.h>
#include <gtest/gtest.h>
#include <onair/embed.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr char kKeyVariable[] = "ONAIR_EMBED_TEST_KEY";
constexpr char kKey[] = "live_0123456789abcdef";
constexpr char kServer[] = "rtmp://127.0.0.1:1/live";
const std::string kX = ONAIR_SOURCE_DIR "/pipelines/x.pipeline";
// How long a test waits for an event before it reports that none came.
constexpr auto kEventTimeout = std::chrono::seconds(60);

// A directory for run directories and pipeline files, removed with its contents.
class TempDir {
 public:
  TempDir() {
    gchar *dir = g_dir_make_tmp("onair-embed-XXXXXX", nullptr);
    path_ = dir;
    g_free(dir);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string &path() const { return path_; }
  // Writes NAME.pipeline here and returns its path.
  std::string pipeline(const std::string &name, const std::string &text) const {
    const std::string file = path_ + "/" + name + ".pipeline";
    std::ofstream(file) << text;
    return file;
  }

 private:
  std::string path_;
};

struct AppOutput {
  std::string out;
  std::string err;
  bool ok = false;
};

// What the onair app prints for `args`.
AppOutput onair(std::vector<std::string> args) {
  args.insert(args.begin(), ONAIR_APP);
  std::vector<gchar *> argv;
  for (std::string &a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  gchar *out = nullptr, *err = nullptr;
  gint status = 0;
  AppOutput result;
  EXPECT_TRUE(g_spawn_sync(nullptr, argv.data(), nullptr, G_SPAWN_DEFAULT, nullptr, nullptr, &out,
                           &err, &status, nullptr));
  result.out = out ? out : "";
  result.err = err ? err : "";
  result.ok = g_spawn_check_wait_status(status, nullptr);
  g_free(out);
  g_free(err);
  return result;
}

class Embed : public ::testing::Test {
 protected:
  void SetUp() override { g_setenv(kKeyVariable, kKey, TRUE); }

  onair::LoadOptions in_temp() const { return {{}, temp.path()}; }

  // `values` as -s options for the app.
  static std::vector<std::string> app_args(const std::string &command, const std::string &file,
                                           const std::map<std::string, std::string> &values) {
    std::vector<std::string> args = {command, file};
    for (const auto &[key, value] : values) args.insert(args.end(), {"-s", key + "=" + value});
    return args;
  }

  // The message load() throws, after checking that `onair check` refuses the same way.
  std::string refusal(const std::string &file, const std::map<std::string, std::string> &values) {
    std::string message;
    try {
      onair::Channel::load(file, values, in_temp());
      ADD_FAILURE() << "loaded " << file;
    } catch (const onair::Error &e) {
      message = e.what();
    }
    const AppOutput app = onair(app_args("check", file, values));
    EXPECT_FALSE(app.ok);
    EXPECT_EQ(app.err, "onair: " + message + "\n");
    EXPECT_EQ(message.find(kKey), std::string::npos);
    return message;
  }

  TempDir temp;
};

TEST_F(Embed, LoadsANamedFileWithItsValuesAndSecrets) {
  std::string run_dir;
  {
    const onair::Channel channel = onair::Channel::load(
        "x", {{"key", std::string("env:") + kKeyVariable}, {"server", kServer}},
        {{ONAIR_SOURCE_DIR "/pipelines"}, temp.path()});
    EXPECT_EQ(channel.name(), "x");
    ASSERT_TRUE(GST_IS_PIPELINE(channel.pipeline()));
    for (const char *name : {"overlay", "live", "video", "audio"}) {
      GstElement *element = channel.element(name);
      EXPECT_NE(element, nullptr) << name;
      if (element) gst_object_unref(element);
    }
    EXPECT_EQ(channel.element("nothing-of-that-name"), nullptr);

    const std::string line = channel.launch_line();
    EXPECT_NE(line.find(std::string(kServer) + "/***"), std::string::npos) << line;
    EXPECT_EQ(line.find(kKey), std::string::npos) << line;
    EXPECT_TRUE(channel.warnings().empty());
    EXPECT_EQ(channel.hide_secrets(std::string("key ") + kKey), "key ***");

    run_dir = channel.run_dir();
    EXPECT_EQ(run_dir.rfind(temp.path() + "/x-", 0), 0u) << run_dir;
    EXPECT_TRUE(std::filesystem::is_directory(run_dir));
  }
  // Nothing was written to it.
  EXPECT_FALSE(std::filesystem::exists(run_dir));
}

TEST_F(Embed, LaunchLineIsWhatCheckPrints) {
  const std::map<std::string, std::string> values = {
      {"key", std::string("env:") + kKeyVariable}, {"server", kServer}, {"quality", "high"}};
  const onair::Channel channel = onair::Channel::load(kX, values, in_temp());
  const AppOutput app = onair(app_args("check", kX, values));
  ASSERT_TRUE(app.ok) << app.err;
  const size_t start = app.out.find("launch line:\n");
  ASSERT_NE(start, std::string::npos) << app.out;
  std::string printed;
  std::istringstream lines(app.out.substr(start + 13));
  for (std::string line; std::getline(lines, line);)
    printed += (printed.empty() ? "" : "\n") + line.substr(2);
  EXPECT_EQ(channel.launch_line(), printed);
}

TEST_F(Embed, RefusesWhatOnairRunRefusesInItsWords) {
  const std::string key = std::string("env:") + kKeyVariable;
  EXPECT_NE(refusal(kX, {{"key", key}, {"quality", "bogus"}}).find("quality"), std::string::npos);
  EXPECT_NE(refusal(kX, {{"key", key}, {"bitrate", "12000"}}).find("12 Mb/s"), std::string::npos);
  EXPECT_NE(refusal(kX, {}).find("key"), std::string::npos);
  EXPECT_NE(refusal(kX, {{"key", "env:ONAIR_EMBED_TEST_UNSET"}}).find("ONAIR_EMBED_TEST_UNSET"),
            std::string::npos);
  const std::string unknown =
      temp.pipeline("unknown", "name: unknown\n---\nnosuchelement123 ! fakesink\n");
  EXPECT_NE(refusal(unknown, {}).find("nosuchelement123"), std::string::npos);
}

TEST_F(Embed, UnknownNameSaysWhereItLooked) {
  // The app run from the build tree looks in the source tree; the library where it is told.
  const std::string dir = temp.path() + "/pipelines";
  try {
    onair::Channel::load("no-such-pipeline-name", {}, {{dir}, temp.path()});
    ADD_FAILURE() << "loaded";
  } catch (const onair::Error &e) {
    EXPECT_STREQ(e.what(), ("no pipeline named 'no-such-pipeline-name' (looked in " + dir +
                            "; 'onair list' shows what there is)")
                               .c_str());
  }
}

TEST_F(Embed, PlainSecretWorksWithAWarningAndStaysHidden) {
  const onair::Channel channel =
      onair::Channel::load(kX, {{"key", kKey}, {"server", kServer}}, in_temp());
  ASSERT_EQ(channel.warnings().size(), 1u);
  const std::string warning = channel.warnings().front();
  EXPECT_NE(warning.find("secret variable 'key'"), std::string::npos) << warning;
  EXPECT_EQ(channel.launch_line().find(kKey), std::string::npos);
  const AppOutput app = onair(app_args("check", kX, {{"key", kKey}, {"server", kServer}}));
  EXPECT_NE(app.err.find("warning: " + warning + "\n"), std::string::npos) << app.err;
}

TEST_F(Embed, PushOnlySourcesAreTheProgramsToFeed) {
  // `onair run` refuses a feedsrc without a location; a program that embeds the
  // pipeline feeds it through push-buffer.
  const onair::Channel channel = onair::Channel::load(
      kX, {{"key", std::string("env:") + kKeyVariable}, {"source", "app"}}, in_temp());
  GstElement *video_in = channel.element("video_in");
  ASSERT_NE(video_in, nullptr);
  EXPECT_STREQ(GST_OBJECT_NAME(gst_element_get_factory(video_in)), "feedsrc");
  gchar *location = nullptr;
  g_object_get(video_in, "location", &location, nullptr);
  EXPECT_EQ(location, nullptr);
  g_free(location);
  gst_object_unref(video_in);
}

TEST_F(Embed, RunsAFiniteFileToItsEnd) {
  onair::Channel channel = onair::Channel::load(
      temp.pipeline("finite", "name: finite\n---\nvideotestsrc num-buffers=5 ! fakesink\n"), {},
      in_temp());
  EXPECT_EQ(channel.run(), 0);
  EXPECT_THROW(channel.run(), onair::Error);
}

// Runs a live pipeline on a thread of its own until the test stops it; with `own_context`,
// in a main context that thread makes its own.
class LiveRun {
 public:
  LiveRun(onair::Channel &channel, onair::RunOptions options, bool own_context = false)
      : channel_(channel) {
    options.on_playing = [this] { playing_.set_value(); };
    thread_ = std::thread([this, options, own_context] {
      GMainContext *context = own_context ? g_main_context_new() : nullptr;
      if (context) g_main_context_push_thread_default(context);
      code_ = channel_.run(options);
      if (context) {
        g_main_context_pop_thread_default(context);
        g_main_context_unref(context);
      }
    });
  }
  ~LiveRun() {
    if (thread_.joinable()) stop();
  }
  bool wait_playing() {
    return playing_future_.wait_for(kEventTimeout) == std::future_status::ready;
  }
  int stop() {
    channel_.stop();
    thread_.join();
    return code_;
  }

 private:
  onair::Channel &channel_;
  std::promise<void> playing_;
  std::future<void> playing_future_ = playing_.get_future();
  int code_ = -1;
  std::thread thread_;
};

constexpr char kLive[] = "name: live\n---\nvideotestsrc is-live=true ! fakesink\n";

TEST_F(Embed, StopFromAnotherThreadFinishesALiveRun) {
  onair::Channel channel = onair::Channel::load(temp.pipeline("live", kLive), {}, in_temp());
  LiveRun run(channel, {});
  ASSERT_TRUE(run.wait_playing());
  EXPECT_EQ(run.stop(), 0);
}

TEST_F(Embed, StopBeforeRunEndsItBeforeItPlays) {
  onair::Channel channel = onair::Channel::load(temp.pipeline("live", kLive), {}, in_temp());
  channel.stop();
  bool played = false;
  onair::RunOptions options;
  options.on_playing = [&played] { played = true; };
  EXPECT_EQ(channel.run(options), 0);
  EXPECT_FALSE(played);
}

TEST_F(Embed, DestroyingAChannelStopsItsRun) {
  auto channel = std::make_unique<onair::Channel>(
      onair::Channel::load(temp.pipeline("live", kLive), {}, in_temp()));
  std::promise<void> playing;
  std::promise<int> code;
  onair::RunOptions options;
  options.on_playing = [&playing] { playing.set_value(); };
  std::thread thread([&] { code.set_value(channel->run(options)); });
  ASSERT_EQ(playing.get_future().wait_for(kEventTimeout), std::future_status::ready);
  std::future<int> ended = code.get_future();
  // The destructor stops the run and waits for it: a run left going would never end.
  channel.reset();
  EXPECT_EQ(ended.wait_for(kEventTimeout), std::future_status::ready);
  thread.join();
}

// The body of GET `path` on `url` ("http://127.0.0.1:PORT/").
std::string http_get(const std::string &url, const std::string &path) {
  GError *error = nullptr;
  GSocketClient *client = g_socket_client_new();
  GSocketConnection *connection =
      g_socket_client_connect_to_uri(client, url.c_str(), 80, nullptr, &error);
  g_object_unref(client);
  if (!connection) {
    ADD_FAILURE() << error->message;
    g_error_free(error);
    return "";
  }
  const std::string request = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  GOutputStream *out = g_io_stream_get_output_stream(G_IO_STREAM(connection));
  EXPECT_TRUE(
      g_output_stream_write_all(out, request.data(), request.size(), nullptr, nullptr, nullptr));
  GInputStream *in = g_io_stream_get_input_stream(G_IO_STREAM(connection));
  std::string response;
  char buffer[4096];
  for (gssize n; (n = g_input_stream_read(in, buffer, sizeof buffer, nullptr, nullptr)) > 0;)
    response.append(buffer, static_cast<size_t>(n));
  g_object_unref(connection);
  const size_t body = response.find("\r\n\r\n");
  EXPECT_EQ(response.rfind("HTTP/1.0 200", 0), 0u) << response;
  return body == std::string::npos ? "" : response.substr(body + 4);
}

TEST_F(Embed, ServesStatusOverHttpWhileItRuns) {
  if (!ONAIR_HAVE_HTTP) GTEST_SKIP() << "built without the web server";
  onair::Channel channel = onair::Channel::load(temp.pipeline("live", kLive), {}, in_temp());
  onair::RunOptions options;
  options.http = true;
  options.http_port = 0;
  options.token_file = temp.path() + "/api-token";
  // The bus watch, the timers and the server's sockets all go to the run's own context.
  LiveRun run(channel, options, true);
  ASSERT_TRUE(run.wait_playing());
  const std::string url = channel.http_url();
  ASSERT_EQ(url.rfind("http://127.0.0.1:", 0), 0u) << url;
  const std::string status = http_get(url, "/api/status");
  EXPECT_NE(status.find("\"pipeline\":\"live\""), std::string::npos) << status;

  // A second run on the same port is refused as `onair run` refuses it.
  onair::Channel second = onair::Channel::load(temp.pipeline("live", kLive), {}, in_temp());
  const std::string address = url.substr(7, url.size() - 8);  // "127.0.0.1:PORT"
  options.http_port = std::stoi(address.substr(address.find(':') + 1));
  try {
    second.run(options);
    ADD_FAILURE() << "ran on a port in use";
  } catch (const onair::Error &e) {
    EXPECT_EQ(std::string(e.what()).rfind("cannot listen on " + address + ": ", 0), 0u) << e.what();
  }
  EXPECT_EQ(run.stop(), 0);
  EXPECT_EQ(channel.http_url(), "");
}

}  // namespace
