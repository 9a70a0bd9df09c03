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
 *
 * Failures that another attempt cannot mend (the broker refuses the credentials or the client id,
 * the broker's certificate does not verify, the broker rejects ours) are not retried: the publisher
 * reports one ERROR event, drops what is queued and sends nothing more.
 */
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "output-retry.h"

namespace tsv {

struct MqttAddress {
  std::string host;
  int port = 1883;
  enum class Scheme { NONE, PLAIN, TLS } scheme = Scheme::NONE; /* as written: none, mqtt:// or mqtts:// */
};

/* Parses `host:port`, `host` (port 1883), `[v6-address]:port` or the same with an `mqtt://` or
 * `tcp://` prefix, or an `mqtts://` / `ssl://` one (TLS, port 8883 when left out). Returns false
 * with a reason in `error` (e.g. an unknown scheme, a bad port). */
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
  /* TLS: on when `tls`; the broker's certificate is verified against ca_file, or the system's
   * CA store when it is empty. cert_file + key_file (PEM, unencrypted): our certificate, for
   * brokers that require one. */
  bool tls = false;
  std::string ca_file, cert_file, key_file;
  /* MQTT username/password; has_password tells an empty password from none. */
  std::string username, password;
  bool has_password = false;
};

/* ERROR: a failure another attempt cannot mend; the publisher has given up (see above). Called
 * from the publisher thread (never while the publisher holds its queue lock). */
using MqttEventLevel = OutputEventLevel;
using MqttEventCallback = OutputEventCallback;

class MqttPublisher {
public:
  /* Starts the publisher thread, which connects in the background. Returns nullptr with a reason
   * in `error` when the configuration is unusable (bad topic, client id; a TLS file that cannot
   * be read or parsed, a key that does not match its certificate) or the thread cannot start; an
   * unreachable broker is not an error (results are queued, `on_event` is told). */
  static std::unique_ptr<MqttPublisher> start(const MqttPublisherConfig &config, MqttEventCallback on_event,
                                              std::string &error);
  ~MqttPublisher(); /* stop() */

  /* Queues one message (the streaming thread): a lock, a move and at most one eventfd write; never
   * waits for the network. Drops the oldest queued message(s) beyond queue_size. Returns false
   * (and queues nothing) once the publisher has given up on a permanent failure. */
  bool publish(std::string payload);

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
