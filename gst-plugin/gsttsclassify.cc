/**
 * SECTION:element-tsclassify
 *
 * Classification of the objects already on each frame (the region-of-interest metas of tsdetect or
 * any detector: secondary classification, like DeepStream's SGIE or DL Streamer's gvaclassify) or of
 * the whole frame, with an ONNX model. Each region is cropped, resized and normalised by the native
 * preprocessing (as the model manifest describes the model, or `pre-process-config`); all regions
 * of a frame run in one inference when the model has a dynamic batch axis.
 *
 * Results go where DL Streamer puts them: on the object's ROI meta as a param structure named
 * after `attribute-name` with `label`, `label_id` and `confidence` (plus `embedding`, a GBytes of
 * float32, for embedding models); full-frame results in a "TsvisionClassificationMeta" custom meta.
 * Hooks see them as `classifications`; tsexport writes them.
 *
 * With tstrack upstream, `reclassify-interval=N` classifies each track at most once every N frames
 * and reuses its last result in between (and on the boxes tstrack predicts).
 *
 * ## Example
 * |[
 * gst-launch-1.0 filesrc location=dog.jpg ! jpegdec ! videoconvert ! \
 *   tsdetect model=yolox_nano_416.onnx ! \
 *   tsclassify model=mobilenet_v2.onnx labels-file=imagenet_classes_1000.txt object-class=dog \
 *     attribute-name=breed ! \
 *   tsexport location=out.jsonl ! fakesink
 * ]|
 */
#include "gsttsclassify.h"

#include <string>

#include "model-settings.h"

GST_DEBUG_CATEGORY_STATIC(gst_ts_classify_debug);
#define GST_CAT_DEFAULT gst_ts_classify_debug

enum {
  PROP_0,
  PROP_INFERENCE_REGION,
  PROP_OBJECT_CLASS,
  PROP_MIN_WIDTH,
  PROP_MIN_HEIGHT,
  PROP_THRESHOLD,
  PROP_TOP_K,
  PROP_ACTIVATION,
  PROP_MULTI_LABEL,
  PROP_RECLASSIFY_INTERVAL,
  PROP_ATTRIBUTE_NAME,
  PROP_OUTPUT_TYPE,
  PROP_MODEL_FIRST, /* the shared model properties (model-settings.h) follow */
};

typedef enum {
  GST_TS_ACTIVATION_AUTO,
  GST_TS_ACTIVATION_SOFTMAX,
  GST_TS_ACTIVATION_SIGMOID,
  GST_TS_ACTIVATION_NONE,
} GstTsActivation;

typedef enum {
  GST_TS_OUTPUT_TYPE_AUTO,
  GST_TS_OUTPUT_TYPE_CLASSIFICATION,
  GST_TS_OUTPUT_TYPE_EMBEDDING,
} GstTsOutputType;

#define DEFAULT_INFERENCE_REGION GST_TS_INFERENCE_REGION_ROI_LIST
#define DEFAULT_MIN_SIZE 0
#define DEFAULT_THRESHOLD 0.0
#define DEFAULT_TOP_K 1
#define DEFAULT_ACTIVATION GST_TS_ACTIVATION_AUTO
#define DEFAULT_RECLASSIFY_INTERVAL 1
#define DEFAULT_OUTPUT_TYPE GST_TS_OUTPUT_TYPE_AUTO
#define DEFAULT_BATCH_SIZE 16

struct TsClassifySettings {
  TsModelSettings model;
  GstTsInferenceRegion inference_region = DEFAULT_INFERENCE_REGION;
  std::string object_class;
  guint min_width = DEFAULT_MIN_SIZE;
  guint min_height = DEFAULT_MIN_SIZE;
  double threshold = DEFAULT_THRESHOLD;
  guint top_k = DEFAULT_TOP_K;
  GstTsActivation activation = DEFAULT_ACTIVATION;
  bool multi_label = false;
  guint reclassify_interval = DEFAULT_RECLASSIFY_INTERVAL;
  std::string attribute_name;
  GstTsOutputType output_type = DEFAULT_OUTPUT_TYPE;

  TsClassifySettings() { model.batch_size = DEFAULT_BATCH_SIZE; }
};

