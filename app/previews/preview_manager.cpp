#include "previews/preview_manager.h"

#include <glib/gstdio.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include "common/user_error.h"
#include "onair/gst_ptr.h"
#include "pipeline/expansion.h"
#include "run/launch.h"
#include "run/elements.h"
#include "run/main_context.h"
#include "sdi/sdisrc_messages.h"

namespace onair::app {

namespace sdi_msg = onair::sdisrc_messages;

struct PreviewManager::Preview {
  PreviewManager *owner = nullptr;
  SdiPort port;
  PreviewInfo info;
  ElementPtr pipeline;  // null while stopped or failed
  guint bus_watch = 0;
};

namespace {

std::string value_of(const std::map<std::string, std::string> &values, const std::string &name) {
  const auto it = values.find(name);
  return it == values.end() ? std::string() : it->second;
}

int int_value(const std::map<std::string, std::string> &values, const std::string &name) {
  return std::atoi(value_of(values, name).c_str());
}

// Every input port sdisrc's `devices` property lists, of `backend` unless "auto" or empty,
// with the signal each had when listed.
std::vector<std::pair<SdiPort, PreviewInfo>> found_ports(const std::string &backend) {
  ElementPtr sdisrc(gst_element_factory_make("sdisrc", nullptr));
  if (!sdisrc)
    throw UserError("the sdisrc element is missing (onair built without its sdi plugin?)");
  gchar **devices = nullptr;
  g_object_get(sdisrc.get(), "devices", &devices, nullptr);
  std::vector<std::pair<SdiPort, PreviewInfo>> ports;
  for (gchar **d = devices; d && *d; d++) {
    StructurePtr s(gst_structure_from_string(*d, nullptr));
    guint device = 0, port = 0;
    if (!s || !gst_structure_get_uint(s.get(), "device", &device) ||
        !gst_structure_get_uint(s.get(), "port", &port))
      continue;
    const gchar *family = gst_structure_get_string(s.get(), "backend");
    if (backend != "auto" && !backend.empty() && family && backend != family) continue;
    PreviewInfo info;
    gboolean locked = FALSE;
    if (gst_structure_get_boolean(s.get(), "locked", &locked))
      info.signal = locked ? "locked" : "lost";
    if (const gchar *mode = gst_structure_get_string(s.get(), "mode")) info.mode = mode;
    ports.emplace_back(SdiPort{device, port, family ? family : ""}, info);
  }
  g_strfreev(devices);
  return ports;
}

// What a previous run of the port left: its playlist and segments (hlssink2 numbers
// segments from 0 again, and a player must not mix the two).
void clear_port_dir(const std::string &dir) {
  GDir *listing = g_dir_open(dir.c_str(), 0, nullptr);
  if (!listing) return;
  while (const gchar *name = g_dir_read_name(listing)) {
    if (g_str_has_suffix(name, ".ts") || g_str_has_suffix(name, ".m3u8"))
      g_unlink((dir + "/" + name).c_str());
  }
  g_dir_close(listing);
}

// Whether any sink of the pipeline has a stream (caps) yet. A port that never locked has
// none, and an end-of-stream would only make hlssink2 fail on a fragment never opened.
bool has_output(GstElement *pipeline) {
  bool any = false;
  for_each_item(
      gst_bin_iterate_sinks(GST_BIN(pipeline)),
      [&](gpointer sink) {
        for_each_item(gst_element_iterate_sink_pads(GST_ELEMENT(sink)), [&](gpointer pad) {
          if (gst_pad_has_current_caps(GST_PAD(pad))) any = true;
        });
      },
      [&] { any = false; });
  return any;
}

void send_eos(GstElement *pipeline, gpointer) {
  gst_element_send_event(pipeline, gst_event_new_eos());
}

std::string error_text(GstMessage *message) {
  GError *raw = nullptr;
  gchar *debug = nullptr;
  gst_message_parse_error(message, &raw, &debug);
  ErrorPtr error(raw);
  CharPtr detail(debug);
  return std::string(GST_OBJECT_NAME(GST_MESSAGE_SRC(message))) + ": " +
         (error ? error->message : "unknown error");
}

}  // namespace

PreviewManager::PreviewManager(PreviewSettings settings, Status identity, Console &console)
    : settings_(std::move(settings)),
      identity_(std::move(identity)),
      console_(console),
      previews_dir_(settings_.run_dir + "/previews"),
      loop_(g_main_loop_new(g_main_context_get_thread_default(), FALSE)) {
  const std::string backend = value_of(settings_.values, "backend");
  const std::vector<std::pair<SdiPort, PreviewInfo>> found = found_ports(backend);
  std::vector<SdiPort> ports = parse_port_list(value_of(settings_.values, kPortsVariable));
  if (ports.empty()) {
    for (const auto &[port, info] : found) ports.push_back(port);
    if (ports.empty())
      throw UserError(
          "no SDI port found: no card, or its driver library is missing (onair run sdi-demo "
          "previews simulated cards; -s ports=CARD.PORT,... names ports)");
  }
  for (const SdiPort &port : ports) {
    auto preview = std::make_unique<Preview>();
    preview->owner = this;
    preview->port = port;
    for (const auto &[listed, info] : found)
      if (listed.id() == port.id()) {
        preview->port = listed;
        preview->info = info;
      }
    preview->info.port = port.id();
    preview->info.playlist = "/previews/" + port.id() + "/playlist.m3u8";
    preview->info.bitrate = int_value(settings_.values, "bitrate");
    preview->info.audio_bitrate = int_value(settings_.values, "audio_bitrate");
    previews_.push_back(std::move(preview));
  }
}

PreviewManager::~PreviewManager() {
  for (auto &preview : previews_) drop(*preview, "stopped");
  g_main_loop_unref(loop_);
}

PreviewManager::Preview *PreviewManager::find(const std::string &port) {
  for (auto &preview : previews_)
    if (preview->info.port == port) return preview.get();
  return nullptr;
}

PreviewManager::Answer PreviewManager::start(const std::string &port) {
  Preview *preview = find(port);
  if (!preview) return {Outcome::kUnknownPort, {}};
  if (preview->pipeline) return {Outcome::kAlready, {}};
  const auto failed = [&](const std::string &why) {
    preview->info.last_error = why;
    drop(*preview, "failed");
    console_.warn("preview " + port + " failed to start: " + why);
    return Answer{Outcome::kFailed, why};
  };
  const std::string dir = previews_dir_ + "/" + port;
  if (g_mkdir_with_parents(dir.c_str(), 0755) != 0)
    return failed("cannot create " + dir + ": " + g_strerror(errno));
  clear_port_dir(dir);
  try {
    const std::string launch =
        expand(settings_.file, port_values(settings_.values, preview->port, previews_dir_));
    preview->pipeline = build_pipeline(settings_.file, launch);
  } catch (const UserError &e) {
    return failed(e.what());
  }
  preview->info.last_error.clear();
  BusPtr bus(gst_element_get_bus(preview->pipeline.get()));
  preview->bus_watch = gst_bus_add_watch(bus.get(), &PreviewManager::on_bus, preview);
  preview->info.state = "starting";
  if (gst_element_set_state(preview->pipeline.get(), GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    MessagePtr error(gst_bus_pop_filtered(bus.get(), GST_MESSAGE_ERROR));
    return failed(error ? error_text(error.get()) : "the pipeline failed to start");
  }
  console_.info("preview " + port + ": started (" + preview->info.playlist + ")");
  return {Outcome::kDone, {}};
}

PreviewManager::Answer PreviewManager::stop(const std::string &port) {
  Preview *preview = find(port);
  if (!preview) return {Outcome::kUnknownPort, {}};
  if (!preview->pipeline) return {Outcome::kAlready, {}};
  if (!finish({preview}, settings_.eos_timeout))
    return {Outcome::kFailed, preview->info.last_error};
  return {Outcome::kDone, {}};
}

bool PreviewManager::finish(const std::vector<Preview *> &previews, double timeout) {
  // EOS goes to every pipeline first, so they all finish at once; the wait is shared.
  std::vector<Preview *> finishing;
  for (Preview *p : previews) {
    if (!has_output(p->pipeline.get())) {
      console_.info("preview " + p->info.port + ": stopped (it had written nothing yet)");
      drop(*p, "stopped");
      continue;
    }
    if (p->bus_watch) source_remove_here(p->bus_watch);
    p->bus_watch = 0;
    gst_element_call_async(p->pipeline.get(), &send_eos, nullptr, nullptr);
    finishing.push_back(p);
  }
  const gint64 deadline = g_get_monotonic_time() + static_cast<gint64>(timeout * 1e6);
  bool all_finished = true;
  for (Preview *p : finishing) {
    BusPtr bus(gst_element_get_bus(p->pipeline.get()));
    const gint64 left_us = std::max<gint64>(0, deadline - g_get_monotonic_time());
    MessagePtr end(gst_bus_timed_pop_filtered(
        bus.get(), static_cast<GstClockTime>(left_us) * GST_USECOND,
        static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR)));
    const bool finished = end && GST_MESSAGE_TYPE(end.get()) == GST_MESSAGE_EOS;
    if (!finished) {
      all_finished = false;
      p->info.last_error = end ? error_text(end.get())
                               : "did not finish within " +
                                     std::to_string(static_cast<int>(timeout)) +
                                     " s: the playlist may lack its end";
      console_.warn("preview " + p->info.port + ": " + p->info.last_error);
    } else {
      console_.info("preview " + p->info.port + ": stopped, playlist finished");
    }
    drop(*p, finished ? "stopped" : "failed");
  }
  return all_finished;
}

void PreviewManager::drop(Preview &preview, const char *state) {
  if (preview.bus_watch) source_remove_here(preview.bus_watch);
  preview.bus_watch = 0;
  if (preview.pipeline) gst_element_set_state(preview.pipeline.get(), GST_STATE_NULL);
  preview.pipeline.reset();
  preview.info.state = state;
}

gboolean PreviewManager::on_bus(GstBus *, GstMessage *message, gpointer data) noexcept {
  auto *preview = static_cast<Preview *>(data);
  try {
    preview->owner->handle(*preview, message);
  } catch (const std::exception &e) {
    preview->owner->console_.error(std::string("internal: ") + e.what());
  }
  // handle() may have dropped the pipeline, and its watch with it.
  return preview->bus_watch ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

void PreviewManager::handle(Preview &preview, GstMessage *message) {
  switch (GST_MESSAGE_TYPE(message)) {
    case GST_MESSAGE_ERROR:
      // This port's pipeline ends; the other ports go on.
      preview.info.last_error = error_text(message);
      console_.warn("preview " + preview.info.port + " failed: " + preview.info.last_error);
      preview.bus_watch = 0;  // the callback's return removes it
      drop(preview, "failed");
      break;
    case GST_MESSAGE_EOS:
      console_.info("preview " + preview.info.port + ": end of stream");
      preview.bus_watch = 0;
      drop(preview, "stopped");
      break;
    case GST_MESSAGE_STATE_CHANGED: {
      if (GST_MESSAGE_SRC(message) != GST_OBJECT_CAST(preview.pipeline.get())) break;
      GstState old_state, new_state;
      gst_message_parse_state_changed(message, &old_state, &new_state, nullptr);
      if (new_state != GST_STATE_PLAYING) break;
      preview.info.state = "previewing";
      if (!played_) {
        played_ = true;
        for (const auto &callback : on_playing_) callback();
      }
      break;
    }
    case GST_MESSAGE_LATENCY:
      gst_bin_recalculate_latency(GST_BIN(preview.pipeline.get()));
      break;
    case GST_MESSAGE_ELEMENT:
      if (const GstStructure *s = gst_message_get_structure(message)) handle_element(preview, s);
      break;
    default:
      break;
  }
}

void PreviewManager::handle_element(Preview &preview, const GstStructure *s) {
  const std::string kind = gst_structure_get_name(s);
  const gchar *mode = gst_structure_get_string(s, sdi_msg::kMode);
  PreviewInfo &info = preview.info;
  if (kind == sdi_msg::kSignal) {
    gboolean locked = FALSE;
    gst_structure_get_boolean(s, sdi_msg::kLocked, &locked);
    const std::string signal = locked ? "locked" : "lost";
    if (mode) info.mode = mode;
    if (signal != info.signal)
      console_.info("preview " + info.port + ": signal " + signal +
                    (info.mode.empty() ? "" : " (" + info.mode + ")"));
    info.signal = signal;
  } else if (kind == sdi_msg::kFormat) {
    if (mode) info.mode = mode;
    console_.info("preview " + info.port + ": format now " + info.mode);
  } else if (kind == sdi_msg::kError) {
    const gchar *what = gst_structure_get_string(s, sdi_msg::kKind);
    const gchar *detail = gst_structure_get_string(s, sdi_msg::kDetail);
    gboolean retrying = FALSE;
    gst_structure_get_boolean(s, sdi_msg::kRetrying, &retrying);
    info.last_error = std::string(what ? what : "error") +
                      (detail ? std::string(": ") + detail : "") + (retrying ? " (retrying)" : "");
    console_.warn("preview " + info.port + ": " + info.last_error);
  }
}

std::vector<PreviewInfo> PreviewManager::list() const {
  std::vector<PreviewInfo> out;
  for (const auto &preview : previews_) out.push_back(preview->info);
  return out;
}

Status PreviewManager::status() const {
  Status s = identity_;
  s.state = stopping_ ? "stopping" : "playing";
  if (started_us_) s.uptime = static_cast<double>(g_get_monotonic_time() - started_us_) / 1e6;
  return s;
}

Readiness PreviewManager::readiness() const {
  std::vector<std::string> states;
  for (const PreviewInfo &preview : list()) states.push_back(preview.state);
  return decide_ports_readiness(stopping_, states);
}

void PreviewManager::on_playing(std::function<void()> callback) {
  on_playing_.push_back(std::move(callback));
}

int PreviewManager::run() {
  started_us_ = g_get_monotonic_time();
  for (auto &preview : previews_) start(preview->info.port);
  g_main_loop_run(loop_);
  // After a second interrupt some may still run.
  for (auto &preview : previews_)
    if (preview->pipeline) drop(*preview, "stopped");
  return exit_code_;
}

void PreviewManager::interrupt() noexcept {
  if (stopping_) {
    console_.warn("stopped at once: playlists may be unfinished");
    exit_code_ = 1;
    g_main_loop_quit(loop_);
    return;
  }
  stopping_ = true;
  console_.info("stopping: finishing every preview's playlist");
  try {
    std::vector<Preview *> running;
    for (auto &preview : previews_)
      if (preview->pipeline) running.push_back(preview.get());
    if (!finish(running, settings_.eos_timeout)) exit_code_ = 1;
  } catch (const std::exception &e) {
    console_.error(std::string("internal: ") + e.what());
    exit_code_ = 1;
  }
  g_main_loop_quit(loop_);
}

}  // namespace onair::app
