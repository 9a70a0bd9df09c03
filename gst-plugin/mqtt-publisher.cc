#include "mqtt-publisher.h"

#include <mosquitto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <mutex>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <thread>
#include <unistd.h>

namespace tsv {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

/* Unacknowledged messages at a time (libmosquitto's own in-flight limit is 20). */
constexpr size_t kWindow = 16;
/* A TCP connect + CONNACK that takes longer than this is abandoned and retried. */
constexpr milliseconds kConnectTimeout{5000};
/* Dropped-result warnings: the first at once, then at most one per interval. */
constexpr milliseconds kDropReportInterval{5000};
/* stop(): how long past the flush timeout to wait for a stuck thread before leaving it. */
constexpr milliseconds kStopGrace{1000};

int ms_until(Clock::time_point t, Clock::time_point now) {
  if (t <= now)
    return 0;
  auto ms = std::chrono::duration_cast<milliseconds>(t - now).count() + 1;
  return (int)std::min<long long>(ms, 60'000);
}

/* libmosquitto's messages end with a full stop; ours go on after them. */
std::string without_full_stop(std::string s) {
  while (!s.empty() && (s.back() == '.' || s.back() == ' '))
    s.pop_back();
  return s;
}

std::string mosq_error(int rc, int err) {
  if (rc == MOSQ_ERR_ERRNO)
    return err ? strerror(err) : "system error";
  if (rc == MOSQ_ERR_EAI)
    return std::string("cannot resolve the host name: ") + gai_strerror(err);
  return without_full_stop(mosquitto_strerror(rc));
}

/* OpenSSL's error text without its codes: "error:0A000086:SSL routines::certificate verify
 * failed" -> "certificate verify failed". */
std::string openssl_reason(const std::string &text) {
  auto colons = text.rfind("::");
  if (colons != std::string::npos)
    return text.substr(colons + 2);
  auto colon = text.rfind(':');
  return colon == std::string::npos ? text : text.substr(colon + 1);
}

std::string openssl_last_error() {
  unsigned long e = ERR_peek_last_error();
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return e ? openssl_reason(buf) : "not in PEM format";
}

/* Encrypted keys are not supported: without this OpenSSL would ask for the passphrase on the
 * terminal, from the publisher thread. */
int no_passphrase(char *, int, int, void *) { return 0; }

/* Reads the TLS files as libmosquitto will at each connection, so that a wrong path or a file that
 * is not what its property says is an error at start, not a connection that fails later. */
std::string check_tls_files(const MqttPublisherConfig &c) {
  auto quoted = [](const char *property, const std::string &file) {
    return std::string(property) + " \"" + file + "\"";
  };
  const std::pair<const char *, const std::string *> files[] = {
      {"mqtt-ca-file", &c.ca_file}, {"mqtt-cert-file", &c.cert_file}, {"mqtt-key-file", &c.key_file}};
  for (const auto &[property, file] : files) {
    if (file->empty())
      continue;
    int fd = open(file->c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      return "cannot read " + quoted(property, *file) + ": " + strerror(errno);
    close(fd);
  }
  if (c.cert_file.empty() != c.key_file.empty())
    return c.cert_file.empty() ? quoted("mqtt-key-file", c.key_file) + " is set without mqtt-cert-file: set both"
                               : quoted("mqtt-cert-file", c.cert_file) + " is set without mqtt-key-file: set both";
  SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
  if (!ctx)
    return "cannot initialise TLS: " + openssl_last_error();
  SSL_CTX_set_default_passwd_cb(ctx, no_passphrase);
  ERR_clear_error();
  std::string error;
  if (!c.ca_file.empty() && SSL_CTX_load_verify_locations(ctx, c.ca_file.c_str(), nullptr) != 1)
    error = quoted("mqtt-ca-file", c.ca_file) + " holds no usable PEM certificate: " + openssl_last_error();
  else if (!c.cert_file.empty() && SSL_CTX_use_certificate_chain_file(ctx, c.cert_file.c_str()) != 1)
    error = quoted("mqtt-cert-file", c.cert_file) + " is not a usable PEM certificate: " + openssl_last_error();
  else if (!c.key_file.empty() && SSL_CTX_use_PrivateKey_file(ctx, c.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    std::string reason = openssl_last_error();
    error = reason == "key values mismatch"
                ? quoted("mqtt-key-file", c.key_file) + " is not the key of " + quoted("mqtt-cert-file", c.cert_file)
                : quoted("mqtt-key-file", c.key_file) + " is not an unencrypted PEM private key: " + reason;
  } else if (!c.key_file.empty() && SSL_CTX_check_private_key(ctx) != 1)
    error = quoted("mqtt-key-file", c.key_file) + " does not match the certificate of " +
            quoted("mqtt-cert-file", c.cert_file) + ": " + openssl_last_error();
  SSL_CTX_free(ctx);
  ERR_clear_error();
  return error;
}

/* TLS alerts by which a broker rejects our certificate (or the lack of one). */
bool is_client_certificate_alert(const std::string &reason) {
  for (const char *alert : {"alert certificate required", "alert bad certificate", "alert unknown ca",
                            "alert certificate unknown", "alert certificate expired", "alert certificate revoked",
                            "alert access denied"})
    if (reason.find(alert) != std::string::npos)
      return true;
  return false;
}

} // namespace

bool mqtt_parse_address(const std::string &text, MqttAddress &out, std::string &error) {
  std::string s = text;
  auto scheme_end = s.find("://");
  if (scheme_end != std::string::npos) {
    std::string scheme = s.substr(0, scheme_end);
    std::transform(scheme.begin(), scheme.end(), scheme.begin(), ::tolower);
    if (scheme == "mqtt" || scheme == "tcp") {
      out.scheme = MqttAddress::Scheme::PLAIN;
    } else if (scheme == "mqtts" || scheme == "ssl") {
      out.scheme = MqttAddress::Scheme::TLS;
    } else {
      error = "unsupported scheme \"" + scheme + "://\" (mqtt:// or tcp:// for plain TCP, mqtts:// or ssl:// for TLS)";
      return false;
    }
    s = s.substr(scheme_end + 3);
  }
  if (!s.empty() && s.back() == '/')
    s.pop_back();
  if (s.empty()) {
    error = "no host";
    return false;
  }
  std::string host, port;
  if (s[0] == '[') { /* [v6-address]:port */
    auto close = s.find(']');
    if (close == std::string::npos) {
      error = "unterminated [ in an IPv6 address";
      return false;
    }
    host = s.substr(1, close - 1);
    std::string rest = s.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') {
        error = "expected :port after ]";
        return false;
      }
      port = rest.substr(1);
      if (port.empty()) {
        error = "empty port";
        return false;
      }
    }
  } else {
    auto colon = s.rfind(':');
    if (colon != std::string::npos && s.find(':') != colon) {
      error = "an IPv6 address must be written in brackets, e.g. [::1]:1883";
      return false;
    }
    host = colon == std::string::npos ? s : s.substr(0, colon);
    if (colon != std::string::npos) {
      port = s.substr(colon + 1);
      if (port.empty()) {
        error = "empty port";
        return false;
      }
    }
  }
  if (host.empty()) {
    error = "no host";
    return false;
  }
  for (char c : host) {
    if (c == '/' || c == '@' || c == '?' || c == '#' || (unsigned char)c <= ' ') {
      error = "invalid character in the host name \"" + host + "\"";
      return false;
    }
  }
  int p = out.scheme == MqttAddress::Scheme::TLS ? 8883 : 1883;
  if (!port.empty()) {
    char *end = nullptr;
    errno = 0;
    long v = strtol(port.c_str(), &end, 10);
    if (errno || *end || v < 1 || v > 65535 || !isdigit((unsigned char)port[0])) {
      error = "invalid port \"" + port + "\" (1-65535)";
      return false;
    }
    p = (int)v;
  }
  out.host = host;
  out.port = p;
  return true;
}

static void mqtt_lib_cleanup_at_exit() { mosquitto_lib_cleanup(); }

void mqtt_lib_init_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    mosquitto_lib_init();
    atexit(mqtt_lib_cleanup_at_exit);
  });
}

