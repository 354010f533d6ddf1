#include "reconnect_policy.h"

#include <random>

namespace onair::output {

namespace {

// Delays may be as long as the settings allow (up to INT64_MAX ns): a deadline past the end
// of time is "never".
int64_t later(int64_t now, int64_t delay) {
  return delay >= kNever - now ? kNever : now + delay;
}

}  // namespace

ReconnectPolicy::ReconnectPolicy(std::function<double()> random01)
    : random01_(std::move(random01)) {}

ReconnectPolicy::ReconnectPolicy()
    : ReconnectPolicy([random = std::mt19937_64(std::random_device{}())]() mutable {
        return std::uniform_real_distribution<double>(0.0, 1.0)(random);
      }) {}

std::vector<Change> ReconnectPolicy::take_changes() {
  std::vector<Change> taken;
  taken.swap(changes_);
  return taken;
}

const Plan &ReconnectPolicy::set_plan(Action action, int64_t at) {
  plan_ = {action, at, plan_.number + 1};
  return plan_;
}

const Plan &ReconnectPolicy::connect() {
  phase_ = Phase::kConnecting;
  Change change;
  change.state = State::kConnecting;
  change.attempt = failed_ + 1;
  changes_.push_back(change);
  return set_plan(Action::kConnect);
}

const Plan &ReconnectPolicy::finish(bool cut_short) {
  phase_ = Phase::kStopped;
  Change change;
  change.state = State::kStopped;
  change.drain_cut_short = cut_short;
  changes_.push_back(change);
  return set_plan(Action::kStop);
}

const Plan &ReconnectPolicy::start() {
  failed_ = 0;
  return connect();
}

const Plan &ReconnectPolicy::connected() {
  if (phase_ != Phase::kConnecting) return plan_;
  phase_ = Phase::kLive;
  Change change;
  change.state = State::kLive;
  changes_.push_back(change);
  return set_plan(Action::kHold);
}

const Plan &ReconnectPolicy::failed(int64_t now, const std::string &error) {
  if (phase_ == Phase::kDraining) return finish(true);
  if (phase_ != Phase::kConnecting && phase_ != Phase::kLive) return plan_;
  Change change;
  change.error = error;
  // A connection that was live starts the count again: it is a reconnect, not a failure.
  change.connection_lost = phase_ == Phase::kLive;
  failed_ = change.connection_lost ? 1 : failed_ + 1;
  if (!may_retry(settings_.backoff, failed_)) {
    phase_ = Phase::kFailed;
    change.state = State::kFailed;
    change.attempt = failed_;
    changes_.push_back(change);
    return set_plan(Action::kWait);  // until reconnect_now()
  }
  const int64_t delay = backoff_delay(settings_.backoff, failed_, random01_());
  phase_ = Phase::kRetrying;
  change.state = State::kReconnecting;
  change.attempt = failed_ + 1;
  change.next_delay = delay;
  changes_.push_back(change);
  deadline_ = later(now, delay);
  // Whether the server is down decides whether it is watched. The first check comes one
  // interval later: a server that dropped the connection as it went down may still accept
  // connections for a moment.
  const int64_t first_check = later(now, settings_.probe_interval);
  if (settings_.probe_interval <= 0 || first_check >= deadline_)
    return set_plan(Action::kWait, deadline_);
  watch_ = Watch::kFirstCheck;
  return set_plan(Action::kProbe, first_check);
}

const Plan &ReconnectPolicy::ended(int64_t now) {
  if (phase_ == Phase::kDraining) return finish(false);
  return failed(now, "the connection ended");
}

// A server that is down is checked every probe interval until the deadline, so one that
// comes back is used at once however long the delay has grown. A server that is up but
// failed the attempt (a refused key, a broken handshake) gets the full delay.
const Plan &ReconnectPolicy::wait_or_probe(int64_t now) {
  if (now >= deadline_) return connect();
  const int64_t next_check = later(now, settings_.probe_interval);
  if (watch_ == Watch::kWatching && next_check < deadline_)
    return set_plan(Action::kProbe, next_check);
  return set_plan(Action::kWait, deadline_);
}

const Plan &ReconnectPolicy::probed(int64_t now, Probe result) {
  if (phase_ != Phase::kRetrying || plan_.action != Action::kProbe) return plan_;
  if (watch_ == Watch::kFirstCheck)
    watch_ = result == Probe::kDown ? Watch::kWatching : Watch::kNotWatching;
  else if (result == Probe::kAnswers)
    return connect();
  return wait_or_probe(now);
}

const Plan &ReconnectPolicy::elapsed(int64_t now) {
  if (now < plan_.at) return plan_;
  if (phase_ == Phase::kRetrying && plan_.action == Action::kWait) return connect();
  if (phase_ == Phase::kDraining) return finish(true);
  return plan_;
}

const Plan &ReconnectPolicy::reconnect_now() {
  if (phase_ == Phase::kDraining) return finish(true);  // the last data is given up on
  if (!running()) return plan_;
  failed_ = 0;
  return connect();
}

const Plan &ReconnectPolicy::end_of_stream(int64_t now, bool on_air) {
  if (!running() || phase_ == Phase::kDraining) return plan_;
  if (!on_air || (phase_ != Phase::kConnecting && phase_ != Phase::kLive)) return finish(false);
  phase_ = Phase::kDraining;
  return set_plan(Action::kDrain, later(now, settings_.drain_timeout));
}

const Plan &ReconnectPolicy::stop() {
  if (!running()) return plan_;
  return finish(phase_ == Phase::kDraining);
}

}  // namespace onair::output