#define GST_TYPE_TS_ACTIVATION (gst_ts_activation_get_type())
static GType gst_ts_activation_get_type(void) {
  static GType type = 0;
  static const GEnumValue values[] = {
      {GST_TS_ACTIVATION_AUTO,
       "Softmax, unless the outputs already are probabilities (multi-label: sigmoid unless all in 0..1)", "auto"},
      {GST_TS_ACTIVATION_SOFTMAX, "The outputs are logits of one distribution: softmax", "softmax"},
      {GST_TS_ACTIVATION_SIGMOID, "Each output is an independent logit: sigmoid", "sigmoid"},
      {GST_TS_ACTIVATION_NONE, "The outputs are probabilities already", "none"},
      {0, nullptr, nullptr},
  };
  if (g_once_init_enter(&type)) {
    GType t = g_enum_register_static("GstTsActivation", values);
    g_once_init_leave(&type, t);
  }
  return type;
}

#define GST_TYPE_TS_OUTPUT_TYPE (gst_ts_output_type_get_type())
static GType gst_ts_output_type_get_type(void) {
  static GType type = 0;
  static const GEnumValue values[] = {
      {GST_TS_OUTPUT_TYPE_AUTO, "From the model manifest's task (classification for unknown models)", "auto"},
      {GST_TS_OUTPUT_TYPE_CLASSIFICATION, "Class scores: label, label id and confidence", "classification"},
      {GST_TS_OUTPUT_TYPE_EMBEDDING,
       "A feature vector (e.g. re-identification), L2-normalised, attached as the classification's embedding",
       "embedding"},
      {0, nullptr, nullptr},
  };
  if (g_once_init_enter(&type)) {
    GType t = g_enum_register_static("GstTsOutputType", values);
    g_once_init_leave(&type, t);
  }
  return type;
}

static const char *enum_nick(GType type, gint value) {
  GEnumClass *klass = (GEnumClass *)g_type_class_ref(type);
  GEnumValue *v = g_enum_get_value(klass, value);
  const char *nick = v ? v->value_nick : "auto";
  g_type_class_unref(klass);
  return nick;
}

struct _GstTsClassify {
  GstTsFilter parent;
  TsClassifySettings *settings; /* guarded by the object lock */
};

G_DEFINE_TYPE(GstTsClassify, gst_ts_classify, GST_TYPE_TS_FILTER);
GST_ELEMENT_REGISTER_DEFINE(tsclassify, "tsclassify", GST_RANK_NONE, GST_TYPE_TS_CLASSIFY);

static void gst_ts_classify_write_config(GstTsFilter *filter, tsv::JsonWriter &json) {
  const TsClassifySettings &s = *GST_TS_CLASSIFY(filter)->settings;
  ts_model_settings_write(s.model, json);
  json.field("inferenceRegion", s.inference_region == GST_TS_INFERENCE_REGION_ROI_LIST ? "roi-list" : "full-frame");
  json.field("objectClass", s.object_class);
  json.field("minWidth", (int64_t)s.min_width);
  json.field("minHeight", (int64_t)s.min_height);
  json.field("threshold", s.threshold);
  json.field("topK", (int64_t)s.top_k);
  json.field("activation", enum_nick(GST_TYPE_TS_ACTIVATION, s.activation));
  json.field("multiLabel", s.multi_label);
  json.field("reclassifyInterval", (int64_t)s.reclassify_interval);
  json.field("attributeName", s.attribute_name.empty() ? GST_OBJECT_NAME(filter) : s.attribute_name.c_str());
  json.field("outputType", enum_nick(GST_TYPE_TS_OUTPUT_TYPE, s.output_type));
}

