// The web server of one run: the pages, the run's output under /hls/, its
// status and metrics, and the control API, which needs the API token.
// webstreamsink elements in the pipeline serve their paths on it too.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "control/control_service.h"
#include "control/overlay_control.h"
#include "control/services.h"
#include "http/server.h"
#include "previews/preview_ports.h"
#include "dashboard/status_feed.h"
#include "run/console.h"

namespace onair::app {

class RunServer {
 public:
  using PreviewList = std::function<std::vector<PreviewInfo>()>;
  // Loads (or makes) the API token, adds it to `run.redact`, and listens on
  // the options' address. `previews` lists a per-port run's previews (secrets hidden).
  // Throws UserError.
  RunServer(const RunContext &run, ControlService &control, OverlayControl &overlays,
            PreviewList previews);
  RunServer(const RunServer &) = delete;
  RunServer &operator=(const RunServer &) = delete;

  // Tells on the console where the pipeline's page is (its file's `page:`)
  // and, when the pipeline has something it controls, the control API.
  void announce(Console &console) const;
  std::string url() const { return server_.url(); }

 private:
  std::function<Status()> status_;  // redacted, with the overlays
  StatusFeed feed_;                 // GET /api/status/stream
  std::string token_file_;
  std::string page_;   // the path, "/ascii/"
  bool has_controls_;  // an overlay, a network output or a preview to control
  bool previews_;      // a per-port run's previews
  HttpServer server_;
};

}  // namespace onair::app
