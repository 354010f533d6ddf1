// The embedding library: a thin face on the app's own run (run/session.h),
// so a program gets exactly what `onair run` does.
#include "onair/embed.h"

#include <condition_variable>
#include <mutex>
#include <utility>

#include "cli/cli.h"
#include "common/redactor.h"
#include "common/user_error.h"
#include "pipeline/catalog.h"
#include "run/console.h"
#include "run/gst_log.h"
#include "run/launch.h"
#include "run/session.h"
#include "run/stop_requests.h"

namespace onair {

Error::~Error() = default;

namespace {

// The app's errors as the one type a program catches.
template <typename F>
auto translated(F &&fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const Error &) {
    throw;
  } catch (const app::UserError &e) {
    throw Error(e.what());
  } catch (const std::exception &e) {
    throw Error(std::string("internal error: ") + e.what());
  }
}

// stop() from any thread, delivered in the main context run() iterates: the
// runner is only ever touched from there.
class StopSwitch final : public app::StopRequests, public std::enable_shared_from_this<StopSwitch> {
 public:
  // The context of the run from now on (nullptr: no run).
  void set_context(GMainContext *context) {
    std::lock_guard lock(mutex_);
    if (context_) g_main_context_unref(context_);
    context_ = context ? g_main_context_ref(context) : nullptr;
  }
  ~StopSwitch() override { set_context(nullptr); }

  void request() {
    std::lock_guard lock(mutex_);
    if (handler_ && context_)
      deliver_later();
    else
      waiting_++;
  }

  bool came_early() override {
    std::lock_guard lock(mutex_);
    return waiting_ > 0;
  }

  void forward_to(std::function<void()> handler) override {
    std::lock_guard lock(mutex_);
    handler_ = std::move(handler);
    // A stop that came between came_early() and now still counts.
    for (; handler_ && context_ && waiting_ > 0; waiting_--) deliver_later();
  }

 private:
  // Never called directly, even from the context's own thread: the runner
  // may not be in its loop yet.
  void deliver_later() {
    GSource *idle = g_idle_source_new();
    g_source_set_callback(
        idle, &StopSwitch::deliver, new std::shared_ptr<StopSwitch>(shared_from_this()),
        [](gpointer self) { delete static_cast<std::shared_ptr<StopSwitch> *>(self); });
    g_source_attach(idle, context_);
    g_source_unref(idle);
  }

  static gboolean deliver(gpointer data) noexcept {
    StopSwitch &self = **static_cast<std::shared_ptr<StopSwitch> *>(data);
    std::function<void()> handler;
    {
      std::lock_guard lock(self.mutex_);
      handler = self.handler_;
    }
    if (handler) handler();
    return G_SOURCE_REMOVE;
  }

  std::mutex mutex_;
  std::function<void()> handler_;
  GMainContext *context_ = nullptr;
  int waiting_ = 0;  // stops no run took yet
};

std::once_flag gst_log_installed;

}  // namespace

struct Channel::Impl {
  enum class State { kLoaded, kRunning, kDone };

  ~Impl() {
    std::unique_lock lock(mutex);
    if (state != State::kRunning) return;
    lock.unlock();
    stops->request();
    stops->request();
    lock.lock();
    ended.wait(lock, [this] { return state != State::kRunning; });
  }

  std::unique_ptr<app::RunSession> session;
  std::shared_ptr<StopSwitch> stops = std::make_shared<StopSwitch>();
  mutable std::mutex mutex;  // guards what follows
  std::condition_variable ended;
  State state = State::kLoaded;
  app::Redactor secrets;  // a copy other threads may read while the run adds the API token
  std::string http_url;
};

Channel::Channel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Channel::Channel(Channel &&) noexcept = default;
Channel &Channel::operator=(Channel &&) noexcept = default;
Channel::~Channel() = default;

Channel Channel::load(const std::string &pipeline, const std::map<std::string, std::string> &values,
                      const LoadOptions &options) {
  return Channel(translated([&] {
    if (GError *error = nullptr;
        !gst_is_initialized() && !gst_init_check(nullptr, nullptr, &error)) {
      const std::string message =
          std::string("cannot initialise GStreamer: ") + (error ? error->message : "unknown error");
      g_clear_error(&error);
      throw Error(message);
    }
    // GStreamer's debug log hides the run's secrets, as in the app.
    std::call_once(gst_log_installed, app::install_gst_log);
    app::Locations where = app::find_locations("");
    if (!options.pipeline_dirs.empty()) where.pipeline_dirs = options.pipeline_dirs;
    app::Options load;
    load.command = app::Options::Command::kRun;
    load.pipeline = pipeline;
    load.sets.assign(values.begin(), values.end());
    load.output_dir = options.output_dir;
    const app::Redactor no_secrets;
    app::Console console(no_secrets);
    auto impl = std::make_unique<Impl>();
    impl->session = std::make_unique<app::RunSession>(std::move(where), load, console);
    impl->secrets = impl->session->redact();
    return impl;
  }));
}

GstPipeline *Channel::pipeline() const {
  return GST_PIPELINE(impl_->session->pipeline());
}

GstElement *Channel::element(const std::string &name) const {
  return gst_bin_get_by_name(GST_BIN(impl_->session->pipeline()), name.c_str());
}

std::string Channel::name() const {
  return impl_->session->file().name;
}

std::string Channel::launch_line() const {
  std::unique_lock lock(impl_->mutex);
  const app::Redactor secrets = impl_->secrets;
  lock.unlock();
  std::string text;
  for (const std::string &line : app::shown_launch_lines(impl_->session->launch_line(), secrets))
    text += (text.empty() ? "" : "\n") + line;
  return text;
}

std::string Channel::run_dir() const {
  return impl_->session->run_dir();
}

std::vector<std::string> Channel::warnings() const {
  return impl_->session->warnings();
}

std::string Channel::hide_secrets(const std::string &text) const {
  std::lock_guard lock(impl_->mutex);
  return impl_->secrets(text);
}

std::string Channel::http_url() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->http_url;
}

void Channel::stop() {
  impl_->stops->request();
}

int Channel::run(const RunOptions &options) {
  Impl &impl = *impl_;
  {
    std::lock_guard lock(impl.mutex);
    if (impl.state != Impl::State::kLoaded)
      throw Error("a channel runs once: run() was called before");
    impl.state = Impl::State::kRunning;
  }
  GMainContext *context = g_main_context_ref_thread_default();
  impl.stops->set_context(context);
  g_main_context_unref(context);
  struct Ended {
    Impl &impl;
    ~Ended() {
      impl.stops->set_context(nullptr);
      std::lock_guard lock(impl.mutex);
      impl.state = Impl::State::kDone;
      impl.http_url.clear();
      impl.ended.notify_all();
    }
  } ended{impl};

  app::Options run;
  run.command = app::Options::Command::kRun;
  run.http = options.http ? std::optional(app::HttpAddress{options.http_host, options.http_port})
                          : std::nullopt;
  run.token_file = options.token_file;
  run.control_socket = options.control_socket;
  run.status_interval = options.status_interval;
  run.eos_timeout = options.eos_timeout;
  app::RunSession &session = *impl.session;
  app::Console console(session.redact());
  app::RunSession::Hooks hooks;
  hooks.on_services_started = [&impl, &session](const std::string &url) {
    std::lock_guard lock(impl.mutex);
    impl.http_url = url;
    impl.secrets = session.redact();  // with the API token now
  };
  hooks.on_playing = options.on_playing;
  return translated([&] { return session.run(run, console, *impl.stops, hooks); });
}

}  // namespace onair
