/* tsvision — figures every element keeps about itself: frames, fps, latency percentiles of its hook,
 * its model runs and its whole per-frame work, frames waiting, frames dropped, restarts.
 *
 * They reach users two ways: an element message `tsvision-stats` every `stats-interval` seconds, and,
 * when the process has TSVISION_METRICS_ADDRESS=HOST:PORT in its environment, an HTTP endpoint that
 * serves every live element's figures in the Prometheus text format (GET /metrics). */
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace tsv {

/* The last WINDOW samples of a duration, for percentiles. */
class Samples {
public:
  void add(double ms);
  /* q in 0..1; NaN when there are no samples. */
  double quantile(double q) const;
  double sum_ms() const { return sum_ms_; }
  uint64_t count() const { return count_; }

private:
  static constexpr size_t WINDOW = 1024;
  std::vector<double> ring_;
  size_t next_ = 0;
  double sum_ms_ = 0;
  uint64_t count_ = 0;
};

class ElementStats {
public:
  /* `kind`: "detect", "track", "export", … (a label of the metrics). */
  ElementStats(GstElement *element, const char *kind);
  ~ElementStats();
  ElementStats(const ElementStats &) = delete;
  ElementStats &operator=(const ElementStats &) = delete;

  /* A frame went out: `frame_ms` the element's time for it, hook_ms / model_ms < 0 when none. */
  void frame_done(double frame_ms, double hook_ms = -1, double model_ms = -1);
  void frame_dropped();
  void set_waiting(uint32_t frames);
  void set_restarts(uint32_t restarts);
  /* Posts `tsvision-stats` when `interval_s` (> 0) has passed since the last one (streaming thread). */
  void maybe_post(double interval_s);
  /* Starts counting anew (element start). */
  void reset();

  /* Appends this element's samples in the Prometheus text format, by metric family. */
  void write_prometheus(std::map<std::string, std::string> &families) const;

private:
  GstStructure *snapshot_locked(double interval_s) const;

  GstElement *element_;
  std::string kind_;
  mutable std::mutex mutex_;
  uint64_t frames_ = 0, dropped_ = 0;
  uint32_t waiting_ = 0, restarts_ = 0;
  Samples frame_, hook_, model_;
  gint64 last_post_us_ = 0;
  uint64_t frames_at_last_post_ = 0;
};

} // namespace tsv