struct MqttPublisher::Core {
  MqttPublisherConfig cfg;
  size_t window = kWindow;
  int wake_fd = -1;
  std::thread thread;

  /* Shared with the streaming thread (publish) and stop(). */
  std::mutex mu;
  std::deque<std::string> pending; /* not yet handed to libmosquitto, oldest first */
  size_t inflight_count = 0;       /* == inflight.size(), for the queue bound */
  uint64_t dropped_unreported = 0;
  uint64_t dropped_total = 0;
  bool failed = false; /* given up on a permanent failure: publish() queues nothing more */
  bool wake_signalled = false;
  bool stop_requested = false;
  Clock::time_point stop_deadline;

  /* The thread's end, for stop(). */
  std::mutex done_mu;
  std::condition_variable done_cv;
  bool done = false;

  /* Events: cleared by stop() when it leaves a stuck thread behind. */
  std::mutex event_mu;
  MqttEventCallback on_event;

  /* Publisher thread only. */
  struct Inflight {
    int mid;
    std::string payload;
  };
  enum class Conn { IDLE, CONNECTING, CONNECTED };
  struct mosquitto *mosq = nullptr;
  Conn conn = Conn::IDLE;
  std::deque<Inflight> inflight;
  Clock::time_point connect_started;
  int connack_rc = -1; /* set by on_connect */
  int disconnect_rc = 0, disconnect_errno = 0;
  /* This connection's last TLS error as libmosquitto logged it, and the certificate verification
   * result read at that moment (the SSL object is gone once the connection is closed). */
  std::string tls_error, verify_error;

