/**
 * SECTION:element-tsdetect
 *
 * Object detection with an ONNX model (onnxruntime; YOLOX, YOLOv5/v7/v8/v11, end-to-end,
 * NanoDet/PicoDet and SSD heads decoded by built-in decoders) or a TypeScript hook. Each
 * detection becomes a GstVideoRegionOfInterestMeta in DL Streamer's convention (roi_type = label, a "detection" param with confidence, label_id and normalised
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

#include <string>

#include "model-settings.h"

GST_DEBUG_CATEGORY_STATIC(gst_ts_detect_debug);
#define GST_CAT_DEFAULT gst_ts_detect_debug

enum {
  PROP_0,
  PROP_THRESHOLD,
  PROP_IOU_THRESHOLD,
  PROP_DECODER,
  PROP_MAX_DETECTIONS,
  PROP_CLASS_AGNOSTIC_NMS,
  PROP_OBJECT_CLASS,
  PROP_INFERENCE_INTERVAL,
  PROP_INFERENCE_REGION,
  PROP_MODEL_FIRST, /* the shared model properties (model-settings.h) follow */
};

#define DEFAULT_THRESHOLD 0.5
#define DEFAULT_IOU_THRESHOLD 0.45
#define DEFAULT_DECODER "auto"
#define DEFAULT_MAX_DETECTIONS 300
#define DEFAULT_INFERENCE_INTERVAL 1
#define DEFAULT_BATCH_SIZE 1

struct TsDetectSettings {
  TsModelSettings model;
  double threshold = DEFAULT_THRESHOLD;
  double iou_threshold = DEFAULT_IOU_THRESHOLD;
  std::string decoder = DEFAULT_DECODER;
  guint max_detections = DEFAULT_MAX_DETECTIONS;
  bool class_agnostic_nms = false;
  std::string object_class;
  guint inference_interval = DEFAULT_INFERENCE_INTERVAL;
  GstTsInferenceRegion inference_region = GST_TS_INFERENCE_REGION_FULL_FRAME;
};

struct _GstTsDetect {
  GstTsFilter parent;
  TsDetectSettings *settings; /* guarded by the object lock */
};

G_DEFINE_TYPE(GstTsDetect, gst_ts_detect, GST_TYPE_TS_FILTER);
GST_ELEMENT_REGISTER_DEFINE(tsdetect, "tsdetect", GST_RANK_NONE, GST_TYPE_TS_DETECT);

static void gst_ts_detect_write_config(GstTsFilter *filter, tsv::JsonWriter &json) {
  const TsDetectSettings &s = *GST_TS_DETECT(filter)->settings;
  ts_model_settings_write(s.model, json);
  json.field("threshold", s.threshold);
  json.field("iouThreshold", s.iou_threshold);
  json.field("decoder", s.decoder);
  json.field("maxDetections", (int64_t)s.max_detections);
  json.field("classAgnosticNms", s.class_agnostic_nms);
  json.field("objectClass", s.object_class);
  json.field("inferenceInterval", (int64_t)s.inference_interval);
  json.field("inferenceRegion", s.inference_region == GST_TS_INFERENCE_REGION_ROI_LIST ? "roi-list" : "full-frame");
}

static std::string string_or_empty(const GValue *value) {
  const char *s = g_value_get_string(value);
  return s ? s : "";
}

