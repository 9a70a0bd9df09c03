#include "element-stats.h"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <netdb.h>
#include <map>
#include <set>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include "ts-settings.h"

GST_DEBUG_CATEGORY_STATIC(tsvision_stats_debug);
#define GST_CAT_DEFAULT tsvision_stats_debug

namespace tsv {

void Samples::add(double ms) {
  if (ring_.size() < WINDOW)
    ring_.push_back(ms);
  else
    ring_[next_] = ms;
  next_ = (next_ + 1) % WINDOW;
  sum_ms_ += ms;
  count_++;
}

double Samples::quantile(double q) const {
  if (ring_.empty())
    return NAN;
  std::vector<double> sorted = ring_;
  size_t k = std::min(sorted.size() - 1, (size_t)std::floor(q * (double)(sorted.size() - 1) + 0.5));
  std::nth_element(sorted.begin(), sorted.begin() + k, sorted.end());
  return sorted[k];
}

/* ---- the process's registry and its HTTP endpoint ---------------------------------------------- */

namespace {

std::mutex g_registry_mutex;
std::set<ElementStats *> g_registry;

struct Family {
  const char *name, *type, *help;
};
const Family COUNTS[] = {
    {"tsvision_frames_total", "counter", "Frames an element has passed on."},
    {"tsvision_frames_dropped_total", "counter", "Frames an element has dropped."},
    {"tsvision_frames_waiting", "gauge", "Frames handed to the runtime and not yet passed on."},
    {"tsvision_restarts_total", "counter", "Times an element's hook runtime was restarted after a hook-timeout."},
};

/* By Phase: the message's fields and the metric family (a summary over the last 1024 frames). */
struct PhaseName {
  const char *p50, *p99, *family, *help;
};
const PhaseName PHASES[N_PHASES] = {
    {"frame-p50-ms", "frame-p99-ms", "tsvision_frame_seconds", "An element's time per frame."},
    {"hook-p50-ms", "hook-p99-ms", "tsvision_hook_seconds", "Time in an element's hooks per frame."},
    {"model-p50-ms", "model-p99-ms", "tsvision_model_seconds", "Time in an element's model runs per frame."},
    {"preprocess-p50-ms", "preprocess-p99-ms", "tsvision_preprocess_seconds", "Time preprocessing a frame for the model."},
    {"decode-p50-ms", "decode-p99-ms", "tsvision_decode_seconds", "Time decoding a frame's model outputs, NMS included."},
    {"meta-p50-ms", "meta-p99-ms", "tsvision_meta_seconds", "Time writing a frame's results as metadata."},
};

/* Every live element's figures, each family's samples together under its HELP and TYPE. */
std::string prometheus_text() {
  std::map<std::string, std::string> samples;
  {
    std::lock_guard<std::mutex> lock(g_registry_mutex);
    for (ElementStats *s : g_registry)
      s->write_prometheus(samples);
  }
  std::string out;
  auto family = [&](const char *name, const char *type, const std::string &help) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + samples[name];
  };
  for (const Family &f : COUNTS)
    family(f.name, f.type, f.help);
  for (const PhaseName &p : PHASES)
    family(p.family, "summary", std::string(p.help) + " (quantiles over the last 1024 frames)");
  return out;
}

/* Whether an HTTP request line asks for the metrics: GET /metrics (a query string allowed) or GET /. */
bool wants_metrics(const std::string &request) {
  if (request.rfind("GET ", 0) != 0)
    return false;
  size_t end = request.find_first_of(" \r\n", 4);
  std::string path = request.substr(4, end == std::string::npos ? std::string::npos : end - 4);
  path = path.substr(0, path.find('?'));
  return path == "/metrics" || path == "/";
}

void serve(int fd) {
  char buf[2048];
  ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
  if (n <= 0)
    return;
  buf[n] = 0;
  std::string request(buf);
  std::string response;
  if (wants_metrics(request)) {
    std::string body = prometheus_text();
    response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: " +
               std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  } else {
    response = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  }
  const char *p = response.data();
  size_t left = response.size();
  while (left > 0) {
    ssize_t w = send(fd, p, left, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      break;
    p += w;
    left -= (size_t)w;
  }
}

/* Starts the endpoint once per process when TSVISION_METRICS_ADDRESS is set (a detached thread:
 * it lives as long as the process). */
void start_metrics_server() {
  static std::once_flag once;
  std::call_once(once, [] {
    const char *address = g_getenv("TSVISION_METRICS_ADDRESS");
    if (!address || !*address)
      return;
    /* HOST:PORT, [IPv6]:PORT, or PORT alone (127.0.0.1). */
    std::string a = address;
    size_t colon = a.rfind(':');
    std::string host = colon == std::string::npos ? "127.0.0.1" : a.substr(0, colon);
    std::string port = colon == std::string::npos ? a : a.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
      host = host.substr(1, host.size() - 2);
    char *end = nullptr;
    guint64 port_number = g_ascii_strtoull(port.c_str(), &end, 10);
    if (host.empty() || port.empty() || *end || port_number < 1 || port_number > 65535) {
      g_printerr("tsvision: TSVISION_METRICS_ADDRESS=%s is not HOST:PORT (e.g. 127.0.0.1:9464): no metrics endpoint\n",
                 address);
      return;
    }
    struct addrinfo hints = {}, *res = nullptr;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res);
    if (rc != 0 || !res) {
      g_printerr("tsvision: TSVISION_METRICS_ADDRESS=%s: cannot resolve host \"%s\" (%s): no metrics endpoint\n", address,
                 host.c_str(), gai_strerror(rc));
      return;
    }
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd >= 0)
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 16) != 0) {
      g_printerr("tsvision: TSVISION_METRICS_ADDRESS=%s: cannot listen: %s: no metrics endpoint\n", address,
                 g_strerror(errno));
      if (fd >= 0)
        close(fd);
      freeaddrinfo(res);
      return;
    }
    freeaddrinfo(res);
    GST_INFO("serving metrics on http://%s/metrics", address);
    std::thread([fd] {
      for (;;) {
        int c = accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0) {
          if (errno == EINTR || errno == ECONNABORTED)
            continue;
          return;
        }
        struct timeval tv = {2, 0};
        setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        serve(c);
        close(c);
      }
    }).detach();
  });
}