  ~Core() {
    if (wake_fd >= 0)
      close(wake_fd);
  }

  std::string broker() const {
    std::string h = cfg.address.host.find(':') != std::string::npos ? "[" + cfg.address.host + "]" : cfg.address.host;
    return h + ":" + std::to_string(cfg.address.port);
  }

  void emit(MqttEventLevel level, const std::string &message) {
    std::lock_guard<std::mutex> lock(event_mu);
    if (on_event)
      on_event(level, message);
  }

  void wake() {
    uint64_t one = 1;
    ssize_t n = write(wake_fd, &one, sizeof one);
    (void)n;
  }

  bool enqueue(std::string payload) {
    bool signal = false;
    {
      std::lock_guard<std::mutex> lock(mu);
      if (failed)
        return false;
      pending.push_back(std::move(payload));
      while (pending.size() + inflight_count > cfg.queue_size && !pending.empty()) {
        pending.pop_front();
        dropped_unreported++;
        dropped_total++;
      }
      if (!wake_signalled) {
        wake_signalled = signal = true;
      }
    }
    if (signal)
      wake();
    return true;
  }

  /* libmosquitto callbacks (called from this thread, inside mosquitto_loop_*). */
  static void on_connect_cb(struct mosquitto *, void *obj, int rc) { static_cast<Core *>(obj)->connack_rc = rc; }
  static void on_disconnect_cb(struct mosquitto *, void *obj, int rc) {
    Core *c = static_cast<Core *>(obj);
    c->disconnect_errno = errno;
    c->disconnect_rc = rc;
  }
  static void on_publish_cb(struct mosquitto *, void *obj, int mid) { static_cast<Core *>(obj)->acked(mid); }
  /* libmosquitto reports TLS failures only in its log ("OpenSSL Error[0]: …"). */
  static void on_log_cb(struct mosquitto *m, void *obj, int level, const char *text) {
    if (level != MOSQ_LOG_ERR || !text)
      return;
    Core *c = static_cast<Core *>(obj);
    std::string t = text;
    if (t.rfind("OpenSSL Error", 0) != 0)
      return;
    auto colon = t.find("]: ");
    c->tls_error = openssl_reason(colon == std::string::npos ? t : t.substr(colon + 3));
    if (auto *ssl = static_cast<SSL *>(mosquitto_ssl_get(m))) {
      long v = SSL_get_verify_result(ssl);
      /* libmosquitto's own check of the broker's names, the one that fails without a reason. */
      if (v == X509_V_ERR_UNSPECIFIED)
        c->verify_error = "it is not issued for " + c->cfg.address.host;
      else if (v != X509_V_OK)
        c->verify_error = X509_verify_cert_error_string(v);
    }
  }

