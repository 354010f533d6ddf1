// When an output connects, waits, checks the server, gives up and finishes: its reconnect
// rules as a state machine. Events go in (the connection went live or failed, a check of the
// server answered, reconnect now, end of stream, stop); the plan comes out (connect now, wait
// until T, check the server at T, drain until T, stop) with the state changes to announce.
// Time is passed in (ns on any clock that only moves forward) and nothing here waits, so
// every path is unit-tested; the element runs the plan on its controller thread.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "backoff.h"
#include "output_stats.h"

namespace onair::output {

inline constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

struct ReconnectSettings {
  BackoffPolicy backoff;
  int64_t probe_interval = 250'000'000;   // ns between checks of a server that is down; 0: none
  int64_t drain_timeout = 5'000'000'000;  // ns the last data may take at end of stream
};

enum class Action {
  kConnect,  // open a new connection now, dropping any open one
  kHold,     // keep the open connection; nothing to do until an event
  kWait,     // no connection; at `at` report elapsed() (kNever: only an event ends it)
  kProbe,    // no connection; at `at` check whether the server accepts connections: probed()
  kDrain,    // keep the connection while its last data goes out; at `at` report elapsed()
  kStop,     // close the connection: nothing more will be sent
};

struct Plan {
  Action action = Action::kHold;
  int64_t at = kNever;
  // Changes with every new plan, so a thread acting on plans knows one it has not acted on.
  uint64_t number = 0;
};

// What a check of the server found.
enum class Probe {
  kAnswers,  // it accepts connections
  kDown,     // it refuses them or does not answer
  kUnknown,  // anything else (no such host): no reason to expect it back soon
};

// A state change to announce (a resilientrtmpsink-state message).
struct Change {
  State state = State::kIdle;
  uint32_t attempt = 0;          // the attempt it is about; 0 for live and stopped
  int64_t next_delay = -1;       // kReconnecting: ns until the attempt
  std::string error;             // kReconnecting, kFailed: why
  bool connection_lost = false;  // a live connection failed (a reconnect, in the statistics)
  bool drain_cut_short = false;  // kStopped: ended before the last data was confirmed sent
};

class ReconnectPolicy {
 public:
  // `random01` draws the jitter of each delay, uniform in [0, 1).
  explicit ReconnectPolicy(std::function<double()> random01);
  ReconnectPolicy();  // random jitter

  // Applies from the next event on; the element passes its settings at each attempt.
  void configure(const ReconnectSettings &settings) { settings_ = settings; }

  const Plan &start();                                        // connect: attempt 1
  const Plan &connected();                                    // the connection went live
  const Plan &failed(int64_t now, const std::string &error);  // an attempt or a connection failed
  const Plan &ended(int64_t now);  // the connection ended by itself: drained, or else a failure
  const Plan &probed(int64_t now, Probe result);
  const Plan &elapsed(int64_t now);  // the plan's time came
  const Plan &reconnect_now();       // connect at once, starting the count again
  // Every input ended. `on_air`: the open connection has sent data, so it is drained.
  const Plan &end_of_stream(int64_t now, bool on_air);
  const Plan &stop();

  const Plan &plan() const { return plan_; }
  // The changes since the last call, oldest first.
  std::vector<Change> take_changes();

 private:
  enum class Phase { kIdle, kConnecting, kLive, kRetrying, kFailed, kDraining, kStopped };
  enum class Watch { kFirstCheck, kWatching, kNotWatching };

  bool running() const { return phase_ != Phase::kIdle && phase_ != Phase::kStopped; }
  const Plan &connect();
  const Plan &finish(bool cut_short);
  const Plan &wait_or_probe(int64_t now);
  const Plan &set_plan(Action action, int64_t at = kNever);

  std::function<double()> random01_;
  ReconnectSettings settings_;
  Phase phase_ = Phase::kIdle;
  uint32_t failed_ = 0;   // failed attempts in a row
  int64_t deadline_ = 0;  // kRetrying: when the next attempt is due
  Watch watch_ = Watch::kFirstCheck;
  Plan plan_;
  std::vector<Change> changes_;
};

}  // namespace onair::output