static void gst_ts_classify_set_property(GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec) {
  GstTsClassify *self = GST_TS_CLASSIFY(object);
  GST_OBJECT_LOCK(self);
  TsClassifySettings &s = *self->settings;
  switch (prop_id) {
  case PROP_INFERENCE_REGION:
    s.inference_region = (GstTsInferenceRegion)g_value_get_enum(value);
    break;
  case PROP_OBJECT_CLASS:
    s.object_class = g_value_get_string(value) ? g_value_get_string(value) : "";
    break;
  case PROP_MIN_WIDTH:
    s.min_width = g_value_get_uint(value);
    break;
  case PROP_MIN_HEIGHT:
    s.min_height = g_value_get_uint(value);
    break;
  case PROP_THRESHOLD:
    s.threshold = g_value_get_double(value);
    break;
  case PROP_TOP_K:
    s.top_k = g_value_get_uint(value);
    break;
  case PROP_ACTIVATION:
    s.activation = (GstTsActivation)g_value_get_enum(value);
    break;
  case PROP_MULTI_LABEL:
    s.multi_label = g_value_get_boolean(value);
    break;
  case PROP_RECLASSIFY_INTERVAL:
    s.reclassify_interval = g_value_get_uint(value);
    break;
  case PROP_ATTRIBUTE_NAME:
    s.attribute_name = g_value_get_string(value) ? g_value_get_string(value) : "";
    break;
  case PROP_OUTPUT_TYPE:
    s.output_type = (GstTsOutputType)g_value_get_enum(value);
    break;
  default:
    if (!ts_model_settings_set(s.model, PROP_MODEL_FIRST, prop_id, value))
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK(self);
}

static void gst_ts_classify_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec) {
  GstTsClassify *self = GST_TS_CLASSIFY(object);
  GST_OBJECT_LOCK(self);
  const TsClassifySettings &s = *self->settings;
  switch (prop_id) {
  case PROP_INFERENCE_REGION:
    g_value_set_enum(value, s.inference_region);
    break;
  case PROP_OBJECT_CLASS:
    g_value_set_string(value, s.object_class.empty() ? nullptr : s.object_class.c_str());
    break;
  case PROP_MIN_WIDTH:
    g_value_set_uint(value, s.min_width);
    break;
  case PROP_MIN_HEIGHT:
    g_value_set_uint(value, s.min_height);
    break;
  case PROP_THRESHOLD:
    g_value_set_double(value, s.threshold);
    break;
  case PROP_TOP_K:
    g_value_set_uint(value, s.top_k);
    break;
  case PROP_ACTIVATION:
    g_value_set_enum(value, s.activation);
    break;
  case PROP_MULTI_LABEL:
    g_value_set_boolean(value, s.multi_label);
    break;
  case PROP_RECLASSIFY_INTERVAL:
    g_value_set_uint(value, s.reclassify_interval);
    break;
  case PROP_ATTRIBUTE_NAME:
    g_value_set_string(value, s.attribute_name.empty() ? nullptr : s.attribute_name.c_str());
    break;
  case PROP_OUTPUT_TYPE:
    g_value_set_enum(value, s.output_type);
    break;
  default:
    if (!ts_model_settings_get(s.model, PROP_MODEL_FIRST, prop_id, value))
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK(self);
}

static gboolean gst_ts_classify_check_settings(GstTsFilter *filter) {
  GstTsClassify *self = GST_TS_CLASSIFY(filter);
  GST_OBJECT_LOCK(self);
  bool have_model = !self->settings->model.model.empty();
  GST_OBJECT_UNLOCK(self);
  if (!have_model) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS,
                      ("%s: set the model property (an ONNX classification or embedding model)", GST_OBJECT_NAME(self)),
                      (nullptr));
    return FALSE;
  }
  return TRUE;
}

static void gst_ts_classify_finalize(GObject *object) {
  delete GST_TS_CLASSIFY(object)->settings;
  G_OBJECT_CLASS(gst_ts_classify_parent_class)->finalize(object);
}