  void acked(int mid) {
    auto it = std::find_if(inflight.begin(), inflight.end(), [mid](const Inflight &m) { return m.mid == mid; });
    if (it == inflight.end())
      return;
    inflight.erase(it);
    std::lock_guard<std::mutex> lock(mu);
    inflight_count--;
  }

  void destroy_client() {
    if (mosq) {
      mosquitto_destroy(mosq);
      mosq = nullptr;
    }
    conn = Conn::IDLE;
  }

  /* The unacknowledged messages go back to the front of the queue, in order, to be sent again
   * on the next connection (a fresh client: nothing of the old session is kept). */
  void requeue_inflight() {
    std::lock_guard<std::mutex> lock(mu);
    for (auto it = inflight.rbegin(); it != inflight.rend(); ++it)
      pending.push_front(std::move(it->payload));
    inflight.clear();
    inflight_count = 0;
  }

  /* Starts a non-blocking connection. Returns "" or why it failed at once. */
  std::string start_connect() {
    connack_rc = -1;
    disconnect_rc = 0;
    disconnect_errno = 0;
    tls_error.clear();
    verify_error.clear();
    mosq = mosquitto_new(cfg.client_id.c_str(), true, this);
    if (!mosq)
      return std::string("cannot create an MQTT client: ") + strerror(errno);
    mosquitto_connect_callback_set(mosq, on_connect_cb);
    mosquitto_disconnect_callback_set(mosq, on_disconnect_cb);
    mosquitto_publish_callback_set(mosq, on_publish_cb);
    mosquitto_log_callback_set(mosq, on_log_cb);
    mosquitto_int_option(mosq, MOSQ_OPT_SEND_MAXIMUM, (int)window);
    mosquitto_int_option(mosq, MOSQ_OPT_TCP_NODELAY, 1);
    /* Every write from our poll loop, after reading what arrived, none inside connect_async: with
     * TLS 1.3 a broker rejects our certificate after the handshake, and a CONNECT written at once
     * could fail on the closed connection before its alert is read (a transient-looking error). */
    mosquitto_threaded_set(mosq, true);
    int rc = MOSQ_ERR_SUCCESS;
    if (cfg.tls) {
      if (cfg.ca_file.empty())
        mosquitto_int_option(mosq, MOSQ_OPT_TLS_USE_OS_CERTS, 1);
      rc = mosquitto_tls_set(mosq, cfg.ca_file.empty() ? nullptr : cfg.ca_file.c_str(), nullptr,
                             cfg.cert_file.empty() ? nullptr : cfg.cert_file.c_str(),
                             cfg.key_file.empty() ? nullptr : cfg.key_file.c_str(), no_passphrase);
    }
    if (rc == MOSQ_ERR_SUCCESS && (!cfg.username.empty() || cfg.has_password))
      rc = mosquitto_username_pw_set(mosq, cfg.username.c_str(), cfg.has_password ? cfg.password.c_str() : nullptr);
    errno = 0;
    if (rc == MOSQ_ERR_SUCCESS)
      rc = mosquitto_connect_async(mosq, cfg.address.host.c_str(), cfg.address.port, cfg.keepalive_s);
    if (rc != MOSQ_ERR_SUCCESS) {
      disconnect_errno = errno;
      disconnect_rc = rc; /* for permanent_failure() and connect_failed() */
      std::string why = rc == MOSQ_ERR_TLS && !tls_error.empty() ? "TLS: " + tls_error : mosq_error(rc, errno);
      destroy_client();
      return why;
    }
    conn = Conn::CONNECTING;
    connect_started = Clock::now();
    return "";
  }

