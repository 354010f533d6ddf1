// Runs one built pipeline in the GLib main loop: bus messages, live status,
// and the interrupt protocol (first: EOS and a bounded wait; second: stop).
// An interrupt that comes while the pipeline is still starting sends its EOS
// once the pipeline plays and each output has its streams.
// A runtime error finishes the outputs the same way before exiting with 1.
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "run/console.h"
#include "run/dangling_branches.h"
#include "run/scene_summary.h"
#include "run/source_watch.h"
#include "onair/gst_ptr.h"
#include "run/source_watch.h"
#include "run/status.h"
#include "run/supervisor.h"

namespace onair::app {

struct RunnerSettings {
  double eos_timeout = 10;          // seconds
  double status_interval = -1;      // seconds; <0 picks by terminal; 0 off
  bool finish_on_interrupt = true;  // false: nothing to finish, stop at once
};

class Runner : public RunSupervisor {
 public:
  // Takes a reference on `pipeline`.
  Runner(GstElement *pipeline, Status identity, Console &console, RunnerSettings settings);
  ~Runner() override;
  Runner(const Runner &) = delete;
  Runner &operator=(const Runner &) = delete;

  // Plays the pipeline until it ends; returns the exit code (0 clean, 1 error).
  int run();
  Status status() const override;
  // Playing, media within the last kMaxMediaAgeSeconds, not every network output failed.
  Readiness readiness() const override;
  // Each is called once, when the pipeline first reaches PLAYING.
  void on_playing(std::function<void()> callback) override {
    on_playing_.push_back(std::move(callback));
  }
  // Adds what `figures` knows to every status (the recording session).
  void add_to_status(std::function<void(Status &)> figures) {
    status_figures_.push_back(std::move(figures));
  }
  // Each element message also goes to `observer`, on the main loop.
  void on_element_message(std::function<void(GstMessage *)> observer) {
    element_observers_.push_back(std::move(observer));
  }
  // Says whether a pipeline that has not played yet has nothing for its outputs to finish
  // (a session waiting for its first sender): an interrupt then stops it at once.
  void idle_until_playing(std::function<bool()> idle) { idle_until_playing_ = std::move(idle); }
  // An interrupt (run/interrupts.h): the first finishes the outputs, the second stops at once.
  void interrupt() noexcept;

 private:
  static gboolean on_bus(GstBus *, GstMessage *message, gpointer self) noexcept;
  static gboolean on_eos_timeout(gpointer self) noexcept;
  static gboolean on_status_tick(gpointer self) noexcept;

  void handle(GstMessage *message);
  void report(GstMessage *message);  // prints an error or warning
  // After a runtime error: EOS below the failed element and from the sources,
  // so recordings get finished before the app exits with 1.
  void finish_after_error(GstObject *source);
  // Starts the eos-timeout and sends EOS without blocking the main loop; with
  // `once_started`, not before outputs_started().
  void start_finishing(bool once_started);
  // The pipeline plays and each input of its sinks has its stream or ended.
  bool outputs_started() const;
  static gboolean on_eos_deferred(gpointer self) noexcept;
  void send_eos_async();
  void handle_element(GstMessage *message);
  void handle_output_state(GstMessage *message);
  OutputFigures read_output(GstElement *output) const;
  InputFigures read_input(GstElement *input) const;
  StreamFigures read_stream(GstElement *stream) const;
  SpeechFigures read_speech(GstElement *speech) const;
  void finish(int exit_code);

  GstElement *pipeline_;
  Status status_;
  Console &console_;
  RunnerSettings settings_;
  GMainLoop *loop_;
  std::map<std::string, MonitorFigures> monitors_;
  mutable MediaFlow media_;  // observed on each monitor report and each readiness check
  // Buffers that reached the sinks (pad probes, streaming threads).
  std::shared_ptr<std::atomic<uint64_t>> sink_buffers_ = std::make_shared<std::atomic<uint64_t>>(0);
  std::map<std::string, ElementPtr> outputs_;  // network outputs, by name
  std::map<std::string, ElementPtr> inputs_;   // inputs another program feeds, by name
  std::map<std::string, ElementPtr> streams_;  // streams served to browsers, by name
  std::map<std::string, ElementPtr> speech_;   // speech elements (ttsmix), by name
  DanglingBranches dangling_{pipeline_};
  SceneSummary scenes_{pipeline_};
  SourceWatch sources_{pipeline_};  // picture sources with a slate behind them
  std::chrono::steady_clock::time_point started_{};
  bool playing_ = false;
  bool stopping_ = false;
  bool stop_at_once_ = false;  // a second interrupt came
  int exit_code_ = 0;
  bool error_reported_ = false;
  guint eos_timer_ = 0;
  guint eos_deferred_ = 0;  // checks outputs_started() until the EOS goes in
  std::vector<std::function<void()>> on_playing_;
  std::vector<std::function<void(GstMessage *)>> element_observers_;
  std::vector<std::function<void(Status &)>> status_figures_;
  std::function<bool()> idle_until_playing_;
};

}  // namespace onair::app
