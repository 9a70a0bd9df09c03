/**
 * SECTION:element-tsanalytics
 *
 * Lines, zones, dwell, direction and counts on tracked objects (tstrack's ids, or any ROI metas
 * with DL Streamer's `object_id`). The rules — polylines with a direction and polygons, in pixels or
 * normalised — come from `config` (a JSON file, schema in elements/analytics/rules.schema.json,
 * re-read when it changes) or `rules` (the same JSON inline); either may be set while playing and
 * takes effect at the next frame, counts surviving for rules that keep their name. The rule engine
 * (elements/analytics) runs in the embedded Node runtime.
 *
 * A crossing (or a zone entry / exit) counts once the object's anchor (`anchor`, bottom-centre by
 * default) has moved at least `min-distance` pixels past the line and stayed on the new side for
 * `min-frames` frames, so a box that flickers on the line counts nothing and a track that comes
 * back counts the other way. Predicted boxes count only with `count-predicted`; past-frame objects
 * that tstrack reports late (fill-gaps) are taken in time order, never twice.
 *
 * Results: an element message `tsanalytics-event` per event (`type` line-crossed, zone-entered,
 * zone-left, dwell, overcrowded or cleared, with `line`/`zone`, `direction`, `track-id`, `label`,
 * `frame`, `pts`…), a `tsanalytics-counts` message every `counts-interval` seconds, and on every
 * buffer a TsvisionAnalyticsMeta (analytics-results.h) with the frame's events, the running counts,
 * each object's motion and the rules' geometry — tsexport writes `events` and `counts` into each
 * JSON line, tsoverlay draws the lines and zones. The element reads no pixels: any raw video, any
 * caps features (memory:NVMM included) pass through.
 *
 * A hook module (`module=`) may add rules (`rules(frame, ctx)` returning events) and enrich, filter
 * or publish events (`onEvent(event, ctx)`); see `AnalyticsHook` in ts-runtime/api.d.ts.
 *
 * ## Example
 * |[
 * gst-launch-1.0 filesrc location=video.mp4 ! decodebin ! \
 *   tsdetect model=yolox_nano_416.onnx object-class=person ! tstrack ! \
 *   tsanalytics rules='{"lines": [{"name": "door", "points": [[320, 0], [320, 480]]}]}' ! \
 *   tsexport location=counts.jsonl ! fakesink
 * ]|
 */
#include "gsttsanalytics.h"

#include <memory>

#include "analytics-results.h"

GST_DEBUG_CATEGORY_STATIC(gst_ts_analytics_debug);
#define GST_CAT_DEFAULT gst_ts_analytics_debug

/* The properties (config, rules, anchor, min-distance, …) are declared in ts-runtime/src/settings/analytics.ts. */
struct _GstTsAnalytics {
  GstTsFilter parent;
  /* The rules' geometry the runtime sent last (it sends it only when it changes), and as the meta's GVariant
   * that every buffer references; streaming thread only. */
  std::shared_ptr<const tsv::AnalyticsResult> *geometry;
  GVariant *geometry_variant;
};

G_DEFINE_TYPE(GstTsAnalytics, gst_ts_analytics, GST_TYPE_TS_FILTER);
GST_ELEMENT_REGISTER_DEFINE(tsanalytics, "tsanalytics", GST_RANK_NONE, GST_TYPE_TS_ANALYTICS);

/* Objects pass unchanged; the frame's results, with the latest geometry, become its TsvisionAnalyticsMeta. */
static void gst_ts_analytics_apply_result(GstTsFilter *filter, GstBuffer *buffer, const tsv::Result &result) {
  GstTsAnalytics *self = GST_TS_ANALYTICS(filter);
  if (!result.analytics)
    return;
  if (result.analytics->has_geometry || !self->geometry_variant) {
    if (result.analytics->has_geometry)
      *self->geometry = result.analytics;
    if (self->geometry_variant)
      g_variant_unref(self->geometry_variant);
    self->geometry_variant = tsv::analytics_geometry_new(*self->geometry ? **self->geometry : tsv::AnalyticsResult());
  }
  tsv::frame_add_analytics(buffer, *result.analytics, self->geometry_variant);
}

static void gst_ts_analytics_finalize(GObject *object) {
  GstTsAnalytics *self = GST_TS_ANALYTICS(object);
  delete self->geometry;
  if (self->geometry_variant)
    g_variant_unref(self->geometry_variant);
  G_OBJECT_CLASS(gst_ts_analytics_parent_class)->finalize(object);
}

static void gst_ts_analytics_class_init(GstTsAnalyticsClass *klass) {
  GstElementClass *element_class = GST_ELEMENT_CLASS(klass);
  GstTsFilterClass *filter_class = GST_TS_FILTER_CLASS(klass);

  GST_DEBUG_CATEGORY_INIT(gst_ts_analytics_debug, "tsanalytics", 0, "tsvision line, zone and count analytics");
  G_OBJECT_CLASS(klass)->finalize = gst_ts_analytics_finalize;

  gst_element_class_set_static_metadata(
      element_class, "tsvision analytics", "Filter/Analyzer/Video",
      "Counts tracked objects crossing lines and entering, leaving and dwelling in zones (rules in JSON); posts "
      "events and counts and attaches them to each buffer",
      "tsvision developers");

  gst_ts_filter_class_set_kind(filter_class, "analytics", GST_TS_FILTER_READS_METADATA);
  filter_class->debug_category = gst_ts_analytics_debug;
  filter_class->apply_result = gst_ts_analytics_apply_result;
}

static void gst_ts_analytics_init(GstTsAnalytics *self) {
  self->geometry = new std::shared_ptr<const tsv::AnalyticsResult>();
}