  std::string closed_reason() const {
    if (connack_rc > 0)
      return "connection refused by the broker: " + without_full_stop(mosquitto_connack_string(connack_rc));
    if (!tls_error.empty())
      return "TLS: " + tls_error + (verify_error.empty() ? "" : " (" + verify_error + ")");
    if (disconnect_rc == MOSQ_ERR_KEEPALIVE)
      return "no answer from the broker (keep-alive timeout)";
    if (disconnect_rc)
      return mosq_error(disconnect_rc, disconnect_errno);
    return "connection closed";
  }

  /* Why the last connection attempt cannot succeed by trying again, naming the property to change;
   * "" when it may (the broker away, a network error). */
  std::string permanent_failure() const {
    const std::string refused = "The MQTT broker " + broker() + " refused the connection";
    if (connack_rc == 4 || connack_rc == 5) { /* bad user name or password / not authorised */
      std::string what = without_full_stop(mosquitto_connack_string(connack_rc));
      if (cfg.username.empty() && !cfg.has_password)
        return refused + " (" + what + "): it requires credentials; set mqtt-username and mqtt-password or "
                         "mqtt-password-file";
      return refused + " (" + what + "): check mqtt-username (\"" + cfg.username +
             "\") and mqtt-password or mqtt-password-file, and the broker's access rules";
    }
    if (connack_rc == 2)
      return refused + " (identifier rejected): set mqtt-client-id to an identifier it accepts (\"" + cfg.client_id +
             "\" is not)";
    if (connack_rc == 1)
      return refused + " (unacceptable protocol version): it does not speak MQTT 3.1.1";
    if (tls_error.empty())
      return "";
    if (!verify_error.empty() || tls_error.find("certificate verify failed") != std::string::npos)
      return "The certificate of the MQTT broker " + broker() + " does not verify" +
             (verify_error.empty() ? "" : " (" + verify_error + ")") + " against " +
             (cfg.ca_file.empty() ? std::string("the system's CA certificates (mqtt-ca-file is not set)")
                                  : "mqtt-ca-file \"" + cfg.ca_file + "\"") +
             ": set mqtt-ca-file to the CA certificate that signed the broker's, and mqtt-address to a host name "
             "or address the certificate names";
    if (is_client_certificate_alert(tls_error))
      return "The MQTT broker " + broker() + " rejected " +
             (cfg.cert_file.empty() ? std::string("the TLS connection without a client certificate (") + tls_error +
                                          "): set mqtt-cert-file and mqtt-key-file"
                                    : "the client certificate of mqtt-cert-file \"" + cfg.cert_file + "\" (" +
                                          tls_error + "): use one signed by a CA the broker trusts");
    if (tls_error.find("wrong version number") != std::string::npos)
      return "The MQTT broker " + broker() + " does not speak TLS on that port (" + tls_error +
             "): use mqtt:// in mqtt-address for a plain listener, or the broker's TLS port";
    return "";
  }

  /* Hands queued messages to libmosquitto while fewer than `window` are unacknowledged. Returns
   * "" or a connection error. */
  std::string pump() {
    while (inflight.size() < window) {
      std::string payload;
      {
        std::lock_guard<std::mutex> lock(mu);
        if (pending.empty())
          break;
        payload = std::move(pending.front());
        pending.pop_front();
        inflight_count++;
      }
      int mid = 0;
      errno = 0;
      int rc = mosquitto_publish(mosq, &mid, cfg.topic.c_str(), (int)payload.size(), payload.data(), 1, false);
      if (rc == MOSQ_ERR_SUCCESS) {
        inflight.push_back({mid, std::move(payload)});
        continue;
      }
      if (rc == MOSQ_ERR_PAYLOAD_SIZE || rc == MOSQ_ERR_OVERSIZE_PACKET) { /* can never be sent */
        {
          std::lock_guard<std::mutex> lock(mu);
          inflight_count--;
        }
        emit(MqttEventLevel::WARNING, "Dropped a result of " + std::to_string(payload.size()) +
                                          " bytes that the MQTT broker " + broker() + " does not accept: " +
                                          mosq_error(rc, 0));
        continue;
      }
      /* A write error: the message goes back, the connection is given up. libmosquitto may have
       * kept it, but that client is destroyed before the next connection. */
      std::string why = mosq_error(rc, errno);
      {
        std::lock_guard<std::mutex> lock(mu);
        pending.push_front(std::move(payload));
        inflight_count--;
      }
      return why;
    }
    return "";
  }

