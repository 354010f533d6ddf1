#include "run/session.h"

#include <glib/gstdio.h>

#include <cerrno>
#include <ctime>
#include <utility>

#include "control/services.h"
#include "pipeline/expansion.h"
#include "previews/preview_manager.h"
#include "previews/simulated_cards.h"
#include "run/continuation.h"
#include "run/elements.h"
#include "run/hls_continuation.h"
#include "run/main_context.h"
#include "run/runner.h"
#include "run/session_recorder.h"

namespace onair::app {

namespace {

// A new directory "NAME-YYYYmmdd-HHMMSS[-N]" in `base` (empty: the app's runs directory).
std::string make_run_dir(std::string base, const std::string &name) {
  if (base.empty()) {
    gchar *p = g_build_filename(g_get_user_data_dir(), "onair", "runs", nullptr);
    base = p;
    g_free(p);
  }
  if (g_mkdir_with_parents(base.c_str(), 0755) != 0)
    throw PipelineError("cannot create output directory '" + base + "': " + g_strerror(errno));
  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
  for (int n = 1; n < 1000; n++) {
    std::string dir = base + "/" + name + "-" + stamp + (n > 1 ? "-" + std::to_string(n) : "");
    if (g_mkdir(dir.c_str(), 0755) == 0) return dir;
    if (errno != EEXIST)
      throw PipelineError("cannot create run directory '" + dir + "': " + g_strerror(errno));
  }
  throw PipelineError("cannot create a run directory in '" + base + "'");
}

// --run-dir: the given directory, made if missing; a restart uses it again.
std::string use_run_dir(const std::string &dir) {
  if (g_mkdir_with_parents(dir.c_str(), 0755) != 0)
    throw PipelineError("cannot create run directory '" + dir + "': " + g_strerror(errno));
  return dir;
}

bool made_by(GstObject *object, const char *factory) {
  if (!object || !GST_IS_ELEMENT(object)) return false;
  GstElementFactory *f = gst_element_get_factory(GST_ELEMENT(object));
  return f && g_str_equal(GST_OBJECT_NAME(f), factory);
}

// In a run directory used before (--run-dir), the outputs continue: segment numbers go on
// after the highest segment present (hlssink2 has no start index of its own: its inner
// splitmuxsink has) and hlssink2's playlist after the previous run's, and a file sink whose
// file exists writes NAME-2.EXT, NAME-3.EXT ...
void continue_in_run_dir(GstElement *pipeline, Console &console, const Redactor &redact) {
  // The number the files go on from (0: nothing to continue).
  const auto continue_numbering = [&](GstElement *element, const std::string &location,
                                      const std::string &shown_name) {
    if (location.empty()) return 0;
    gchar *dir = g_path_get_dirname(location.c_str());
    gchar *pattern = g_path_get_basename(location.c_str());
    const int next = next_file_index(dir, pattern);
    g_free(dir);
    g_free(pattern);
    if (next == 0) return 0;
    g_object_set(element, "start-index", next, nullptr);
    console.info(redact(shown_name + ": continuing after the files present, from number " +
                        std::to_string(next)));
    return next;
  };
  for (const auto &[name, split] : elements_made_by(pipeline, "splitmuxsink")) {
    GstObject *parent = GST_OBJECT_PARENT(split.get());
    if (made_by(parent, "hlssink2")) {
      const std::string hls_name = GST_OBJECT_NAME(parent);
      const int next = continue_numbering(
          split.get(), string_property(GST_ELEMENT(parent), "location"), hls_name);
      if (next > 0)
        console.info(redact(hls_name + ": " + continue_hls_playlist(GST_ELEMENT(parent), next)));
    } else if (!made_by(parent, "livesplitmuxsink")) {
      continue_numbering(split.get(), string_property(split.get(), "location"), name);
    }
  }
  for (const auto &[name, split] : elements_made_by(pipeline, "livesplitmuxsink"))
    continue_numbering(split.get(), string_property(split.get(), "location"), name);
  for (const auto &[name, sink] : elements_made_by(pipeline, "filesink")) {
    if (made_by(GST_OBJECT_PARENT(sink.get()), "splitmuxsink")) continue;  // it names each file
    const std::string location = string_property(sink.get(), "location");
    if (location.empty()) continue;
    const std::string unused = unused_path(location);
    if (unused == location) continue;
    g_object_set(sink.get(), "location", unused.c_str(), nullptr);
    console.info(redact(name + ": " + location + " exists; writing " + unused));
  }
}

// Removes the run directory when the run left nothing in it.
void drop_if_empty(const std::string &dir) {
  if (!dir.empty()) g_rmdir(dir.c_str());
}

// --allow-origin, for every webstreamsink whose allow-origins the pipeline leaves empty.
void allow_origins_on_web_sinks(GstElement *pipeline, const std::string &list) {
  if (list.empty()) return;
  for (const auto &[name, sink] : elements_made_by(pipeline, "webstreamsink")) {
    gchar *own = nullptr;
    g_object_get(sink.get(), "allow-origins", &own, nullptr);
    if (!own || !*own) g_object_set(sink.get(), "allow-origins", list.c_str(), nullptr);
    g_free(own);
  }
}

constexpr char kSessionDirVariable[] = "session_dir";
constexpr char kSegmentStartVariable[] = "segment_start";
constexpr char kResumeKey[] = "resume";

// The options of a run: for a session pipeline (one with a session_dir
// variable), the session is made or resumed into `live` and its directory and
// first segment number join the values; "resume" is taken out.
Options session_options(const Locations &where, const Options &options,
                        std::optional<LiveSession> &live) {
  const PipelineFile file = load_pipeline(locate_pipeline(where, options.pipeline));
  std::string resume;
  Options out = options;
  out.sets.clear();
  for (const auto &[key, value] : options.sets) {
    if (key == kResumeKey)
      resume = value;
    else
      out.sets.emplace_back(key, value);
  }
  const bool is_session = file.find(kSessionDirVariable) != nullptr;
  if (!is_session) {
    if (!resume.empty() || options.sets.size() != out.sets.size())
      throw PipelineError("-s resume=ID continues a recording session: pipeline '" + file.name +
                          "' records none (it has no session_dir variable)");
    return options;
  }
  // A directory of the caller's own: recorded there as it is, no session made.
  for (const auto &[key, value] : out.sets)
    if (key == kSessionDirVariable) {
      if (!resume.empty())
        throw PipelineError(
            "-s resume=ID continues a session of the sessions directory; it does not go "
            "with -s session_dir=DIR");
      return out;
    }
  for (const auto &[key, value] : out.sets)
    if (key == kSegmentStartVariable)
      throw PipelineError(
          "variable 'segment_start' is given by the app for each session: "
          "-s resume=ID continues one after its last segment");
  if (!options.run_dir.empty())
    throw PipelineError("--run-dir does not go with pipeline '" + file.name +
                        "': it records a session, whose directory is the run directory "
                        "(-s resume=ID continues one)");
  const SessionStore store(options.sessions_dir);
  try {
    live.emplace(resume.empty() ? LiveSession::create(store, file.name)
                                : LiveSession::resume(store, resume));
  } catch (const SessionError &e) {
    throw PipelineError(std::string("session: ") + e.what());
  }
  out.sets.emplace_back(kSessionDirVariable, live->dir());
  if (file.find(kSegmentStartVariable))
    out.sets.emplace_back(kSegmentStartVariable, std::to_string(live->next_segment()));
  return out;
}

// Drops the stop handler once the runner it calls is gone.
struct StopsForwarded {
  StopRequests &stops;
  ~StopsForwarded() { stops.forward_to({}); }
};

}  // namespace

RunSession::RunSession(Locations where, const Options &options, Console &console)
    : where_(std::move(where)),
      options_(session_options(where_, options, live_)),
      prepared_([&] {
        try {
          return prepare_run(where_, options_, console);
        } catch (...) {
          if (live_) live_->discard();
          throw;
        }
      }()),
      run_dir_(live_ ? live_->dir()
               : !options_.run_dir.empty()
                   ? use_run_dir(options_.run_dir)
                   : make_run_dir(options_.output_dir, prepared_.file.name)) {
  try {
    use_simulated_cards(prepared_.file, where_);
    prepared_.values["run_dir"] = run_dir_;
    prepared_.values["web_dir"] = where_.web_dir;
    if (prepared_.file.per_port) {
      // Each port runs its own pipeline (previews/); this one only stands for the run.
      pipeline_.reset(gst_pipeline_new(prepared_.file.name.c_str()));
    } else {
      launch_line_ = expand(prepared_.file, prepared_.values);
      pipeline_ = build_pipeline(prepared_.file, launch_line_);
    }
    allow_origins_on_web_sinks(pipeline_.get(), allow_origins_list(options));
    if (!options_.run_dir.empty()) continue_in_run_dir(pipeline_.get(), console, prepared_.redact);
  } catch (const PipelineError &e) {
    if (live_) live_->discard();
    drop_if_empty(run_dir_);
    throw PipelineError(prepared_.redact(e.what()));
  } catch (...) {
    if (live_) live_->discard();
    drop_if_empty(run_dir_);
    throw;
  }
}

RunSession::~RunSession() {
  gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
  pipeline_.reset();
  drop_if_empty(run_dir_);
}

Status RunSession::identity() const {
  Status s;
  s.pipeline = file().name;
  s.description = file().description;
  s.run_dir = run_dir_;
  return s;
}

void RunSession::tell_start(Console &console, const std::string &output) const {
  console.info("pipeline '" + file().name + "'" +
               (file().description.empty() ? "" : ": " + file().description));
  console.info("output: " + output);
}

int RunSession::run(const Options &options, Console &console, StopRequests &stops,
                    const Hooks &hooks) {
  if (file().per_port) return run_per_port(options, console, stops, hooks);
  try {
    std::optional<SessionRecorder> recorder;
    if (live_) {
      recorder.emplace(std::move(*live_), pipeline(), console);
      live_.reset();
      console.info(std::string(recorder->session().resumed() ? "resuming" : "recording") +
                   " session " + recorder->session().id() + " (segments from " +
                   std::to_string(recorder->session().next_segment()) + ")");
    }
    // The session's last words, however the run ends.
    struct Finish {
      std::optional<SessionRecorder> &recorder;
      ~Finish() {
        if (recorder) recorder->finish();
      }
    } finish{recorder};
    Runner runner(
        pipeline(), identity(), console,
        RunnerSettings{options.eos_timeout, options.status_interval, file().finish_on_interrupt});
    guint refresh_timer = 0;
    if (recorder) {
      runner.on_element_message([&recorder](GstMessage *m) { recorder->handle(m); });
      runner.add_to_status([&recorder](Status &s) { s.session = recorder->figures(); });
      runner.idle_until_playing([&recorder] { return !recorder->sender_this_run(); });
      refresh_timer = timeout_add_here(
          1000,
          [](gpointer data) -> gboolean {
            static_cast<SessionRecorder *>(data)->refresh();
            return G_SOURCE_CONTINUE;
          },
          &*recorder);
    }
    struct TimerRemoved {
      guint &id;
      ~TimerRemoved() {
        if (id) source_remove_here(id);
      }
    } timer_removed{refresh_timer};
    if (stops.came_early()) {
      console.info("interrupted while starting: stopped before anything ran");
      return 0;
    }
    stops.forward_to([&runner] { runner.interrupt(); });
    const StopsForwarded forwarded{stops};
    const ControlServices services(RunContext{options, where_, file(), run_dir_, pipeline(), runner,
                                              console, redact(),
                                              recorder ? &recorder->events() : nullptr});
    if (hooks.on_playing) runner.on_playing(hooks.on_playing);

    tell_start(console, run_dir_);
    services.announce();
    if (hooks.on_services_started) hooks.on_services_started(services.http_url());
    return runner.run();
  } catch (const PipelineError &e) {
    throw PipelineError(redact()(e.what()));
  }
}

int RunSession::run_per_port(const Options &options, Console &console, StopRequests &stops,
                             const Hooks &hooks) {
  PreviewManager previews(PreviewSettings{file(), prepared_.values, run_dir_, options.eos_timeout},
                          identity(), console);
  if (stops.came_early()) {
    console.info("interrupted while starting: stopped before anything ran");
    return 0;
  }
  stops.forward_to([&previews] { previews.interrupt(); });
  const StopsForwarded forwarded{stops};
  RunContext context{options,  where_,  file(),   run_dir_, pipeline(),
                     previews, console, redact(), nullptr};
  context.previews = &previews;
  const ControlServices services(context);
  if (hooks.on_playing) previews.on_playing(hooks.on_playing);
  tell_start(console, previews.previews_dir());
  services.announce();
  if (hooks.on_services_started) hooks.on_services_started(services.http_url());
  return previews.run();
}

}  // namespace onair::app
