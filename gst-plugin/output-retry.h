/* What tsexport's network outputs (mqtt-publisher.cc, database-writer.cc) share: the levels of the
 * events their threads report to the element, and the reconnection backoff. */
#pragma once

#include <algorithm>
#include <chrono>
#include <functional>
#include <string>

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

} // namespace tsv