  void run();
};

void MqttPublisher::Core::run() {
  pthread_setname_np(pthread_self(), "tsexport-mqtt");
  Backoff backoff;
  Clock::time_point next_attempt = Clock::now();
  Clock::time_point last_drop_report;
  bool drop_reported = false;
  bool outage_reported = false; /* a warning is on the bus for the current outage */
  bool ever_connected = false;
  bool final_attempt = false; /* stop(): the one more try made while disconnected */
  bool gave_up = false;

  auto connect_failed = [&](const std::string &why) {
    std::string fatal = permanent_failure();
    destroy_client();
    if (!fatal.empty()) {
      requeue_inflight(); /* (empty: a connection that failed has none) */
      size_t unsent;
      {
        std::lock_guard<std::mutex> lock(mu);
        failed = true;
        unsent = pending.size();
        pending.clear();
      }
      emit(MqttEventLevel::ERROR, fatal + "; not retrying: nothing more is published" +
                                      (unsent ? " (" + std::to_string(unsent) + " queued results dropped)" : ""));
      gave_up = true;
      return;
    }
    size_t queued;
    {
      std::lock_guard<std::mutex> lock(mu);
      queued = pending.size();
    }
    if (!outage_reported) {
      emit(MqttEventLevel::WARNING,
           std::string(ever_connected ? "Cannot reconnect" : "Cannot connect") + " to the MQTT broker " + broker() +
               " (property mqtt-address): " + why + "; results are queued (at most mqtt-queue-size=" +
               std::to_string(cfg.queue_size) + ") and sent once it is reachable; retrying");
      outage_reported = true;
    } else {
      emit(MqttEventLevel::DEBUG, "MQTT broker " + broker() + ": " + why + "; " + std::to_string(queued) +
                                      " results queued, retrying in " + std::to_string(backoff.peek().count()) + " ms");
    }
    next_attempt = Clock::now() + backoff.next();
  };
  auto connection_lost = [&](const std::string &why) {
    destroy_client();
    size_t unacknowledged = inflight.size();
    requeue_inflight();
    emit(MqttEventLevel::WARNING, "Lost the connection to the MQTT broker " + broker() +
                                      " (property mqtt-address): " + why + "; reconnecting; " +
                                      std::to_string(unacknowledged) +
                                      " unacknowledged results will be sent again, and new results are "
                                      "queued (at most mqtt-queue-size=" +
                                      std::to_string(cfg.queue_size) + ")");
    outage_reported = true;
    backoff.reset();
    next_attempt = Clock::now() + backoff.peek();
  };

  for (;;) {
    if (gave_up)
      break;
    Clock::time_point now = Clock::now();
    bool stopping;
    Clock::time_point deadline;
    size_t queued;
    uint64_t dropped, dropped_total_now;
    {
      std::lock_guard<std::mutex> lock(mu);
      stopping = stop_requested;
      deadline = stop_deadline;
      queued = pending.size();
      dropped = dropped_unreported;
      dropped_total_now = dropped_total;
    }

    if (dropped && (!drop_reported || now - last_drop_report >= kDropReportInterval)) {
      {
        std::lock_guard<std::mutex> lock(mu);
        dropped_unreported -= dropped;
      }
      emit(MqttEventLevel::WARNING,
           "Dropping the oldest results: the MQTT broker " + broker() +
               (conn == Conn::CONNECTED ? " does not keep up" : " is unreachable") + " and mqtt-queue-size (" +
               std::to_string(cfg.queue_size) + ") is reached; " + std::to_string(dropped_total_now) +
               " results dropped so far");
      drop_reported = true;
      last_drop_report = now;
    }

    if (stopping) {
      if (queued == 0 && inflight.empty())
        break;
      if (now >= deadline)
        break;
      if (conn == Conn::IDLE) {
        if (final_attempt)
          break; /* the broker is still unreachable: don't wait for it */
        final_attempt = true;
        next_attempt = now;
      }
    }

    if (conn == Conn::IDLE && now >= next_attempt) {
      std::string why = start_connect();
      if (!why.empty())
        connect_failed(why);
      if (gave_up)
        continue;
    }
    if (conn == Conn::CONNECTING && connack_rc == 0) {
      conn = Conn::CONNECTED;
      backoff.reset();
      size_t n;
      {
        std::lock_guard<std::mutex> lock(mu);
        n = pending.size();
      }
      if (outage_reported)
        emit(MqttEventLevel::INFO, std::string(ever_connected ? "Reconnected" : "Connected") + " to the MQTT broker " +
                                       broker() + "; sending " + std::to_string(n) + " queued results");
      else
        emit(MqttEventLevel::DEBUG, "Connected to the MQTT broker " + broker());
      ever_connected = true;
      outage_reported = false;
    }
    if (conn == Conn::CONNECTING && now - connect_started >= kConnectTimeout)
      connect_failed("no answer within " + std::to_string(kConnectTimeout.count() / 1000) + " s");
    if (conn == Conn::CONNECTED) {
      std::string why = pump();
      if (!why.empty())
        connection_lost(why);
    }

    /* Wait for the network, a new result, a retry time or the stop deadline. */
    now = Clock::now();
    int timeout = 1000; /* keep-alive bookkeeping */
    if (conn == Conn::IDLE)
      timeout = std::min(timeout, ms_until(next_attempt, now));
    if (conn == Conn::CONNECTING)
      timeout = std::min(timeout, ms_until(connect_started + kConnectTimeout, now));
    if (stopping)
      timeout = conn == Conn::IDLE && final_attempt ? 0 : std::min(timeout, ms_until(deadline, now));
    {
      std::lock_guard<std::mutex> lock(mu);
      if (dropped_unreported)
        timeout = std::min(timeout, ms_until(last_drop_report + kDropReportInterval, now));
    }
    struct pollfd fds[2];
    nfds_t nfds = 1;
    fds[0] = {wake_fd, POLLIN, 0};
    int sock = mosq ? mosquitto_socket(mosq) : -1;
    if (sock >= 0) {
      fds[1] = {sock, (short)(POLLIN | (mosquitto_want_write(mosq) ? POLLOUT : 0)), 0};
      nfds = 2;
    }
    int n = poll(fds, nfds, timeout);
    if (n < 0 && errno != EINTR) {
      emit(MqttEventLevel::WARNING, std::string("MQTT publisher: poll() failed: ") + strerror(errno));
      std::this_thread::sleep_for(milliseconds(100));
    }
    if (n > 0 && (fds[0].revents & POLLIN)) {
      uint64_t v;
      ssize_t r = read(wake_fd, &v, sizeof v);
      (void)r;
      std::lock_guard<std::mutex> lock(mu);
      wake_signalled = false;
    }
    if (!mosq)
      continue;
    if (n > 0 && nfds == 2) {
      short re = fds[1].revents;
      if (re & (POLLIN | POLLERR | POLLHUP))
        mosquitto_loop_read(mosq, 1);
      if (mosquitto_socket(mosq) >= 0 && (re & POLLOUT))
        mosquitto_loop_write(mosq, 1);
    }
    if (mosquitto_socket(mosq) >= 0)
      mosquitto_loop_misc(mosq);
    if (mosquitto_socket(mosq) < 0) {
      if (conn == Conn::CONNECTED)
        connection_lost(closed_reason());
      else
        connect_failed(closed_reason());
    }
  }

  if (mosq && conn == Conn::CONNECTED) {
    mosquitto_disconnect(mosq); /* written at once when the socket can take it */
  }
  destroy_client();
  size_t undelivered;
  uint64_t dropped_total_now;
  {
    std::lock_guard<std::mutex> lock(mu);
    undelivered = pending.size() + inflight.size();
    dropped_total_now = dropped_total;
    pending.clear();
  }
  inflight.clear();
  if (undelivered)
    emit(MqttEventLevel::WARNING, std::to_string(undelivered) + " results were not delivered to the MQTT broker " +
                                      broker() + " before stopping (" + std::to_string(dropped_total_now) +
                                      " dropped earlier for mqtt-queue-size)");
  else if (dropped_total_now)
    emit(MqttEventLevel::WARNING, std::to_string(dropped_total_now) +
                                      " results in all were dropped for mqtt-queue-size while the MQTT broker " +
                                      broker() + " was unreachable");
  {
    std::lock_guard<std::mutex> lock(done_mu);
    done = true;
  }
  done_cv.notify_all();
}

