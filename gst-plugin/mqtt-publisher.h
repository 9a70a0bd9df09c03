/* tsexport's MQTT publishing: a bounded, ordered queue of results delivered with QoS 1 by a
 * publisher thread of its own (libmosquitto, driven by a poll() loop), so that the streaming thread
 * only ever enqueues. Independent of GStreamer: the owner gets connection events through a callback.
 *
 * Delivery: results are sent in order, at most `window` unacknowledged at a time, and each stays
 * queued until the broker acknowledges it (PUBACK). When the connection is lost the unacknowledged
 * ones are sent again, first, after reconnecting (QoS 1 is at-least-once: a result the broker had
 * received but not yet acknowledged may arrive twice, never out of order with respect to the
 * results after it). While the broker is unreachable, results are held up to `queue_size`; beyond
 * it the oldest are dropped (and counted). Reconnection is automatic with exponential backoff.
 */
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace tsv {

struct MqttAddress {
  std::string host;
  int port = 1883;
};

/* Parses `host:port`, `host` (port 1883), `[v6-address]:port` or the same with an `mqtt://` or
 * `tcp://` prefix. Returns false with a reason in `error` (e.g. an mqtts:// URL, a bad port). */
bool mqtt_parse_address(const std::string &text, MqttAddress &out, std::string &error);

/* mosquitto_lib_init() once per process (thread-safe); mosquitto_lib_cleanup() runs at exit. */
void mqtt_lib_init_once();

struct MqttPublisherConfig {
  MqttAddress address;
  std::string topic;
  std::string client_id;
  size_t queue_size = 1000;
  /* At stop: how long to keep delivering what is queued before giving up. */
  int flush_timeout_ms = 2000;
  int keepalive_s = 10;
};

enum class MqttEventLevel { DEBUG, INFO, WARNING };

/* Called from the publisher thread (never while the publisher holds its queue lock). */
using MqttEventCallback = std::function<void(MqttEventLevel level, const std::string &message)>;

class MqttPublisher {
public:
  /* Starts the publisher thread, which connects in the background. Returns nullptr with a reason
   * in `error` when the configuration is unusable (bad topic, client id) or the thread cannot
   * start; an unreachable broker is not an error (results are queued, `on_event` is told). */
  static std::unique_ptr<MqttPublisher> start(const MqttPublisherConfig &config, MqttEventCallback on_event,
                                              std::string &error);
  ~MqttPublisher(); /* stop() */

  /* Queues one message (the streaming thread): a lock, a move and at most one eventfd write; never
   * waits for the network. Drops the oldest queued message(s) beyond queue_size. */
  void publish(std::string payload);

  /* Delivers what it can within flush_timeout_ms (trying once more to connect if the broker is
   * down), then disconnects and ends the thread. Returns within about flush_timeout_ms + 1 s even
   * if the thread is stuck (e.g. in a DNS look-up): it is then left to end on its own, and no
   * event is reported after stop() returns. Idempotent. */
  void stop();

  struct Core;

private:
  explicit MqttPublisher(std::shared_ptr<Core> core);
  std::shared_ptr<Core> core_;
};

} // namespace tsv
