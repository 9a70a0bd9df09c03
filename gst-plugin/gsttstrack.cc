/**
 * SECTION:element-tstrack
 *
 * Multi-object tracking of the objects already on the buffer (GstVideoRegionOfInterestMeta, e.g.
 * from tsdetect or any DL Streamer-style detector). The tracker (ByteTrack, SORT or an IoU tracker,
 * in TypeScript: elements/track) runs in the embedded Node runtime. A confirmed track's id is
 * written onto the detector's own meta as DL Streamer's `object_id` param `{id: int}` (tsexport
 * writes it as `track_id`); objects of unconfirmed tracks get no id. Ids start at 1, are unique
 * per stream and never reused.
 *
 * Frames without inference: a frame that carries no objects and either carries tsdetect's
 * `TsvisionInferenceMeta {skipped: true}` (tsdetect `inference-interval`) or, for detectors that do
 * not mark the frames they skip, has an index that is not a multiple of this element's own
 * `inference-interval` (frames counted from 0 here, as tsdetect counts them), is a frame the
 * detector did not run on. The tracks are only predicted there, and each confirmed track matched on
 * the latest frame the detector ran on (`predicted-max-age`) is added as a new meta with its
 * predicted box, its id and `predicted=true` in its `object_id` param. A frame that carries objects
 * is always tracked; any other empty frame is one on which the detector found nothing: tracks age,
 * nothing is predicted onto it.
 *
 * Gaps: when a confirmed track is found again after missing on at most `fill-gaps` frames, the
 * boxes of the frames it missed, interpolated between the detections before and after the gap, are
 * reported on the re-finding buffer as past-frame objects (custom meta `TsvisionPastObjectsMeta`,
 * see roi-meta.h; tsexport's `past_objects`), like DeepStream's past-frame data: no frame is held
 * back, so a consumer of complete trajectories (an exporter, an analytics service) gets them
 * without any latency added to the video.
 *
 * Track events are posted as element messages named `tstrack-event` with the fields `type`
 * (`track-started` or `track-lost`), `track-id`, `frame`, `label`, `x`, `y`, `width`, `height`
 * (pixels: the confirming detection's box, or the last box of a lost track). Detections with
 * non-finite numbers or a non-positive size are ignored with a (rate-limited) warning that counts
 * them.
 *
 * Moving cameras: with `motion-compensation=sparse-flow` (the default) the camera's move between
 * consecutive frames is estimated natively on the streaming thread (camera-motion.h: sparse optical
 * flow on a downscaled grey frame, away from the objects, a similarity fitted by RANSAC) and every
 * track is carried along before it is matched, so a pan or a turn does not break the tracks; frames
 * without readable pixels (e.g. memory:NVMM) get no compensation.
 *
 * A hook module (`module=`) may replace the tracker with `update(detections, frame, ctx)` and
 * receives every event in `onEvent(event, ctx)`; see `TrackHook` in ts-runtime/api.d.ts.
 *
 * ## Example
 * |[
 * gst-launch-1.0 filesrc location=video.mp4 ! decodebin ! \
 *   tsdetect model=yolox_nano_416.onnx labels-file=coco_classes.txt threshold=0.4 ! \
 *   tstrack tracker=bytetrack max-lost-frames=60 ! tsexport location=out.jsonl ! fakesink
 * ]|
 */
#include "gsttstrack.h"

#include <vector>

#include "camera-motion.h"
#include "roi-meta.h"

GST_DEBUG_CATEGORY_STATIC(gst_ts_track_debug);
#define GST_CAT_DEFAULT gst_ts_track_debug

/* The properties (tracker, thresholds, …) are declared in ts-runtime/src/settings/track.ts. */
struct _GstTsTrack {
  GstTsFilter parent;
  /* When each track was first seen, for the GstAnalytics tracking mtds. */
  tsv::TrackTimes *tracks;
  /* Camera motion between consecutive frames (streaming thread only), and whether the missing pixels
   * were reported. */
  tsv::CameraMotionEstimator *camera;
  gboolean told_no_pixels;
};

