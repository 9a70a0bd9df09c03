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

#include <string>
#include <vector>

#include "roi-meta.h"

GST_DEBUG_CATEGORY_STATIC(gst_ts_track_debug);
#define GST_CAT_DEFAULT gst_ts_track_debug

enum {
  PROP_0,
  PROP_TRACKER,
  PROP_HIGH_THRESHOLD,
  PROP_LOW_THRESHOLD,
  PROP_NEW_TRACK_THRESHOLD,
  PROP_MATCH_THRESHOLD,
  PROP_MAX_LOST_FRAMES,
  PROP_MIN_HITS,
  PROP_PER_CLASS,
  PROP_FUSE_SCORE,
  PROP_LOST_MATCH_THRESHOLD,
  PROP_MAX_HEIGHT_CHANGE,
  PROP_FILL_GAPS,
  PROP_INFERENCE_INTERVAL,
  PROP_PREDICTED_MAX_AGE,
};

/* The same values as TRACKER_DEFAULTS in elements/track/types.ts (a pipeline test compares them). */
#define DEFAULT_TRACKER GST_TS_TRACKER_BYTETRACK
#define DEFAULT_HIGH_THRESHOLD 0.6
#define DEFAULT_LOW_THRESHOLD 0.1
#define DEFAULT_NEW_TRACK_THRESHOLD 0.7
#define DEFAULT_MATCH_THRESHOLD 0.2
#define DEFAULT_MAX_LOST_FRAMES 30
#define DEFAULT_MIN_HITS 2
#define DEFAULT_PER_CLASS FALSE
#define DEFAULT_FUSE_SCORE TRUE
#define DEFAULT_LOST_MATCH_THRESHOLD 0.1
#define DEFAULT_MAX_HEIGHT_CHANGE 2.0
#define DEFAULT_FILL_GAPS 20
#define DEFAULT_INFERENCE_INTERVAL 1
#define DEFAULT_PREDICTED_MAX_AGE -1

struct TsTrackSettings {
  GstTsTrackerKind tracker = DEFAULT_TRACKER;
  double high_threshold = DEFAULT_HIGH_THRESHOLD;
  double low_threshold = DEFAULT_LOW_THRESHOLD;
  double new_track_threshold = DEFAULT_NEW_TRACK_THRESHOLD;
  double match_threshold = DEFAULT_MATCH_THRESHOLD;
  guint max_lost_frames = DEFAULT_MAX_LOST_FRAMES;
  guint min_hits = DEFAULT_MIN_HITS;
  gboolean per_class = DEFAULT_PER_CLASS;
  gboolean fuse_score = DEFAULT_FUSE_SCORE;
  double lost_match_threshold = DEFAULT_LOST_MATCH_THRESHOLD;
  double max_height_change = DEFAULT_MAX_HEIGHT_CHANGE;
  guint fill_gaps = DEFAULT_FILL_GAPS;
  guint inference_interval = DEFAULT_INFERENCE_INTERVAL;
  gint predicted_max_age = DEFAULT_PREDICTED_MAX_AGE;
};

struct _GstTsTrack {
  GstTsFilter parent;
  TsTrackSettings *settings; /* guarded by the object lock */
};

G_DEFINE_TYPE(GstTsTrack, gst_ts_track, GST_TYPE_TS_FILTER);
GST_ELEMENT_REGISTER_DEFINE(tstrack, "tstrack", GST_RANK_NONE, GST_TYPE_TS_TRACK);

#define GST_TYPE_TS_TRACKER_KIND (gst_ts_tracker_kind_get_type())
static GType gst_ts_tracker_kind_get_type(void) {
  static GType type = 0;
  static const GEnumValue values[] = {
      {GST_TS_TRACKER_BYTETRACK,
       "ByteTrack: Kalman filter, two-stage IoU association (high, then low-confidence detections)", "bytetrack"},
      {GST_TS_TRACKER_SORT, "SORT: Kalman filter, one IoU association of all detections", "sort"},
      {GST_TS_TRACKER_IOU, "IoU tracker: no motion model, association with each track's last box", "iou"},
      {0, nullptr, nullptr},
  };
  if (g_once_init_enter(&type)) {
    GType t = g_enum_register_static("GstTsTrackerKind", values);
    g_once_init_leave(&type, t);
  }
  return type;
}

