/* tsvision — figures every element keeps about itself: frames, fps, latency percentiles of its hook,
 * its model runs and its whole per-frame work, frames waiting, frames dropped, restarts.
 *
 * They reach users two ways: an element message `tsvision-stats` every `stats-interval` seconds (and
 * once more when EOS leaves the element, so that the last message has the whole stream's frames), and,
 * when the process has TSVISION_METRICS_ADDRESS=HOST:PORT in its environment, an HTTP endpoint that
 * serves every live element's figures in the Prometheus text format (GET /metrics).
 *
 * The message's percentile fields (frame-, hook-, model-p50/p99-ms) are present only when the element
 * has samples of them: an element without hooks or a model (tstrack without a module, tsexport,
 * tsoverlay) posts no hook-* / model-* fields, as the endpoint serves no summary without samples. */
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

/* The `stats-interval` property (name, nick, blurb, range, default) of the elements that install their
 * properties themselves (tsexport, tsoverlay): made from the runtime-hosted elements' declaration of
 * it (ts-runtime/src/settings/base.ts), so that every tsvision element has the same one. */
GParamSpec *stats_interval_param_spec();
double stats_interval_default();

/* What an element's time on a frame is spent on (each a figure in the message and a metric family). */
enum Phase { PHASE_FRAME, PHASE_HOOK, PHASE_MODEL, PHASE_PREPROCESS, PHASE_DECODE, PHASE_META, N_PHASES };

/* One frame's milliseconds by phase; < 0: the phase did not happen for it. */
struct FrameFigures {
  double ms[N_PHASES] = {-1, -1, -1, -1, -1, -1};
};

class ElementStats {
public:
  /* `kind`: "detect", "track", "export", … (a label of the metrics). Registers the element for the
   * metrics endpoint (starting it on first use) until destroyed, and watches EOS on its "src" pad. */
  ElementStats(GstElement *element, const char *kind);
  ~ElementStats();
  ElementStats(const ElementStats &) = delete;
  ElementStats &operator=(const ElementStats &) = delete;

  /* A frame went out: its figures (PHASE_FRAME: the element's whole time for it). */
  void frame_done(const FrameFigures &figures);
  /* The same, for elements that only have the whole time. */
  void frame_done(double frame_ms);
  void frame_dropped();
  void set_waiting(uint32_t frames);
  void set_restarts(uint32_t restarts);
  /* Posts `tsvision-stats` when `interval_s` (> 0) has passed since the last one (streaming thread).
   * The interval is remembered for the message at EOS. */
  void maybe_post(double interval_s);
  /* Starts counting anew (element start). */
  void reset();

  /* Appends this element's samples in the Prometheus text format, by metric family. */
  void write_prometheus(std::map<std::string, std::string> &families) const;

private:
  GstStructure *snapshot_locked(double elapsed_s) const;
  /* Posts the message at EOS, unless stats are off or the last message already had every frame. */
  void post_at_eos();
  static GstPadProbeReturn on_src_event(GstPad *pad, GstPadProbeInfo *info, gpointer self);

  GstElement *element_;
  std::string kind_;
  mutable std::mutex mutex_;
  uint64_t frames_ = 0, dropped_ = 0;
  uint32_t waiting_ = 0, restarts_ = 0;
  Samples phases_[N_PHASES];
  gint64 last_post_us_ = 0;
  uint64_t frames_at_last_post_ = 0;
  double interval_s_ = 0; /* the last interval maybe_post() was given */
  GstPad *src_pad_ = nullptr;
  gulong eos_probe_ = 0;
};

} // namespace tsv