std::string escape_label(const std::string &s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"')
      out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string number(double v) {
  if (std::isnan(v))
    return "NaN";
  /* Nine significant digits: nanoseconds of a duration in seconds, without binary noise (0.99, not 0.98999…). */
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  return g_ascii_formatd(buf, sizeof buf, "%.9g", v);
}

} // namespace

GParamSpec *stats_interval_param_spec() {
  return setting_param_spec(generated::kBaseSpecs[generated::BASE_STATS_INTERVAL]);
}

double stats_interval_default() { return generated::kBaseSpecs[generated::BASE_STATS_INTERVAL].default_number; }

ElementStats::ElementStats(GstElement *element, const char *kind) : element_(element), kind_(kind) {
  static std::once_flag once;
  std::call_once(once, [] { GST_DEBUG_CATEGORY_INIT(tsvision_stats_debug, "tsvision-stats", 0, "tsvision element figures"); });
  start_metrics_server();
  src_pad_ = gst_element_get_static_pad(element, "src");
  if (src_pad_)
    eos_probe_ = gst_pad_add_probe(src_pad_, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_src_event, this, nullptr);
  std::lock_guard<std::mutex> lock(g_registry_mutex);
  g_registry.insert(this);
}

ElementStats::~ElementStats() {
  if (src_pad_) {
    if (eos_probe_)
      gst_pad_remove_probe(src_pad_, eos_probe_);
    gst_object_unref(src_pad_);
  }
  std::lock_guard<std::mutex> lock(g_registry_mutex);
  g_registry.erase(this);
}

GstPadProbeReturn ElementStats::on_src_event(GstPad *, GstPadProbeInfo *info, gpointer self) {
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT(info);
  if (event && GST_EVENT_TYPE(event) == GST_EVENT_EOS)
    static_cast<ElementStats *>(self)->post_at_eos();
  return GST_PAD_PROBE_OK;
}

void ElementStats::reset() {
  std::lock_guard<std::mutex> lock(mutex_);
  frames_ = dropped_ = 0;
  waiting_ = restarts_ = 0;
  for (Samples &samples : phases_)
    samples = Samples();
  last_post_us_ = g_get_monotonic_time();
  frames_at_last_post_ = 0;
}

