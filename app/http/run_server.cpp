#include "http/run_server.h"

#include <libsoup/soup.h>

#include <vector>

#include "control/replies.h"
#include "http/token.h"
#include "http/token_command.h"
#include "previews/preview_manager.h"
#include "run/elements.h"
#include "run/gst_log.h"
#include "run/status.h"

namespace onair::app {

namespace {

HttpRoutes routes_for(const RunContext &run, ControlService &control, OverlayControl &overlays,
                      const RunServer::PreviewList &previews, const std::string &token,
                      std::function<Status()> status) {
  HttpRoutes routes;
  routes.web_dir = run.where.web_dir;
  routes.vendor_dirs = run.where.vendor_dirs;
  routes.hls_dir = run.run_dir;
  routes.status_json = [status] { return status_json(status()); };
  routes.metrics = [run] { return metrics_text(redacted(run.runner.status(), run.redact)); };
  // Answered in the main loop, like everything the server does: a stuck loop fails it.
  routes.health = [run] { return "alive: " + run.runner.status().state + "\n"; };
  routes.readiness = [run] {
    const Readiness r = run.runner.readiness();
    return HttpRoutes::Readiness{r.ready, run.redact(readiness_text(r))};
  };
  routes.token = token;
  routes.allowed_origins = web::AllowedOrigins::parse(allow_origins_list(run.options));
  routes.overlay_command = [&control](CommandKind kind, std::string_view body, bool empty_ok) {
    return control.http(kind, body, empty_ok);
  };
  routes.sessions_dir = run.options.sessions_dir;
  routes.events = run.events;
  routes.warn = [run](const std::string &text) { run.console.warn(text); };
  routes.overlays_json = [run, &overlays] {
    std::vector<OverlayInfo> list = overlays.list();
    for (OverlayInfo &o : list) {
      o.name = run.redact(o.name);
      o.status = run.redact(o.status);
    }
    return overlays_json(list);
  };
  if (run.previews) {
    routes.previews_dir = run.previews->previews_dir();
    routes.previews_json = [previews] { return ok_json(previews_fields(previews())); };
    routes.preview_command = [&control](bool start, const std::string &port) {
      ControlCommand command;
      command.kind = start ? CommandKind::kPreviewStart : CommandKind::kPreviewStop;
      command.port = port;
      return control.command(command);
    };
  }
  return routes;
}

// The token, once it is hidden wherever the run's secrets are.
std::string hidden_token(const RunContext &run, const std::string &token_file) {
  const std::string token = load_or_create_token(token_file);
  run.redact.add(token);
  hide_in_gst_log(run.redact);
  return token;
}

// What the control API acts on: broadcastoverlay elements (/api/overlay),
// network outputs (/api/outputs/reconnect), scene detectors (/api/capture) and
// the speech element (/api/say, /api/play, /api/speech).
std::vector<std::string> scene_detectors(GstElement *pipeline) {
  std::vector<std::string> names;
  for (const auto &[name, element] : elements_made_by(pipeline, "scenedetect"))
    names.push_back(name);
  return names;
}

bool has_controls(GstElement *pipeline) {
  for (const char *factory : {"broadcastoverlay", "resilientrtmpsink", "scenedetect", "ttsmix"})
    if (!elements_made_by(pipeline, factory).empty()) return true;
  return false;
}

}  // namespace

RunServer::RunServer(const RunContext &run, ControlService &control, OverlayControl &overlays,
                     PreviewList previews)
    : status_([run, &overlays, detectors = scene_detectors(run.pipeline)] {
        Status s = run.runner.status();
        s.overlays = overlays.list();
        s.scene_detectors = detectors;
        return redacted(std::move(s), run.redact);
      }),
      feed_(status_),
      token_file_(token_path(run.options)),
      page_(run.file.page),
      has_controls_(has_controls(run.pipeline) || run.previews),
      previews_(run.previews != nullptr),
      server_([&] {
        HttpRoutes routes =
            routes_for(run, control, overlays, previews, hidden_token(run, token_file_), status_);
        routes.status_events = &feed_.events();
        routes.status_greeting = [this] { return feed_.greeting(); };
        return routes;
      }()) {
  server_.listen(*run.options.http);
  // webstreamsink elements serve their paths on this server (GstBin passes
  // the context to every element, also those added later).
  GstContext *context = gst_context_new("onair.soup-server", TRUE);
  gst_structure_set(gst_context_writable_structure(context), "server", SOUP_TYPE_SERVER,
                    server_.soup_server(), nullptr);
  gst_element_set_context(run.pipeline, context);
  gst_context_unref(context);
}

void RunServer::announce(Console &console) const {
  // url() ends with '/', the page starts with one.
  const std::string root = server_.url().substr(0, server_.url().size() - 1);
  console.info("open " + root + page_);
  if (has_controls_)
    console.info("control API: " + root + (previews_ ? "/api/previews" : "/api/overlay") +
                 " (token in " + token_file_ + "; 'onair token' prints it)");
  else
    console.info("status: " + root + "/api/status");
}

}  // namespace onair::app