static const char *tracker_name(GstTsTrackerKind kind) {
  switch (kind) {
  case GST_TS_TRACKER_SORT:
    return "sort";
  case GST_TS_TRACKER_IOU:
    return "iou";
  case GST_TS_TRACKER_BYTETRACK:
  default:
    return "bytetrack";
  }
}

static void gst_ts_track_write_config(GstTsFilter *filter, tsv::JsonWriter &json) {
  const TsTrackSettings &s = *GST_TS_TRACK(filter)->settings;
  json.field("tracker", tracker_name(s.tracker));
  json.field("highThreshold", s.high_threshold);
  json.field("lowThreshold", s.low_threshold);
  json.field("newTrackThreshold", s.new_track_threshold);
  json.field("matchThreshold", s.match_threshold);
  json.field("maxLostFrames", (int64_t)s.max_lost_frames);
  json.field("minHits", (int64_t)s.min_hits);
  json.field("perClass", (bool)s.per_class);
  json.field("fuseScore", (bool)s.fuse_score);
  json.field("lostMatchThreshold", s.lost_match_threshold);
  json.field("maxHeightChange", s.max_height_change);
  json.field("fillGaps", (int64_t)s.fill_gaps);
  json.field("inferenceInterval", (int64_t)s.inference_interval);
  json.field("predictedMaxAge", (int64_t)s.predicted_max_age);
}

/* The base class's apply_result plus the past-frame objects (fill-gaps): ids go onto the metas the
 * detections came from, predicted boxes become new ones. */
static void gst_ts_track_apply_result(GstTsFilter *filter, GstBuffer *buffer, const tsv::Result &result) {
  tsv::frame_add_past_objects(buffer, result.past_objects);
  gst_ts_filter_apply_objects(filter, buffer, result);
}

