// resilientrtmpsink's private data, shared by its glue: the element
// (gstresilientrtmpsink.cpp: properties, pads, the data path, end of stream) and its
// controller thread (rtmp_controller.cpp: runs the reconnect policy's plan with session
// pipelines).
#pragma once

#include <gio/gio.h>
#include <gst/gst.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/backoff.h"
#include "core/output_gate.h"
#include "core/output_stats.h"
#include "core/reconnect_policy.h"
#include "core/server_address.h"
#include "onair/gst_ptr.h"
#include "rtmp_session.h"

GST_DEBUG_CATEGORY_EXTERN(resilient_rtmp_sink_debug);

namespace onair::resilientrtmpsink {

namespace out = onair::output;
using WallClock = std::chrono::steady_clock;

struct Settings {
  std::string location;
  bool tls_validation = true;
  out::BackoffPolicy backoff;
  guint timeout = 10;                          // seconds, for connecting and acknowledgements
  guint64 max_queue = 2 * GST_SECOND;          // queued running time before skipping to a keyframe
  guint64 drain_timeout = 5 * GST_SECOND;      // how long EOS may take to reach the server
  guint64 probe_interval = 250 * GST_MSECOND;  // 0: no checks while waiting to retry
  bool sync = true;
};

// One encoded stream coming in through a request pad; kept from request to release.
struct Input {
  GstElement *appsink = nullptr;  // child of the bin; we hold a reference too
  GstPad *ghost = nullptr;
};

// The controller's time: the element's clock (a GstTestClock in tests), or the system clock
// until the pipeline hands one out at PLAYING, kept continuous when the clock changes.
class ControllerClock {
 public:
  int64_t now(GstElement *element) {
    onair::ClockPtr clock(gst_element_get_clock(element));
    if (!clock) clock.reset(gst_system_clock_obtain());
    const auto time = static_cast<int64_t>(gst_clock_get_time(clock.get()));
    if (clock != clock_) {
      offset_ = clock_ ? last_ - time : 0;
      clock_ = std::move(clock);
    }
    return last_ = time + offset_;
  }
  // A wait until `at` that gst_clock_id_unschedule() cuts short.
  GstClockID wait_id(GstElement *element, int64_t at) {
    now(element);
    return gst_clock_new_single_shot_id(
        clock_.get(), static_cast<GstClockTime>(std::max<int64_t>(0, at - offset_)));
  }

 private:
  onair::ClockPtr clock_;
  int64_t offset_ = 0;
  int64_t last_ = 0;
};

// Everything that lives from start (READY->PAUSED) to stop (PAUSED->READY).
struct State {
  out::ReconnectPolicy policy;
  out::OutputGate gate;
  std::deque<onair::SamplePtr> held_audio;    // while the gate waits for the first keyframe
  std::unique_ptr<out::RtmpSession> session;  // the open connection; dropped by the controller
  std::optional<out::ServerAddress> address;  // of the current attempt, for the checks
  std::thread controller;
  ControllerClock clock;
  GstClockID wait = nullptr;  // the controller's clock wait, if it waits
  std::unique_ptr<GCancellable, decltype(&g_object_unref)> cancel{g_cancellable_new(),
                                                                  g_object_unref};  // ends a check
  // End of stream: every input's EOS must arrive and the connection must drain.
  std::vector<onair::MessagePtr> held_eos;  // the inputs' EOS, let through when drained
  bool drained = false;                     // the controller is done: nothing more goes out
  bool eos_posted = false;
};

// What the stats property shows; starts fresh at each start and outlives stop.
struct Statistics {
  out::State state = out::State::kIdle;
  guint attempt = 0;
  guint reconnects = 0;
  std::string last_error;
  guint64 frames_sent = 0;
  guint64 bytes_sent = 0;
  guint64 video_dropped = 0;
  guint64 audio_dropped = 0;
  out::RateMeter rate;
  out::LatencyMeter latency;
  WallClock::time_point live_since{};
  WallClock::time_point next_attempt_at{};  // while reconnecting
};

// Lock order: settings_lock and lock are never held together; code that needs both copies
// the settings first. GStreamer's own locks (appsrc, clock, object lock) may be taken under
// lock; no message is posted and no session is stopped under it.
struct Priv {
  GstElement *element = nullptr;  // the element it belongs to
  // Lets an input's held EOS through to GstBin, which posts the element's EOS once every
  // input's has come.
  void (*forward_eos)(GstElement *element, GstMessage *eos) = nullptr;

  std::mutex settings_lock;
  Settings settings;

  std::mutex lock;  // everything below
  std::condition_variable wake;
  Input video;
  Input audio;
  std::optional<State> state;
  Statistics stats;
};

inline Settings settings_of(Priv *p) {
  std::lock_guard lock(p->settings_lock);
  return p->settings;
}

// Feeding the policy an event (lock held) returns at once; wake() makes the controller act on
// the new plan.
void wake(Priv *p);
// The controller's time (lock held, state built).
int64_t now(Priv *p);

// Builds the state and starts the controller thread (start, READY->PAUSED).
void start_controller(Priv *p, const Settings &s);
// Stops the controller, joins it and resets the state (stop, PAUSED->READY; finalize).
void stop_controller(Priv *p);
// Lets the held EOS through once every input's came and the controller is done.
void post_eos_if_ready(Priv *p);

}  // namespace onair::resilientrtmpsink
