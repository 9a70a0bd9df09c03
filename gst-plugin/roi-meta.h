/* Objects on buffers as GstVideoRegionOfInterestMeta, in Intel DL Streamer's convention, so that
 * tsvision reads what gvadetect/nvinfer-to-ROI bridges wrote and they read what we write:
 *   roi_type = label quark; params:
 *   "detection"    { confidence: double, label_id: int, label: string,
 *                    x_min, y_min, x_max, y_max: double (normalised 0..1) }
 *   "object_id"    { id: int }                               (tstrack; absent before confirmation)
 *   <attribute>    { label: string, label_id: int, confidence: double,
 *                    [embedding: GBytes of float32 in host byte order] }      (tsclassify)
 * Full-frame classifications (tsclassify inference-region=full-frame) go to a custom meta
 * "TsvisionClassificationMeta" whose structure has one field per attribute, holding a structure
 * of the same form as the per-object params. */
#pragma once

#include <gst/video/video.h>

#include <vector>

#include "host/host-api.h"

namespace tsv {

/* Reads every ROI meta of `buffer` (frame size `width` x `height`) in meta order; each object's
 * source_id is its meta's id (made unique among the buffer's metas when the buffer is writable). */
std::vector<Object> roi_read_all(GstBuffer *buffer, int width, int height);

/* Same, also returning the metas (so results can update them in place). */
std::vector<Object> roi_read_all(GstBuffer *buffer, int width, int height,
                                 std::vector<GstVideoRegionOfInterestMeta *> *metas);

/* The ROI metas of `buffer`, unparsed (to find the one with an Object's source_id). */
std::vector<GstVideoRegionOfInterestMeta *> roi_metas(GstBuffer *buffer);

/* Adds `object` as a new ROI meta. */
GstVideoRegionOfInterestMeta *roi_add(GstBuffer *buffer, const Object &object, int width, int height);

/* Writes the track id / classifications of `object` onto an existing meta. */
void roi_update(GstVideoRegionOfInterestMeta *meta, const Object &object);

/* Frames on which a detector skipped inference (tsdetect inference-interval) carry a custom meta
 * "TsvisionInferenceMeta" { skipped: boolean, element: string }, so that tstrack predicts instead
 * of treating the frame as empty. */
/* Full-frame classifications: replaces those of the same attribute, keeps the others. */
void frame_set_classifications(GstBuffer *buffer, const std::vector<Classification> &classifications);
std::vector<Classification> frame_read_classifications(GstBuffer *buffer);

/* Objects of earlier frames reported on a later buffer (tstrack fill-gaps) go to a custom meta
 * "TsvisionPastObjectsMeta" whose structure has a field "objects": a GstValueArray of structures
 *   past-object { frames-ago: uint, pts: guint64 (absent when unknown), track-id: int,
 *                 label: string, label-id: int, confidence: double,
 *                 x, y, width, height: double (pixels of the frame), interpolated: boolean }
 * Appends to those already there. */
void frame_add_past_objects(GstBuffer *buffer, const std::vector<PastObject> &objects);
std::vector<PastObject> frame_read_past_objects(GstBuffer *buffer);

void frame_mark_inference_skipped(GstBuffer *buffer, const char *element_name);
bool frame_inference_skipped(GstBuffer *buffer);

} // namespace tsv
