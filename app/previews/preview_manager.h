// The SDI previews of a per-port run ("per-port: sdi" files, such as sdi-preview): one
// GstPipeline per port built from the file's body, each with its own bus watch and state,
// so a port that fails never disturbs the others. Starting and stopping are idempotent; a
// stop sends end-of-stream and waits (bounded) so the playlist ends with #EXT-X-ENDLIST
// and its last segment is whole. Runs in the thread-default main context.
#pragma once

#include <gst/gst.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "pipeline/pipeline_file.h"
#include "previews/preview_ports.h"
#include "run/console.h"
#include "run/supervisor.h"

namespace onair::app {

struct PreviewSettings {
  PipelineFile file;
  std::map<std::string, std::string> values;  // the run's, run_dir and web_dir included
  std::string run_dir;                        // the ports' folders go in run_dir/previews
  double eos_timeout = 10;                    // seconds a stop waits for the outputs
};

class PreviewManager : public RunSupervisor {
 public:
  // The ports: the file's `ports` value, or every input port sdisrc's `devices` lists (of
  // the `backend` the values choose). Throws UserError when there is none.
  PreviewManager(PreviewSettings settings, Status identity, Console &console);
  // Stops what still runs, at once.
  ~PreviewManager() override;
  PreviewManager(const PreviewManager &) = delete;
  PreviewManager &operator=(const PreviewManager &) = delete;

  // Starts every port's preview, then runs the main loop until interrupt() ends it.
  // Returns 0, or 1 when a preview did not finish within the timeout.
  int run();
  // Finishes every preview (bounded), then ends run(). A second one ends it at once.
  void interrupt() noexcept;

  enum class Outcome { kDone, kAlready, kUnknownPort, kFailed };
  struct Answer {
    Outcome outcome = Outcome::kDone;
    std::string error;  // kFailed: why
  };
  // Both idempotent: starting a running preview or stopping a stopped one is kAlready.
  Answer start(const std::string &port);
  Answer stop(const std::string &port);
  std::vector<PreviewInfo> list() const;
  const std::string &previews_dir() const { return previews_dir_; }

  Status status() const override;
  // Ready while not stopping and at least one preview runs (decide_ports_readiness).
  Readiness readiness() const override;
  void on_playing(std::function<void()> callback) override;

  struct Preview;

 private:
  static gboolean on_bus(GstBus *, GstMessage *message, gpointer preview) noexcept;
  void handle(Preview &preview, GstMessage *message);
  void handle_element(Preview &preview, const GstStructure *s);
  // Sends end-of-stream to each, waits for them (`timeout` seconds in all), then drops
  // them. False when one did not finish in time.
  bool finish(const std::vector<Preview *> &previews, double timeout);
  // Drops the pipeline at once, leaving the state as `state`.
  void drop(Preview &preview, const char *state);
  Preview *find(const std::string &port);

  PreviewSettings settings_;
  Status identity_;
  Console &console_;
  std::string previews_dir_;
  std::vector<std::unique_ptr<Preview>> previews_;  // in the order of the port list
  std::vector<std::function<void()>> on_playing_;
  bool played_ = false;
  bool stopping_ = false;
  int exit_code_ = 0;
  gint64 started_us_ = 0;
  GMainLoop *loop_;
};

}  // namespace onair::app
