/* TsvisionAnalyticsMeta: tsanalytics' results on a buffer, for tsexport, tsoverlay and any other element
 * (a custom meta: gst_buffer_get_custom_meta(buffer, "TsvisionAnalyticsMeta")). Its structure,
 * `tsvision-analytics`:
 *   events  (string)  JSON array of the events confirmed on this frame (ts-runtime/api.d.ts AnalyticsEvent)
 *   counts  (string)  JSON object of the running totals (AnalyticsCounts)
 *   motion  (string)  JSON object: track id → {heading (degrees clockwise from up), speed (pixels/s)}
 *   lines   (array of `line` structures)  name, points (array of doubles x0, y0, x1, …, pixels), in, out (gint64)
 *   zones   (array of `zone` structures)  name, points, occupancy (gint64), overcrowded (boolean)
 *   crossed (array of gint64)  track ids of the objects that crossed a line on this frame */
#pragma once

#include <gst/gst.h>

#include <memory>

#include "host/host-api.h"

namespace tsv {

void frame_add_analytics(GstBuffer *buffer, const AnalyticsResult &analytics);

/* The buffer's TsvisionAnalyticsMeta, or nullptr. */
std::shared_ptr<const AnalyticsResult> frame_read_analytics(GstBuffer *buffer);

} // namespace tsv
