// resilientrtmpsink's controller thread: runs the reconnect policy's plan. It opens and
// drops session pipelines, checks the server, waits on the element's clock and announces
// state changes; the session's streaming threads feed it events.
#include <gst/app/gstappsrc.h>

#include "onair/guard.h"
#include "resilientrtmpsink_messages.h"
#include "resilientrtmpsink_priv.h"
#include "server_check.h"

#define GST_CAT_DEFAULT resilient_rtmp_sink_debug

namespace onair::resilientrtmpsink {

namespace msg = onair::resilientrtmpsink_messages;

int64_t now(Priv *p) {
  return p->state->clock.now(p->element);
}

void wake(Priv *p) {
  State &st = *p->state;
  p->wake.notify_all();
  if (st.wait) gst_clock_id_unschedule(st.wait);
  if (st.policy.plan().action == out::Action::kStop) g_cancellable_cancel(st.cancel.get());
}

namespace {

using Lock = std::unique_lock<std::mutex>;

out::ReconnectSettings reconnect_settings(const Settings &s) {
  // A location without a server address cannot be checked: wait out the delays.
  const bool checkable = out::server_address(s.location).has_value();
  return {s.backoff, checkable ? static_cast<int64_t>(s.probe_interval) : 0,
          static_cast<int64_t>(s.drain_timeout)};
}

void post_state(Priv *p, const out::Change &change, const std::string &where) {
  GstStructure *s = gst_structure_new(
      msg::kState, msg::kStateName, G_TYPE_STRING, out::state_name(change.state), msg::kAttempt,
      G_TYPE_UINT, change.attempt, msg::kLocation, G_TYPE_STRING, where.c_str(), nullptr);
  if (change.next_delay >= 0)
    gst_structure_set(s, msg::kNextDelay, G_TYPE_UINT64, static_cast<guint64>(change.next_delay),
                      nullptr);
  if (!change.error.empty())
    gst_structure_set(s, msg::kError, G_TYPE_STRING, change.error.c_str(), nullptr);
  GST_INFO_OBJECT(p->element, "%s (attempt %u) %s", out::state_name(change.state), change.attempt,
                  change.error.c_str());
  gst_element_post_message(p->element, gst_message_new_element(GST_OBJECT_CAST(p->element), s));
}

void record(Statistics &stats, const out::Change &change) {
  stats.state = change.state;
  stats.attempt = change.attempt;
  if (change.state == out::State::kLive) stats.live_since = WallClock::now();
  if (change.next_delay >= 0)
    stats.next_attempt_at = WallClock::now() + std::chrono::nanoseconds(change.next_delay);
  if (change.state == out::State::kReconnecting || change.state == out::State::kFailed)
    stats.last_error = change.error;
  if (change.connection_lost) stats.reconnects++;
}

// Posts the policy's state changes in order (the controller only, so they never cross).
// Returns whether there were any.
bool announce_changes(Priv *p, Lock &lock) {
  const std::vector<out::Change> changes = p->state->policy.take_changes();
  if (changes.empty()) return false;
  for (const out::Change &change : changes) record(p->stats, change);
  lock.unlock();
  const std::string where = out::redact_rtmp_url(settings_of(p).location);
  for (const out::Change &change : changes) {
    post_state(p, change, where);
    if (change.state == out::State::kFailed)
      GST_ELEMENT_WARNING(p->element, RESOURCE, WRITE,
                          ("Giving up on %s after %u attempts", where.c_str(), change.attempt),
                          ("%s", change.error.c_str()));
    if (change.drain_cut_short)
      GST_WARNING_OBJECT(p->element, "connection did not drain at end of stream");
  }
  lock.lock();
  return true;
}

// ---- session events (the session's streaming threads) ----

// The state, when `session` is still the open connection (lock held).
State *state_of(Priv *p, const out::RtmpSession &session) {
  return p->state && p->state->session.get() == &session ? &*p->state : nullptr;
}

out::SessionEvents session_events(Priv *p) {
  out::SessionEvents events;
  events.failed = [p](const out::RtmpSession &session, const std::string &error,
                      const std::string &debug) {
    const std::string location = settings_of(p).location;
    const std::string text = out::redact_text(error, location);
    GST_DEBUG_OBJECT(p->element, "session error: %s (%s)", text.c_str(),
                     out::redact_text(debug, location).c_str());
    std::lock_guard lock(p->lock);
    if (State *st = state_of(p, session)) {
      st->policy.failed(now(p), text);
      wake(p);
    }
  };
  events.ended = [p](const out::RtmpSession &session) {
    std::lock_guard lock(p->lock);
    if (State *st = state_of(p, session)) {
      st->policy.ended(now(p));
      wake(p);
    }
  };
  events.live = [p](const out::RtmpSession &session) {
    std::lock_guard lock(p->lock);
    if (State *st = state_of(p, session)) {
      st->policy.connected();
      wake(p);
    }
  };
  events.sent = [p](const out::RtmpSession &session, const out::SentBuffer &sent) {
    std::lock_guard lock(p->lock);
    State *st = state_of(p, session);
    if (!st) return;
    Statistics &stats = p->stats;
    stats.bytes_sent += sent.size;
    stats.rate.add(
        std::chrono::duration_cast<std::chrono::nanoseconds>(WallClock::now().time_since_epoch())
            .count(),
        sent.size);
    if (!sent.video_frame) return;
    stats.frames_sent++;
    // Timestamps were rebased to the connection's start; add that back to get the capture
    // running time.
    if (sent.handed_at >= 0 && GST_CLOCK_TIME_IS_VALID(sent.timestamp))
      stats.latency.add(sent.handed_at -
                        (static_cast<int64_t>(sent.timestamp) + st->gate.offset()));
  };
  return events;
}

// ---- controller thread: runs the policy's plan ----

// Whether the input's EOS came (lock held).
bool input_ended(const State &st, const Input &input) {
  for (const onair::MessagePtr &m : st.held_eos)
    if (GST_MESSAGE_SRC(m.get()) == GST_OBJECT_CAST(input.appsink)) return true;
  return false;
}

void drop_session(Priv *p, Lock &lock) {
  std::unique_ptr<out::RtmpSession> session = std::move(p->state->session);
  p->state->gate.close();
  lock.unlock();
  session.reset();  // joins its streaming threads, which take the lock
  lock.lock();
}

void open_session(Priv *p, Lock &lock, uint64_t plan) {
  lock.unlock();
  const Settings s = settings_of(p);
  lock.lock();
  State &st = *p->state;
  if (st.policy.plan().number != plan) return;  // overtaken while reading the settings
  st.policy.configure(reconnect_settings(s));
  st.address = out::server_address(s.location);
  const out::SessionConfig config{s.location, s.tls_validation, s.timeout,
                                  p->video.appsink && !input_ended(st, p->video),
                                  p->audio.appsink && !input_ended(st, p->audio)};
  lock.unlock();
  std::unique_ptr<out::RtmpSession> session;
  std::string error;
  try {
    session = std::make_unique<out::RtmpSession>(p->element, config, session_events(p));
  } catch (const std::exception &e) {
    error = e.what();
  }
  lock.lock();
  if (!session) {
    st.policy.failed(now(p), error);
    return;
  }
  out::RtmpSession *started = session.get();
  st.session = std::move(session);
  st.gate.open();
  lock.unlock();
  const bool playing = started->start();  // only this thread drops sessions
  lock.lock();
  if (!playing) st.policy.failed(now(p), "could not start the connection");
}

// Waits on the controller clock until `at`; false when woken before.
bool wait_until(Priv *p, Lock &lock, int64_t at) {
  State &st = *p->state;
  GstClockID id = st.clock.wait_id(p->element, at);
  st.wait = id;
  lock.unlock();
  const GstClockReturn ret = gst_clock_id_wait(id, nullptr);
  lock.lock();
  st.wait = nullptr;
  gst_clock_id_unref(id);
  return ret == GST_CLOCK_OK || ret == GST_CLOCK_EARLY;
}

void run_controller(Priv *p) {
  Lock lock(p->lock);
  State &st = *p->state;
  uint64_t acted = 0;  // the number of the last plan acted on
  while (true) {
    const out::Plan plan = st.policy.plan();
    // A session is kept while it is the one this plan opened or holds.
    const bool keep = plan.action == out::Action::kHold || plan.action == out::Action::kDrain ||
                      (plan.action == out::Action::kConnect && plan.number == acted);
    if (!keep && st.session) {
      drop_session(p, lock);
      continue;
    }
    if (announce_changes(p, lock)) continue;
    if (plan.number != acted) {
      acted = plan.number;
      if (plan.action == out::Action::kStop) break;
      if (plan.action == out::Action::kConnect) {
        open_session(p, lock, plan.number);
        continue;
      }
    }
    if (plan.at == out::kNever || plan.action == out::Action::kConnect) {
      p->wake.wait(lock, [&] { return st.policy.plan().number != plan.number; });
    } else if (wait_until(p, lock, plan.at) && st.policy.plan().number == plan.number) {
      if (plan.action != out::Action::kProbe) {
        st.policy.elapsed(now(p));
        continue;
      }
      const std::optional<out::ServerAddress> address = st.address;
      lock.unlock();
      const out::Probe result =
          address ? out::check_server(*address, st.cancel.get()) : out::Probe::kUnknown;
      lock.lock();
      if (result == out::Probe::kAnswers)
        GST_INFO_OBJECT(p->element, "the server accepts connections");
      st.policy.probed(now(p), result);
    }
  }
  st.drained = true;
  lock.unlock();
  post_eos_if_ready(p);
}

void controller_main(Priv *p) noexcept {
  onair::guarded(p->element, [&] { run_controller(p); });
}

}  // namespace

void post_eos_if_ready(Priv *p) {
  std::vector<onair::MessagePtr> held;
  {
    std::lock_guard lock(p->lock);
    if (!p->state) return;
    State &st = *p->state;
    const size_t inputs = (p->video.appsink ? 1 : 0) + (p->audio.appsink ? 1 : 0);
    if (st.eos_posted || st.held_eos.size() < inputs || !st.drained) return;
    st.eos_posted = true;
    held.swap(st.held_eos);
  }
  // GstBin posts the element's own EOS once each of its sinks has.
  for (onair::MessagePtr &m : held) p->forward_eos(p->element, m.release());
}

void start_controller(Priv *p, const Settings &s) {
  std::lock_guard lock(p->lock);
  p->stats = Statistics();
  State &st = p->state.emplace();
  st.gate.set_has_video(p->video.appsink != nullptr);
  st.policy.configure(reconnect_settings(s));
  st.policy.start();
  st.controller = std::thread(controller_main, p);
}

void stop_controller(Priv *p) {
  std::thread controller;
  {
    std::lock_guard lock(p->lock);
    if (!p->state) return;
    p->state->policy.stop();
    wake(p);
    controller = std::move(p->state->controller);
  }
  if (controller.joinable()) controller.join();
  Lock lock(p->lock);
  // The controller drops its session unless something cut it short.
  if (p->state->session) drop_session(p, lock);
  p->state.reset();
  p->stats.state = out::State::kIdle;
}

}  // namespace onair::resilientrtmpsink
