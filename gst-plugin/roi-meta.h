/* The metadata adapter: every element reads and writes objects through here.
 * Objects on buffers as GstVideoRegionOfInterestMeta, in Intel DL Streamer's convention, so that
 * tsvision reads what gvadetect/nvinfer-to-ROI bridges wrote and they read what we write:
 *   roi_type = label quark; params:
 *   "detection"    { confidence: double, label_id: int, label: string,
 *                    x_min, y_min, x_max, y_max: double (normalised 0..1) }
 *   "object_id"    { id: int }                               (tstrack; absent before confirmation)
 *   <attribute>    { label: string, label_id: int, confidence: double,
 *                    [embedding: GBytes of float32 in host byte order] }      (tsclassify)
 *   "keypoints"    { format: "keypoints", precision: int (10, FP32), dims: < K, 2 >,
 *                    data_buffer: GVariant "ay" of K (x, y) float32 relative to the box (0..1 inside),
 *                    confidence: < float >, point_names: < string >,
 *                    point_connections: < string > (the skeleton, two names a line) }
 *                    (pose models; DL Streamer's YOLOv8PoseConverter form; written with new objects, and
 *                    onto a region's object by tsdetect attach-to-region)
 *   oriented boxes (OBB models), as DL Streamer's YOLOv8ObbConverter writes them: the "detection" param's
 *                    x_min..y_max are the rotated rectangle's own extent about its centre (normalised, not
 *                    clipped) and "rotation" (double) its angle in radians, clockwise on screen about the
 *                    centre; the meta's integer rect is the axis-aligned box enclosing the rectangle (clipped
 *                    to the frame), so elements that know no rotation still cover the object. Reading, a
 *                    detection param with a non-zero rotation is an oriented box (DL Streamer writes
 *                    rotation 0 on every detection: 0 reads as an axis-aligned object).
 *   "mask"         { format: "segmentation_mask", precision: int (10, FP32), dims: < W, H >,
 *                    data_buffer: GVariant "ay" of W x H float32, 1 inside, 0 outside, row-major,
 *                    x, y: int (the frame pixel of its top-left corner) }
 *                    (instance segmentation; DL Streamer's YOLOv8SegConverter / MaskRCNNConverter form, which
 *                    has no x, y: such a mask is stretched over the box; any param of format
 *                    "segmentation_mask", FP32 (> 0.5 inside) or U8 (40, non-zero inside), is read)
 * Full-frame classifications (tsclassify inference-region=full-frame) go to a custom meta
 * "TsvisionClassificationMeta" whose structure has one field per attribute, holding a structure
 * of the same form as the per-object params. */
#pragma once

#include <gst/video/video.h>

#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "host/host-api.h"