/* Indices of MOTION_COMPENSATION (ts-runtime/src/settings/track.ts). */
enum { MOTION_COMPENSATION_SPARSE_FLOW = 0, MOTION_COMPENSATION_OFF = 1 };

G_DEFINE_TYPE(GstTsTrack, gst_ts_track, GST_TYPE_TS_FILTER);
GST_ELEMENT_REGISTER_DEFINE(tstrack, "tstrack", GST_RANK_NONE, GST_TYPE_TS_TRACK);

/* The base class's apply_result plus the past-frame objects (fill-gaps): ids go onto the metas the
 * detections came from, predicted boxes become new ones. */
static void gst_ts_track_apply_result(GstTsFilter *filter, GstBuffer *buffer, const tsv::Result &result) {
  tsv::frame_add_past_objects(buffer, result.past_objects);
  gst_ts_filter_apply_objects_full(filter, buffer, result, GST_TS_TRACK(filter)->tracks);
}

/* The camera's move since the previous frame goes with the frame to the tracker. */
static void gst_ts_track_prepare_frame(GstTsFilter *filter, tsv::Frame &frame, gboolean discont) {
  GstTsTrack *self = GST_TS_TRACK(filter);
  if (discont)
    self->camera->reset();
  if ((int)gst_ts_filter_get_setting_number(filter, "motionCompensation") == MOTION_COMPENSATION_OFF)
    return;
  if (!frame.data) {
    if (!self->told_no_pixels) {
      GST_INFO_OBJECT(self, "frames in %s are not readable here: no camera motion compensation", frame.format.c_str());
      self->told_no_pixels = TRUE;
    }
    return;
  }
  tsv::CameraMotion m = self->camera->estimate(frame, frame.objects);
  GST_LOG_OBJECT(self, "frame %" G_GUINT64_FORMAT ": camera motion %s a %.5f b %.5f t (%.2f, %.2f), %d/%d/%d corners",
                 frame.index, m.ok ? "found" : "unknown", m.motion.a, m.motion.b, m.motion.tx, m.motion.ty, m.features,
                 m.tracked, m.inliers);
  if (m.ok && !m.still())
    frame.camera_motion = {m.motion.a, m.motion.b, m.motion.tx, m.motion.ty};
}

/* Track ids start again with the stream. */
static gboolean gst_ts_track_stop(GstBaseTransform *trans) {
  GST_TS_TRACK(trans)->tracks->clear();
  GST_TS_TRACK(trans)->camera->reset();
  return GST_BASE_TRANSFORM_CLASS(gst_ts_track_parent_class)->stop(trans);
}

static void gst_ts_track_finalize(GObject *object) {
  delete GST_TS_TRACK(object)->tracks;
  delete GST_TS_TRACK(object)->camera;
  G_OBJECT_CLASS(gst_ts_track_parent_class)->finalize(object);
}

static void gst_ts_track_class_init(GstTsTrackClass *klass) {
  GstElementClass *element_class = GST_ELEMENT_CLASS(klass);
  GstTsFilterClass *filter_class = GST_TS_FILTER_CLASS(klass);

  GST_DEBUG_CATEGORY_INIT(gst_ts_track_debug, "tstrack", 0, "tsvision multi-object tracking");

  gst_element_class_set_static_metadata(
      element_class, "tsvision object tracking", "Filter/Analyzer/Video",
      "Tracks the region-of-interest metas on each frame (ByteTrack, SORT, IoU or a TypeScript hook) and "
      "writes track ids onto them",
      "tsvision developers");

  gst_ts_filter_class_set_kind(filter_class, "track", GST_TS_FILTER_READS_METADATA);
  filter_class->debug_category = gst_ts_track_debug;
  filter_class->apply_result = gst_ts_track_apply_result;
  filter_class->prepare_frame = gst_ts_track_prepare_frame;
  GST_BASE_TRANSFORM_CLASS(klass)->stop = GST_DEBUG_FUNCPTR(gst_ts_track_stop);
  G_OBJECT_CLASS(klass)->finalize = gst_ts_track_finalize;
}

static void gst_ts_track_init(GstTsTrack *self) {
  self->tracks = new tsv::TrackTimes();
  self->camera = new tsv::CameraMotionEstimator();
}
