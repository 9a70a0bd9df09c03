/* What tsexport's network outputs (mqtt-publisher.cc, database-writer.cc) share: the levels of the
 * events their threads report to the element, the reconnection backoff, and how their threads are started and
 * stopped. */
#pragma once

#include <algorithm>
#include <chrono>
#include <exception>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace tsv {

/* ERROR: a failure another attempt cannot mend; the output has given up. */
enum class OutputEventLevel { DEBUG, INFO, WARNING, ERROR };

/* Called from the output's thread (never while it holds its queue lock). */
using OutputEventCallback = std::function<void(OutputEventLevel level, const std::string &message)>;

/* Exponential reconnection backoff: 0.25 s, doubling up to 5 s; reset() after a success. */
class Backoff {
public:
  static constexpr std::chrono::milliseconds kInitial{250};
  static constexpr std::chrono::milliseconds kMax{5000};
  /* The delay before the next attempt, and doubles the one after. */
  std::chrono::milliseconds next() {
    std::chrono::milliseconds d = delay_;
    delay_ = std::min(delay_ * 2, kMax);
    return d;
  }
  std::chrono::milliseconds peek() const { return delay_; }
  void reset() { delay_ = kInitial; }

private:
  std::chrono::milliseconds delay_ = kInitial;
};

/* Starts an output's thread on `core->run()` (the thread owns a reference to `core`); false, with a reason naming
 * `what` in `error`, when the system cannot start one. */
template <typename Core>
bool start_output_thread(const std::shared_ptr<Core> &core, const char *what, std::string &error) {
  try {
    core->thread = std::thread([core] { core->run(); });
    return true;
  } catch (const std::exception &e) {
    error = std::string("cannot start the ") + what + " thread: " + e.what();
    return false;
  }
}

/* Stops an output's thread: asks it to stop (it flushes until `flush_timeout` from now), wakes it with `wake`,
 * waits that long plus `grace` for it to say `done`, then joins it — or, stuck in a blocking call (a DNS look-up, a
 * connection attempt, a statement on a hung network), detaches it after silencing its events: it owns a reference
 * to its state and ends by itself. `Core` has thread, mu, stop_requested, stop_deadline, done_mu, done_cv, done,
 * event_mu and on_event. */
template <typename Core>
void stop_output_thread(Core &core, std::chrono::milliseconds flush_timeout, std::chrono::milliseconds grace,
                        const std::function<void()> &wake) {
  {
    std::lock_guard<std::mutex> lock(core.mu);
    core.stop_requested = true;
    core.stop_deadline = std::chrono::steady_clock::now() + flush_timeout;
  }
  wake();
  bool finished;
  {
    std::unique_lock<std::mutex> lock(core.done_mu);
    finished = core.done_cv.wait_for(lock, flush_timeout + grace, [&core] { return core.done; });
  }
  if (finished) {
    core.thread.join();
    return;
  }
  {
    std::lock_guard<std::mutex> lock(core.event_mu);
    core.on_event = nullptr;
  }
  core.thread.detach();
}

} // namespace tsv