void ElementStats::frame_done(const FrameFigures &figures) {
  std::lock_guard<std::mutex> lock(mutex_);
  frames_++;
  for (int i = 0; i < N_PHASES; i++)
    if (figures.ms[i] >= 0)
      phases_[i].add(figures.ms[i]);
}

void ElementStats::frame_done(double frame_ms) {
  FrameFigures figures;
  figures.ms[PHASE_FRAME] = frame_ms;
  frame_done(figures);
}

void ElementStats::frame_dropped() {
  std::lock_guard<std::mutex> lock(mutex_);
  dropped_++;
}

void ElementStats::set_waiting(uint32_t frames) {
  std::lock_guard<std::mutex> lock(mutex_);
  waiting_ = frames;
}

void ElementStats::set_restarts(uint32_t restarts) {
  std::lock_guard<std::mutex> lock(mutex_);
  restarts_ = restarts;
}

GstStructure *ElementStats::snapshot_locked(double elapsed_s) const {
  double fps = elapsed_s > 0 ? (double)(frames_ - frames_at_last_post_) / elapsed_s : 0;
  GstStructure *s = gst_structure_new("tsvision-stats", "frames", G_TYPE_UINT64, (guint64)frames_, "fps",
                                      G_TYPE_DOUBLE, fps, nullptr);
  /* Percentiles only of what has samples: no NaN fields. */
  auto percentiles = [s](const char *p50, const char *p99, const Samples &samples) {
    if (samples.count() > 0)
      gst_structure_set(s, p50, G_TYPE_DOUBLE, samples.quantile(0.5), p99, G_TYPE_DOUBLE, samples.quantile(0.99),
                        nullptr);
  };
  for (int i = 0; i < N_PHASES; i++)
    percentiles(PHASES[i].p50, PHASES[i].p99, phases_[i]);
  gst_structure_set(s, "waiting", G_TYPE_UINT, waiting_, "dropped", G_TYPE_UINT64, (guint64)dropped_, "restarts",
                    G_TYPE_UINT, restarts_, nullptr);
  return s;
}

void ElementStats::post_at_eos() {
  GstStructure *s = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (interval_s_ <= 0 || frames_ == frames_at_last_post_)
      return;
    gint64 now = g_get_monotonic_time();
    s = snapshot_locked((double)(now - last_post_us_) / 1e6);
    last_post_us_ = now;
    frames_at_last_post_ = frames_;
  }
  gst_element_post_message(element_, gst_message_new_element(GST_OBJECT(element_), s));
}

void ElementStats::maybe_post(double interval_s) {
  GstStructure *s = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    interval_s_ = interval_s;
    if (interval_s <= 0)
      return;
    gint64 now = g_get_monotonic_time();
    double elapsed = (double)(now - last_post_us_) / 1e6;
    if (elapsed < interval_s)
      return;
    s = snapshot_locked(elapsed);
    last_post_us_ = now;
    frames_at_last_post_ = frames_;
  }
  gst_element_post_message(element_, gst_message_new_element(GST_OBJECT(element_), s));
}

void ElementStats::write_prometheus(std::map<std::string, std::string> &families) const {
  gchar *name = gst_object_get_name(GST_OBJECT(element_));
  std::string labels = "element=\"" + escape_label(name ? name : "") + "\",kind=\"" + escape_label(kind_) + "\"";
  g_free(name);
  std::lock_guard<std::mutex> lock(mutex_);
  auto sample = [&](const char *family, const std::string &suffix, const std::string &extra, const std::string &value) {
    families[family] += std::string(family) + suffix + "{" + labels + extra + "} " + value + "\n";
  };
  sample("tsvision_frames_total", "", "", std::to_string(frames_));
  sample("tsvision_frames_dropped_total", "", "", std::to_string(dropped_));
  sample("tsvision_frames_waiting", "", "", std::to_string(waiting_));
  sample("tsvision_restarts_total", "", "", std::to_string(restarts_));
  auto summary = [&](const char *family, const Samples &s) {
    if (s.count() == 0)
      return;
    for (double q : {0.5, 0.99})
      sample(family, "", ",quantile=\"" + number(q) + "\"", number(s.quantile(q) / 1000));
    sample(family, "_sum", "", number(s.sum_ms() / 1000));
    sample(family, "_count", "", std::to_string(s.count()));
  };
  for (int i = 0; i < N_PHASES; i++)
    summary(PHASES[i].family, phases_[i]);
}

} // namespace tsv