MqttPublisher::MqttPublisher(std::shared_ptr<Core> core) : core_(std::move(core)) {}

std::unique_ptr<MqttPublisher> MqttPublisher::start(const MqttPublisherConfig &config, MqttEventCallback on_event,
                                                    std::string &error) {
  mqtt_lib_init_once();
  if (config.topic.empty() || mosquitto_pub_topic_check(config.topic.c_str()) != MOSQ_ERR_SUCCESS ||
      mosquitto_validate_utf8(config.topic.c_str(), (int)config.topic.size()) != MOSQ_ERR_SUCCESS) {
    error = "invalid topic \"" + config.topic + "\" (property mqtt-topic): it must be non-empty UTF-8 without "
            "the wildcards + and #";
    return nullptr;
  }
  if (config.client_id.empty() || config.client_id.size() > 65535 ||
      mosquitto_validate_utf8(config.client_id.c_str(), (int)config.client_id.size()) != MOSQ_ERR_SUCCESS) {
    error = "invalid client id \"" + config.client_id + "\" (property mqtt-client-id)";
    return nullptr;
  }
  if (config.has_password && config.username.empty()) {
    error = "a password is set without mqtt-username (MQTT sends a password only with a user name)";
    return nullptr;
  }
  if (mosquitto_validate_utf8(config.username.c_str(), (int)config.username.size()) != MOSQ_ERR_SUCCESS) {
    error = "mqtt-username is not valid UTF-8";
    return nullptr;
  }
  if (!config.tls && (!config.ca_file.empty() || !config.cert_file.empty() || !config.key_file.empty())) {
    error = "mqtt-ca-file, mqtt-cert-file and mqtt-key-file are for TLS, and mqtt-address asks for plain TCP "
            "(mqtt://): use mqtts:// or host:port";
    return nullptr;
  }
  if (config.tls) {
    error = check_tls_files(config);
    if (!error.empty())
      return nullptr;
  }
  auto core = std::make_shared<Core>();
  core->cfg = config;
  core->cfg.queue_size = std::max<size_t>(1, config.queue_size);
  core->window = std::min(kWindow, core->cfg.queue_size);
  core->on_event = std::move(on_event);
  core->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (core->wake_fd < 0) {
    error = std::string("eventfd: ") + strerror(errno);
    return nullptr;
  }
  if (!start_output_thread(core, "MQTT publisher", error))
    return nullptr;
  return std::unique_ptr<MqttPublisher>(new MqttPublisher(core));
}

bool MqttPublisher::publish(std::string payload) { return core_->enqueue(std::move(payload)); }

void MqttPublisher::stop() {
  if (!core_ || !core_->thread.joinable())
    return;
  Core &core = *core_;
  stop_output_thread(core, milliseconds(core.cfg.flush_timeout_ms), kStopGrace, [&core] { core.wake(); });
}

MqttPublisher::~MqttPublisher() { stop(); }

} // namespace tsv
