/* TsvisionAnalyticsMeta: tsanalytics' results on a buffer, for tsexport, tsoverlay and any other element
 * (a custom meta: gst_buffer_get_custom_meta(buffer, "TsvisionAnalyticsMeta")). Its structure,
 * `tsvision-analytics`:
 *   events      (string)  JSON array of the events confirmed on this frame (ts-runtime/api.d.ts AnalyticsEvent)
 *   counts      (string)  JSON object of the running totals (AnalyticsCounts)
 *   motion      (string)  JSON object: track id → {heading (degrees clockwise from up), speed (pixels/s)}
 *   geometry    (GVariant `(a(sad)a(sad))`)  the lines, then the zones: (name, [x0, y0, x1, y1, …]) in frame
 *               pixels. The same (referenced, immutable) GVariant on every buffer until the rules or the frame
 *               size change, so a reader may keep what it derived from it while the pointer stays the same.
 *   line-counts (GVariant `ax`)  in, out of each line of `geometry`, in its order
 *   zone-counts (GVariant `ax`)  occupancy, overcrowded (0 / 1) of each zone of `geometry`
 *   crossed     (GVariant `ax`)  track ids of the objects that crossed a line on this frame
 * GVariants because they are built once per rules change and referenced by each buffer: a structure per rule
 * and a GValue per point cost ~40 µs a frame with 40 rules. */
#pragma once

#include <gst/gst.h>

#include <memory>

#include "host/host-api.h"

namespace tsv {

/* The rules' geometry (`lines` and `zones` of `analytics`) as the meta's `geometry` GVariant (a new reference). */
GVariant *analytics_geometry_new(const AnalyticsResult &analytics);

/* Writes the meta: `analytics`' events, counts, motion and figures, with `geometry` (from
 * analytics_geometry_new(), referenced by the meta). */
void frame_add_analytics(GstBuffer *buffer, const AnalyticsResult &analytics, GVariant *geometry);

/* The buffer's TsvisionAnalyticsMeta, or nullptr. */
std::shared_ptr<const AnalyticsResult> frame_read_analytics(GstBuffer *buffer);

} // namespace tsv
