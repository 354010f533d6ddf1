// onair-embed: load an onair pipeline file in your own program, with the same
// values, checks, secrets and expansion as `onair run`, get the built
// GstPipeline, and optionally run it with the app's supervision, web server
// (status, metrics, control API) and control socket. See docs/embedding.md.
//
//   pkg-config --cflags --libs onair-embed
#pragma once

#include <gst/gst.h>

#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#define ONAIR_EMBED_API __attribute__((visibility("default")))

namespace onair {

// Everything the library refuses: the message `onair run` prints after
// "onair: ", secrets hidden.
class ONAIR_EMBED_API Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
  ~Error() override;
};

struct LoadOptions {
  // Where a pipeline NAME is looked up; empty: where `onair` looks
  // (ONAIR_PIPELINE_PATH, ~/.config/onair/pipelines, the installed ones).
  std::vector<std::string> pipeline_dirs;
  // Where the run directory is made; empty: the app's (~/.local/share/onair/runs).
  std::string output_dir;
};

struct RunOptions {
  bool http = false;  // the web server: pages, /api/status, /metrics, the control API
  std::string http_host = "127.0.0.1";
  int http_port = 8080;        // 0: any free port (Channel::http_url() says which)
  std::string token_file;      // the control API's token; empty: the app's
  std::string control_socket;  // a Unix socket for line commands; empty: none
  double status_interval = 0;  // seconds between status lines on stderr; 0: none
  double eos_timeout = 10;     // seconds the outputs get to finish after stop()
  // Called on run()'s thread once the pipeline first plays (the services
  // listen by then): the moment to start pushing data into its sources.
  std::function<void()> on_playing;
};

// One pipeline file with the values of one run. Move-only; a moved-from
// Channel may only be destroyed or assigned to.
class ONAIR_EMBED_API Channel {
 public:
  // `pipeline`: a NAME or a FILE path, as `onair run` takes it; `values` as
  // with -s KEY=VALUE. Give secrets as env:NAME or @FILE; a secret in plain
  // sight works but adds a warning. Makes the run directory and builds the
  // pipeline (initialising GStreamer if the program has not). Throws Error.
  static Channel load(const std::string &pipeline,
                      const std::map<std::string, std::string> &values = {},
                      const LoadOptions &options = {});

  Channel(Channel &&) noexcept;
  Channel &operator=(Channel &&) noexcept;
  // Stops a run in progress at once and waits for it, then sets the pipeline
  // to NULL and removes the run directory if nothing was written to it.
  ~Channel();

  // Owned by the Channel; gst_object_ref it to keep it longer.
  GstPipeline *pipeline() const;
  // The element of that name (a new reference), or nullptr.
  GstElement *element(const std::string &name) const;
  std::string name() const;  // the pipeline file's name
  // The expanded launch line as `onair check` prints it: secrets hidden,
  // without blank lines.
  std::string launch_line() const;
  std::string run_dir() const;
  std::vector<std::string> warnings() const;
  // `text` with the run's secrets (and, once run() serves HTTP, the API
  // token) replaced by "***".
  std::string hide_secrets(const std::string &text) const;

  // Plays the pipeline under the app's supervision on the calling thread's
  // thread-default GLib main context, until it ends or stop() ends it: status
  // and warnings (secrets hidden) go to stderr as in `onair run`, with the
  // services `options` asks for. Returns 0 (clean) or 1 (runtime error).
  // Runs once per Channel. Throws Error (a port in use, a second run()).
  int run(const RunOptions &options = {});
  // From any thread: the first call finishes the outputs (end-of-stream,
  // bounded by eos_timeout), a second stops at once. Before run(), run()
  // returns 0 without playing.
  void stop();
  // While run() serves HTTP: "http://127.0.0.1:PORT/"; otherwise empty.
  std::string http_url() const;

 private:
  struct Impl;
  explicit Channel(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace onair