static void gst_ts_track_set_property(GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec) {
  GstTsTrack *self = GST_TS_TRACK(object);
  GST_OBJECT_LOCK(self);
  TsTrackSettings &s = *self->settings;
  switch (prop_id) {
  case PROP_TRACKER:
    s.tracker = (GstTsTrackerKind)g_value_get_enum(value);
    break;
  case PROP_HIGH_THRESHOLD:
    s.high_threshold = g_value_get_double(value);
    break;
  case PROP_LOW_THRESHOLD:
    s.low_threshold = g_value_get_double(value);
    break;
  case PROP_NEW_TRACK_THRESHOLD:
    s.new_track_threshold = g_value_get_double(value);
    break;
  case PROP_MATCH_THRESHOLD:
    s.match_threshold = g_value_get_double(value);
    break;
  case PROP_MAX_LOST_FRAMES:
    s.max_lost_frames = g_value_get_uint(value);
    break;
  case PROP_MIN_HITS:
    s.min_hits = g_value_get_uint(value);
    break;
  case PROP_PER_CLASS:
    s.per_class = g_value_get_boolean(value);
    break;
  case PROP_FUSE_SCORE:
    s.fuse_score = g_value_get_boolean(value);
    break;
  case PROP_LOST_MATCH_THRESHOLD:
    s.lost_match_threshold = g_value_get_double(value);
    break;
  case PROP_MAX_HEIGHT_CHANGE:
    s.max_height_change = g_value_get_double(value);
    break;
  case PROP_FILL_GAPS:
    s.fill_gaps = g_value_get_uint(value);
    break;
  case PROP_INFERENCE_INTERVAL:
    s.inference_interval = g_value_get_uint(value);
    break;
  case PROP_PREDICTED_MAX_AGE:
    s.predicted_max_age = g_value_get_int(value);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK(self);
}

static void gst_ts_track_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec) {
  GstTsTrack *self = GST_TS_TRACK(object);
  GST_OBJECT_LOCK(self);
  const TsTrackSettings &s = *self->settings;
  switch (prop_id) {
  case PROP_TRACKER:
    g_value_set_enum(value, s.tracker);
    break;
  case PROP_HIGH_THRESHOLD:
    g_value_set_double(value, s.high_threshold);
    break;
  case PROP_LOW_THRESHOLD:
    g_value_set_double(value, s.low_threshold);
    break;
  case PROP_NEW_TRACK_THRESHOLD:
    g_value_set_double(value, s.new_track_threshold);
    break;
  case PROP_MATCH_THRESHOLD:
    g_value_set_double(value, s.match_threshold);
    break;
  case PROP_MAX_LOST_FRAMES:
    g_value_set_uint(value, s.max_lost_frames);
    break;
  case PROP_MIN_HITS:
    g_value_set_uint(value, s.min_hits);
    break;
  case PROP_PER_CLASS:
    g_value_set_boolean(value, s.per_class);
    break;
  case PROP_FUSE_SCORE:
    g_value_set_boolean(value, s.fuse_score);
    break;
  case PROP_LOST_MATCH_THRESHOLD:
    g_value_set_double(value, s.lost_match_threshold);
    break;
  case PROP_MAX_HEIGHT_CHANGE:
    g_value_set_double(value, s.max_height_change);
    break;
  case PROP_FILL_GAPS:
    g_value_set_uint(value, s.fill_gaps);
    break;
  case PROP_INFERENCE_INTERVAL:
    g_value_set_uint(value, s.inference_interval);
    break;
  case PROP_PREDICTED_MAX_AGE:
    g_value_set_int(value, s.predicted_max_age);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK(self);
}

static void gst_ts_track_finalize(GObject *object) {
  delete GST_TS_TRACK(object)->settings;
  G_OBJECT_CLASS(gst_ts_track_parent_class)->finalize(object);
}

static void gst_ts_track_class_init(GstTsTrackClass *klass) {
  GObjectClass *gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS(klass);
  GstTsFilterClass *filter_class = GST_TS_FILTER_CLASS(klass);

  GST_DEBUG_CATEGORY_INIT(gst_ts_track_debug, "tstrack", 0, "tsvision multi-object tracking");

  gobject_class->set_property = gst_ts_track_set_property;
  gobject_class->get_property = gst_ts_track_get_property;
  gobject_class->finalize = gst_ts_track_finalize;

  const GParamFlags flags = (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  g_object_class_install_property(
      gobject_class, PROP_TRACKER,
      g_param_spec_enum("tracker", "Tracker", "Tracking algorithm (ignored when the module has an update() hook)",
                        GST_TYPE_TS_TRACKER_KIND, DEFAULT_TRACKER, flags));
  g_object_class_install_property(
      gobject_class, PROP_HIGH_THRESHOLD,
      g_param_spec_double("high-threshold", "High threshold",
                          "bytetrack: detections with at least this confidence are associated first (ByteTrack "
                          "tau_high); iou: a track is confirmed only once one of its detections reached it; "
                          "sort: unused",
                          0.0, 1.0, DEFAULT_HIGH_THRESHOLD, flags));
  g_object_class_install_property(
      gobject_class, PROP_LOW_THRESHOLD,
      g_param_spec_double("low-threshold", "Low threshold",
                          "Detections below this confidence are ignored (no id); bytetrack associates those "
                          "between low-threshold and high-threshold in a second stage with still-unmatched "
                          "tracks",
                          0.0, 1.0, DEFAULT_LOW_THRESHOLD, flags));
  g_object_class_install_property(
      gobject_class, PROP_NEW_TRACK_THRESHOLD,
      g_param_spec_double("new-track-threshold", "New-track threshold",
                          "An unmatched detection starts a new (tentative) track only with at least this "
                          "confidence",
                          0.0, 1.0, DEFAULT_NEW_TRACK_THRESHOLD, flags));
  g_object_class_install_property(
      gobject_class, PROP_MATCH_THRESHOLD,
      g_param_spec_double("match-threshold", "Match threshold",
                          "Minimum intersection-over-union between a track's predicted box and a detection for "
                          "them to be associated (bytetrack with fuse-score: IoU x confidence)",
                          0.0, 1.0, DEFAULT_MATCH_THRESHOLD, flags));
  g_object_class_install_property(
      gobject_class, PROP_MAX_LOST_FRAMES,
      g_param_spec_uint("max-lost-frames", "Max lost frames",
                        "Frames a confirmed track survives without a matching detection (predicted, and "
                        "re-found with its id) before it is dropped for good (a track-lost event)",
                        0, 1000000, DEFAULT_MAX_LOST_FRAMES, flags));
  g_object_class_install_property(
      gobject_class, PROP_MIN_HITS,
      g_param_spec_uint("min-hits", "Min hits",
                        "Consecutive detections a new track needs before it is confirmed and gets an id "
                        "(tracks found during the first min-hits - 1 frames are confirmed at once)",
                        1, 1000000, DEFAULT_MIN_HITS, flags));
  g_object_class_install_property(
      gobject_class, PROP_PER_CLASS,
      g_param_spec_boolean("per-class", "Per class",
                           "Only associate detections with tracks of the same class id", DEFAULT_PER_CLASS, flags));
  g_object_class_install_property(
      gobject_class, PROP_FUSE_SCORE,
      g_param_spec_boolean("fuse-score", "Fuse score",
                           "bytetrack: weight the IoU by the detection confidence when associating high-confidence "
                           "detections (ByteTrack's fuse_score); other trackers: unused",
                           DEFAULT_FUSE_SCORE, flags));
  g_object_class_install_property(
      gobject_class, PROP_LOST_MATCH_THRESHOLD,
      g_param_spec_double("lost-match-threshold", "Lost-track match threshold",
                          "bytetrack: re-identification of lost tracks. A high-confidence detection left unmatched "
                          "may continue a lost track when its IoU with the track's predicted box or with its last "
                          "detected box is at least this and the heights differ by at most 25%; 0: off (as in "
                          "ByteTrack); other trackers: unused",
                          0.0, 1.0, DEFAULT_LOST_MATCH_THRESHOLD, flags));
  g_object_class_install_property(
      gobject_class, PROP_MAX_HEIGHT_CHANGE,
      g_param_spec_double("max-height-change", "Max height change",
                          "bytetrack: a detection whose height is not within this factor of a track's predicted "
                          "height cannot continue the track (a box that halves or doubles from one frame to the "
                          "next is another object or a partial-body detection); 0: off (as in ByteTrack); other "
                          "trackers: unused",
                          0.0, 100.0, DEFAULT_MAX_HEIGHT_CHANGE, flags));
  g_object_class_install_property(
      gobject_class, PROP_FILL_GAPS,
      g_param_spec_uint("fill-gaps", "Fill gaps",
                        "When a confirmed track is found again after missing on at most this many frames, its "
                        "boxes on the frames it missed (interpolated between the detections before and after "
                        "the gap) are reported on the re-finding buffer as past-frame objects (custom meta "
                        "TsvisionPastObjectsMeta; tsexport writes them as past_objects). Those frames have "
                        "already gone downstream: nothing is delayed. 0: off",
                        0, 1000000, DEFAULT_FILL_GAPS, flags));
  g_object_class_install_property(
      gobject_class, PROP_INFERENCE_INTERVAL,
      g_param_spec_uint("inference-interval", "Inference interval",
                        "For upstream detectors that do not mark the frames they skip (tsdetect marks them, "
                        "so leave 1 behind it): the detector runs on every Nth frame (frame index % N == 0, "
                        "counted from 0 at this element). An object-less frame in between is a frame without "
                        "inference: tracks are only predicted and their predicted boxes are added "
                        "(predicted=true). A frame that carries objects is always tracked",
                        1, 1000000, DEFAULT_INFERENCE_INTERVAL, flags));
  g_object_class_install_property(
      gobject_class, PROP_PREDICTED_MAX_AGE,
      g_param_spec_int("predicted-max-age", "Predicted max age",
                       "On frames without inference, add predicted boxes only for confirmed tracks last matched at "
                       "most this many frames ago; -1: the tracks matched on the latest frame the detector ran on",
                       -1, 1000000, DEFAULT_PREDICTED_MAX_AGE, flags));

  gst_element_class_set_static_metadata(
      element_class, "tsvision object tracking", "Filter/Analyzer/Video",
      "Tracks the region-of-interest metas on each frame (ByteTrack, SORT, IoU or a TypeScript hook) and "
      "writes track ids onto them",
      "tsvision developers");

  filter_class->kind = "track";
  filter_class->debug_category = gst_ts_track_debug;
  filter_class->write_config = gst_ts_track_write_config;
  filter_class->apply_result = gst_ts_track_apply_result;

  gst_type_mark_as_plugin_api(GST_TYPE_TS_TRACKER_KIND, (GstPluginAPIFlags)0);
}

static void gst_ts_track_init(GstTsTrack *self) { self->settings = new TsTrackSettings(); }