static void gst_ts_detect_set_property(GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec) {
  GstTsDetect *self = GST_TS_DETECT(object);
  GST_OBJECT_LOCK(self);
  TsDetectSettings &s = *self->settings;
  switch (prop_id) {
  case PROP_THRESHOLD:
    s.threshold = g_value_get_double(value);
    break;
  case PROP_IOU_THRESHOLD:
    s.iou_threshold = g_value_get_double(value);
    break;
  case PROP_DECODER:
    s.decoder = g_value_get_string(value) ? g_value_get_string(value) : DEFAULT_DECODER;
    break;
  case PROP_MAX_DETECTIONS:
    s.max_detections = g_value_get_uint(value);
    break;
  case PROP_CLASS_AGNOSTIC_NMS:
    s.class_agnostic_nms = g_value_get_boolean(value);
    break;
  case PROP_OBJECT_CLASS:
    s.object_class = string_or_empty(value);
    break;
  case PROP_INFERENCE_INTERVAL:
    s.inference_interval = g_value_get_uint(value);
    break;
  case PROP_INFERENCE_REGION:
    s.inference_region = (GstTsInferenceRegion)g_value_get_enum(value);
    break;
  default:
    if (!ts_model_settings_set(s.model, PROP_MODEL_FIRST, prop_id, value))
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK(self);
}

static void gst_ts_detect_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec) {
  GstTsDetect *self = GST_TS_DETECT(object);
  GST_OBJECT_LOCK(self);
  const TsDetectSettings &s = *self->settings;
  switch (prop_id) {
  case PROP_THRESHOLD:
    g_value_set_double(value, s.threshold);
    break;
  case PROP_IOU_THRESHOLD:
    g_value_set_double(value, s.iou_threshold);
    break;
  case PROP_DECODER:
    g_value_set_string(value, s.decoder.c_str());
    break;
  case PROP_MAX_DETECTIONS:
    g_value_set_uint(value, s.max_detections);
    break;
  case PROP_CLASS_AGNOSTIC_NMS:
    g_value_set_boolean(value, s.class_agnostic_nms);
    break;
  case PROP_OBJECT_CLASS:
    g_value_set_string(value, s.object_class.empty() ? nullptr : s.object_class.c_str());
    break;
  case PROP_INFERENCE_INTERVAL:
    g_value_set_uint(value, s.inference_interval);
    break;
  case PROP_INFERENCE_REGION:
    g_value_set_enum(value, s.inference_region);
    break;
  default:
    if (!ts_model_settings_get(s.model, PROP_MODEL_FIRST, prop_id, value))
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

  static const TsModelPropertyDocs model_docs = {
      "Path to an ONNX detection model (onnxruntime); its decoder is chosen from the outputs (see decoder)",
      "Frames (of the elements sharing model-instance-id) run together in one inference when the model has a "
      "dynamic batch axis; models with a fixed batch of 1 run frame by frame",
      DEFAULT_BATCH_SIZE,
  };
  ts_model_settings_install(gobject_class, PROP_MODEL_FIRST, model_docs);

  const GParamFlags flags = (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
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

  g_object_class_install_property(
      gobject_class, PROP_DECODER,
      g_param_spec_string("decoder", "Decoder",
                          "How to read the model's outputs: auto (chosen from the output names and shapes), yolox, "
                          "yolov5, yolov7, yolov8, yolo11, yolov10, yolo26, end2end, nanodet, picodet, gfl, ssd, "
                          "ultraface",
                          DEFAULT_DECODER, flags));
  g_object_class_install_property(
      gobject_class, PROP_MAX_DETECTIONS,
      g_param_spec_uint("max-detections", "Max detections",
                        "Keep at most this many detections per frame (best first; 0 = no limit)", 0, G_MAXUINT,
                        DEFAULT_MAX_DETECTIONS, flags));
  g_object_class_install_property(
      gobject_class, PROP_CLASS_AGNOSTIC_NMS,
      g_param_spec_boolean("class-agnostic-nms", "Class-agnostic NMS",
                           "Let boxes of different classes suppress each other (default: only boxes of the same "
                           "class do)",
                           FALSE, flags));
  g_object_class_install_property(
      gobject_class, PROP_OBJECT_CLASS,
      g_param_spec_string("object-class", "Object class",
                          "Comma-separated labels to keep (e.g. \"person,car\"); empty keeps all", nullptr, flags));
  g_object_class_install_property(
      gobject_class, PROP_INFERENCE_INTERVAL,
      g_param_spec_uint("inference-interval", "Inference interval",
                        "Run the model on every Nth frame (1 = every frame). Frames in between pass on without "
                        "new detections and are marked as skipped, so tstrack predicts the tracks on them",
                        1, G_MAXUINT, DEFAULT_INFERENCE_INTERVAL, flags));
  g_object_class_install_property(
      gobject_class, PROP_INFERENCE_REGION,
      g_param_spec_enum("inference-region", "Inference region",
                        "Where the model runs: the whole frame or each region already on the buffer",
                        GST_TYPE_TS_INFERENCE_REGION, GST_TS_INFERENCE_REGION_FULL_FRAME, flags));
  gst_element_class_set_static_metadata(
      element_class, "tsvision object detection", "Filter/Analyzer/Video",
      "Detects objects with an ONNX model or a TypeScript hook and attaches them as region-of-interest metas",
      "tsvision developers");

  filter_class->kind = "detect";
  filter_class->debug_category = gst_ts_detect_debug;
  gst_type_mark_as_plugin_api(GST_TYPE_TS_INFERENCE_REGION, (GstPluginAPIFlags)0);
  filter_class->write_config = gst_ts_detect_write_config;
}

static void gst_ts_detect_init(GstTsDetect *self) { self->settings = new TsDetectSettings(); }