static void gst_ts_classify_class_init(GstTsClassifyClass *klass) {
  GObjectClass *gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS(klass);
  GstTsFilterClass *filter_class = GST_TS_FILTER_CLASS(klass);

  GST_DEBUG_CATEGORY_INIT(gst_ts_classify_debug, "tsclassify", 0, "tsvision classification");

  gobject_class->set_property = gst_ts_classify_set_property;
  gobject_class->get_property = gst_ts_classify_get_property;
  gobject_class->finalize = gst_ts_classify_finalize;

  static const TsModelPropertyDocs model_docs = {
      "Path to an ONNX classification model (class scores) or embedding model (a feature vector), run with "
      "onnxruntime",
      "At most this many regions of a frame run together in one inference when the model has a dynamic batch "
      "axis (models with a fixed batch of 1 run region by region); full-frame inputs of elements sharing "
      "model-instance-id are batched across streams",
      DEFAULT_BATCH_SIZE,
  };
  ts_model_settings_install(gobject_class, PROP_MODEL_FIRST, model_docs);

  const GParamFlags flags = (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  g_object_class_install_property(
      gobject_class, PROP_INFERENCE_REGION,
      g_param_spec_enum("inference-region", "Inference region",
                        "What is classified: each object already on the buffer (roi-list) or the whole frame",
                        GST_TYPE_TS_INFERENCE_REGION, DEFAULT_INFERENCE_REGION, flags));
  g_object_class_install_property(
      gobject_class, PROP_OBJECT_CLASS,
      g_param_spec_string("object-class", "Object class",
                          "Comma-separated labels of the objects to classify (e.g. \"car,truck\"); empty classifies "
                          "all; the other objects pass on untouched",
                          nullptr, flags));
  g_object_class_install_property(
      gobject_class, PROP_MIN_WIDTH,
      g_param_spec_uint("min-width", "Minimum width",
                        "Objects narrower than this (in pixels, after clipping to the frame) are not classified", 0,
                        G_MAXUINT, DEFAULT_MIN_SIZE, flags));
  g_object_class_install_property(
      gobject_class, PROP_MIN_HEIGHT,
      g_param_spec_uint("min-height", "Minimum height",
                        "Objects lower than this (in pixels, after clipping to the frame) are not classified", 0,
                        G_MAXUINT, DEFAULT_MIN_SIZE, flags));
  g_object_class_install_property(
      gobject_class, PROP_THRESHOLD,
      g_param_spec_double("threshold", "Threshold", "Minimum probability of a reported class", 0.0, 1.0,
                          DEFAULT_THRESHOLD, flags));
  g_object_class_install_property(
      gobject_class, PROP_TOP_K,
      g_param_spec_uint("top-k", "Top k", "Report at most this many classes per object, best first (0 = no limit)",
                        0, G_MAXUINT, DEFAULT_TOP_K, flags));
  g_object_class_install_property(
      gobject_class, PROP_ACTIVATION,
      g_param_spec_enum("activation", "Activation", "How the model's outputs become probabilities",
                        GST_TYPE_TS_ACTIVATION, DEFAULT_ACTIVATION, flags));
  g_object_class_install_property(
      gobject_class, PROP_MULTI_LABEL,
      g_param_spec_boolean("multi-label", "Multi-label",
                           "Each class is independent (sigmoid): report every class whose probability reaches "
                           "threshold (top-k caps the count), instead of the best classes of one distribution",
                           FALSE, flags));
  g_object_class_install_property(
      gobject_class, PROP_RECLASSIFY_INTERVAL,
      g_param_spec_uint("reclassify-interval", "Reclassify interval",
                        "Objects with a track id (tstrack upstream) are classified at most once every N frames; "
                        "their last result is reused in between and on predicted boxes (1 = every frame, 0 = once "
                        "per track). Results are forgotten when the track is gone",
                        0, G_MAXUINT, DEFAULT_RECLASSIFY_INTERVAL, flags));
  g_object_class_install_property(
      gobject_class, PROP_ATTRIBUTE_NAME,
      g_param_spec_string("attribute-name", "Attribute name",
                          "What the classification is about (e.g. \"color\"): the name of the ROI meta param "
                          "structure and the classifications' attribute (default: the element's name)",
                          nullptr, flags));
  g_object_class_install_property(
      gobject_class, PROP_OUTPUT_TYPE,
      g_param_spec_enum("output-type", "Output type", "What the model's first output holds",
                        GST_TYPE_TS_OUTPUT_TYPE, DEFAULT_OUTPUT_TYPE, flags));

  gst_element_class_set_static_metadata(
      element_class, "tsvision classification", "Filter/Analyzer/Video",
      "Classifies detected objects or whole frames with an ONNX model or a TypeScript hook and attaches the "
      "results to their region-of-interest metas",
      "tsvision developers");

  filter_class->kind = "classify";
  filter_class->debug_category = gst_ts_classify_debug;
  filter_class->write_config = gst_ts_classify_write_config;
  filter_class->check_settings = gst_ts_classify_check_settings;
  gst_type_mark_as_plugin_api(GST_TYPE_TS_ACTIVATION, (GstPluginAPIFlags)0);
  gst_type_mark_as_plugin_api(GST_TYPE_TS_OUTPUT_TYPE, (GstPluginAPIFlags)0);
}

static void gst_ts_classify_init(GstTsClassify *self) { self->settings = new TsClassifySettings(); }