namespace tsv {

/* The objects of a frame. Built against GStreamer >= 1.24 (TSVISION_HAVE_ANALYTICS) they are
 * also GstAnalyticsRelationMeta mtds (analytics-meta.h): every object written gets both an ROI meta
 * and an OD mtd (with its tracking and classification mtds), whose ids are equal (DL Streamer's link);
 * reading merges the two. An ROI meta and an OD mtd are the same object when their ids are equal and
 * their labels too, or else when label and pixel box agree (within 1 px); the ROI meta then wins
 * (exact normalised box, label_id, attribute names, predicted) and the mtds only fill in a track id
 * or classifications it lacks. OD mtds without an ROI meta (a foreign producer) are objects too. */

/* Where an object read from a buffer came from. */
struct ObjectSource {
  GstVideoRegionOfInterestMeta *roi = nullptr; /* null: only an OD mtd */
  bool has_confidence = false;                 /* the producer gave a confidence */
  gint64 od_id = -1;                           /* the OD mtd's id, for objects only there */
};

/* The buffer's objects (ROI metas in meta order, then OD mtds without one), read only; source_id is
 * the ROI meta's id (-1 for OD mtds without one). `sources`, when given, gets one entry per object. */
std::vector<Object> objects_read(GstBuffer *buffer, int width, int height,
                                 std::vector<ObjectSource> *sources = nullptr);

/* For elements that will write results onto the (writable) buffer: ROI meta ids are made unique first
 * (other vendors' metas often all carry 0) and OD mtds without an ROI meta get one, so that every
 * object's source_id names an ROI meta that results can update (objects_apply). */
std::vector<Object> objects_read_for_results(GstBuffer *buffer, int width, int height);

/* Whether the buffer carries any object (cheap: no parsing). */
bool objects_present(GstBuffer *buffer);

/* When each track was first and last seen (pts), for the tracking mtds: tstrack keeps one per element
 * (tracks start on earlier frames than the buffer that carries them). Without it, first and last seen
 * are the buffer's pts. */
class TrackTimes {
public:
  /* Starts frame `pts`: tracks on none of the last 1000 frames are forgotten. */
  void begin_frame(GstClockTime pts);
  /* Records that `track_id` is on the current frame (seen: detected, not only predicted) and
   * returns when it was first and last seen. */
  void on_frame(int64_t track_id, bool seen, GstClockTime *first, GstClockTime *last);
  void clear();

private:
  struct Times {
    GstClockTime first, last;
    uint64_t frame;
  };
  std::mutex lock_;
  std::unordered_map<int64_t, Times> tracks_;
  uint64_t frames_ = 0;
  GstClockTime pts_ = GST_CLOCK_TIME_NONE;
};

/* Writes results onto `buffer` (writable): objects whose source_id names one of the buffer's ROI
 * metas update it (track id, classifications; the OD mtd linked to it too), objects with source_id -1
 * are added. `tracks` may be null. */
void objects_apply(GstBuffer *buffer, const std::vector<Object> &objects, int width, int height,
                   TrackTimes *tracks);

/* Full-frame classifications: replaces those of the same attribute, keeps the others (with
 * GstAnalytics also classification mtds related to no object). Reading: the custom meta; without
 * it, classification mtds related to no OD mtd (a foreign whole-frame classifier's). */
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

/* A frame's semantic segmentation (tsclassify output-type=segmentation, full-frame) goes to a custom meta
 * "TsvisionSegmentationMeta" whose structure is
 *   segmentation { width, height: int (the map's size: the model's output resolution),
 *                  classes: GBytes of width x height class ids (one byte each, row-major),
 *                  labels: GStrv (labels[id]; may be empty),
 *                  scale-x, scale-y, pad-x, pad-y: double (frame pixel (fx, fy) is map cell
 *                    (floor((fx + 0.5) * scale-x + pad-x), floor((fy + 0.5) * scale-y + pad-y)), clamped),
 *                  frame-width, frame-height: int (the frame the map was made on) }
 * (one a buffer; a later one replaces it). With GStreamer >= 1.26 it is also a GstAnalytics segmentation mtd
 * (analytics-meta.h). The classes are shared by buffer copies (a reference, no copy). */
void frame_set_segmentation(GstBuffer *buffer, const SegmentationMap &map, int frame_width, int frame_height);
/* Whether the buffer carries a map (cheap without GstAnalytics metas: no copy). */
bool frame_has_segmentation(GstBuffer *buffer);
/* The buffer's map: the custom meta, else (GStreamer >= 1.26) a foreign producer's semantic segmentation mtd
 * (analytics-meta.h: class ids = its pixel values, no labels); null when none. */
std::shared_ptr<const SegmentationMap> frame_read_segmentation(GstBuffer *buffer);

/* Frames on which a detector skipped inference (tsdetect inference-interval) carry a custom meta
 * "TsvisionInferenceMeta" { skipped: boolean, element: string }, so that tstrack predicts instead
 * of treating the frame as empty. */
void frame_mark_inference_skipped(GstBuffer *buffer, const char *element_name);
bool frame_inference_skipped(GstBuffer *buffer);

} // namespace tsv
