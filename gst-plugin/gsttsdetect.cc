/**
 * SECTION:element-tsdetect
 *
 * Object detection with an ONNX model (onnxruntime, decoded by the built-in YOLOX decoder) or a
 * TypeScript hook. Each detection becomes a GstVideoRegionOfInterestMeta in DL Streamer's
 * convention (roi_type = label, a "detection" param with confidence, label_id and normalised
 * x_min/y_min/x_max/y_max), so tsvision elements and others can read it.
 *
 * ## Example
 * |[
 * gst-launch-1.0 filesrc location=video.mp4 ! decodebin ! \
 *   tsdetect model=yolox_nano_416.onnx labels-file=coco_classes.txt threshold=0.4 ! \
 *   tsexport location=out.jsonl ! fakesink
 * ]|
 */
#include "gsttsdetect.h"

#include <mutex>
#include <string>

GST_DEBUG_CATEGORY_STATIC(gst_ts_detect_debug);
#define GST_CAT_DEFAULT gst_ts_detect_debug

enum {
  PROP_0,
  PROP_MODEL,
  PROP_LABELS_FILE,
  PROP_THRESHOLD,
  PROP_IOU_THRESHOLD,
};

#define DEFAULT_THRESHOLD 0.5
#define DEFAULT_IOU_THRESHOLD 0.45

struct TsDetectSettings {
  std::string model;
  std::string labels_file;
  double threshold = DEFAULT_THRESHOLD;
  double iou_threshold = DEFAULT_IOU_THRESHOLD;
};

struct _GstTsDetect {
  GstTsFilter parent;
  TsDetectSettings *settings; /* guarded by the object lock */
};

G_DEFINE_TYPE(GstTsDetect, gst_ts_detect, GST_TYPE_TS_FILTER);
GST_ELEMENT_REGISTER_DEFINE(tsdetect, "tsdetect", GST_RANK_NONE, GST_TYPE_TS_DETECT);

static void gst_ts_detect_write_config(GstTsFilter *filter, tsv::JsonWriter &json) {
  const TsDetectSettings &s = *GST_TS_DETECT(filter)->settings;
  json.field("model", s.model.empty() ? nullptr : s.model.c_str());
  json.field("labelsFile", s.labels_file.empty() ? nullptr : s.labels_file.c_str());
  json.field("threshold", s.threshold);
  json.field("iouThreshold", s.iou_threshold);
}

static void gst_ts_detect_set_property(GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec) {
  GstTsDetect *self = GST_TS_DETECT(object);
  GST_OBJECT_LOCK(self);
  TsDetectSettings &s = *self->settings;
  switch (prop_id) {
  case PROP_MODEL:
    s.model = g_value_get_string(value) ? g_value_get_string(value) : "";
    break;
  case PROP_LABELS_FILE:
    s.labels_file = g_value_get_string(value) ? g_value_get_string(value) : "";
    break;
  case PROP_THRESHOLD:
    s.threshold = g_value_get_double(value);
    break;
  case PROP_IOU_THRESHOLD:
    s.iou_threshold = g_value_get_double(value);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK(self);
}

static void gst_ts_detect_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec) {
  GstTsDetect *self = GST_TS_DETECT(object);
  GST_OBJECT_LOCK(self);
  const TsDetectSettings &s = *self->settings;
  switch (prop_id) {
  case PROP_MODEL:
    g_value_set_string(value, s.model.empty() ? nullptr : s.model.c_str());
    break;
  case PROP_LABELS_FILE:
    g_value_set_string(value, s.labels_file.empty() ? nullptr : s.labels_file.c_str());
    break;
  case PROP_THRESHOLD:
    g_value_set_double(value, s.threshold);
    break;
  case PROP_IOU_THRESHOLD:
    g_value_set_double(value, s.iou_threshold);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK(self);
}

static void gst_ts_detect_finalize(GObject *object) {
  delete GST_TS_DETECT(object)->settings;
  G_OBJECT_CLASS(gst_ts_detect_parent_class)->finalize(object);
}

static void gst_ts_detect_class_init(GstTsDetectClass *klass) {
  GObjectClass *gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS(klass);
  GstTsFilterClass *filter_class = GST_TS_FILTER_CLASS(klass);

  GST_DEBUG_CATEGORY_INIT(gst_ts_detect_debug, "tsdetect", 0, "tsvision object detection");

  gobject_class->set_property = gst_ts_detect_set_property;
  gobject_class->get_property = gst_ts_detect_get_property;
  gobject_class->finalize = gst_ts_detect_finalize;

  const GParamFlags flags = (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  g_object_class_install_property(
      gobject_class, PROP_MODEL,
      g_param_spec_string("model", "Model", "Path to an ONNX detection model (run with onnxruntime on the CPU)",
                          nullptr, flags));
  g_object_class_install_property(
      gobject_class, PROP_LABELS_FILE,
      g_param_spec_string("labels-file", "Labels file",
                          "Text file with one class label per line, line N = class id N; its line count must "
                          "match the model's class count",
                          nullptr, flags));
  g_object_class_install_property(
      gobject_class, PROP_THRESHOLD,
      g_param_spec_double("threshold", "Threshold", "Minimum confidence of a detection", 0.0, 1.0,
                          DEFAULT_THRESHOLD, flags));
  g_object_class_install_property(
      gobject_class, PROP_IOU_THRESHOLD,
      g_param_spec_double("iou-threshold", "IoU threshold",
                          "Non-maximum suppression: a box overlapping a better one of the same class by more "
                          "than this intersection-over-union is dropped",
                          0.0, 1.0, DEFAULT_IOU_THRESHOLD, flags));

  gst_element_class_set_static_metadata(
      element_class, "tsvision object detection", "Filter/Analyzer/Video",
      "Detects objects with an ONNX model or a TypeScript hook and attaches them as region-of-interest metas",
      "tsvision developers");

  filter_class->kind = "detect";
  filter_class->write_config = gst_ts_detect_write_config;
}

static void gst_ts_detect_init(GstTsDetect *self) { self->settings = new TsDetectSettings(); }
