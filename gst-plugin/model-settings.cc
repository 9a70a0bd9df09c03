#include "model-settings.h"

enum {
  MODEL,
  LABELS_FILE,
  DEVICE,
  DEVICE_FALLBACK,
  THREADS,
  BATCH_SIZE,
  BATCH_TIMEOUT,
  MODEL_INSTANCE_ID,
  PRE_PROCESS_CONFIG,
};

GType gst_ts_inference_region_get_type(void) {
  static GType type = 0;
  static const GEnumValue values[] = {
      {GST_TS_INFERENCE_REGION_FULL_FRAME, "Run the model on the whole frame", "full-frame"},
      {GST_TS_INFERENCE_REGION_ROI_LIST,
       "Run the model on each region already on the buffer (e.g. from a detector)", "roi-list"},
      {0, nullptr, nullptr},
  };
  if (g_once_init_enter(&type)) {
    GType t = g_enum_register_static("GstTsInferenceRegion", values);
    g_once_init_leave(&type, t);
  }
  return type;
}

void ts_model_settings_install(GObjectClass *klass, guint first_id, const TsModelPropertyDocs &docs) {
  const GParamFlags flags = (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  g_object_class_install_property(klass, first_id + MODEL,
                                  g_param_spec_string("model", "Model", docs.model_blurb, nullptr, flags));
  g_object_class_install_property(
      klass, first_id + LABELS_FILE,
      g_param_spec_string("labels-file", "Labels file",
                          "Text file with one class label per line, line N = class id N; its line count must "
                          "match the model's class count (default: the labels the model manifest names)",
                          nullptr, flags));
  g_object_class_install_property(
      klass, first_id + DEVICE,
      g_param_spec_string("device", "Device",
                          "Where the model runs: cpu, cuda, cuda:N or tensorrt (onnxruntime execution providers)",
                          TS_MODEL_DEFAULT_DEVICE, flags));
  g_object_class_install_property(
      klass, first_id + DEVICE_FALLBACK,
      g_param_spec_boolean("device-fallback", "Device fallback",
                           "When the device's execution provider is missing: warn and run on the CPU (true) or fail "
                           "(false)",
                           TRUE, flags));
  g_object_class_install_property(
      klass, first_id + THREADS,
      g_param_spec_uint("threads", "Threads",
                        "CPU threads for one inference (0 = onnxruntime's default: one per physical core)", 0, 1024,
                        0, flags));
  g_object_class_install_property(klass, first_id + BATCH_SIZE,
                                  g_param_spec_uint("batch-size", "Batch size", docs.batch_size_blurb, 1, 256,
                                                    docs.default_batch_size, flags));
  g_object_class_install_property(
      klass, first_id + BATCH_TIMEOUT,
      g_param_spec_uint("batch-timeout", "Batch timeout",
                        "Milliseconds a partial batch of frames from elements sharing model-instance-id waits for "
                        "more frames before it runs",
                        0, 10000, TS_MODEL_DEFAULT_BATCH_TIMEOUT, flags));
  g_object_class_install_property(
      klass, first_id + MODEL_INSTANCE_ID,
      g_param_spec_string("model-instance-id", "Model instance id",
                          "Elements with the same id share one onnxruntime session (one copy of the weights) and "
                          "batch their frames together",
                          nullptr, flags));
  g_object_class_install_property(
      klass, first_id + PRE_PROCESS_CONFIG,
      g_param_spec_string("pre-process-config", "Pre-process config",
                          "Overrides the model description's preprocessing, e.g. "
                          "\"resize=letterbox-centre,pad-value=114,color=RGB,scale=0.003921569,mean=0:0:0,std=1:1:1,"
                          "layout=NCHW\" (resize: letterbox, letterbox-centre, stretch, centre-crop; "
                          "crop-fraction=X for centre-crop)",
                          nullptr, flags));
}

static std::string string_or(const GValue *value, const char *fallback) {
  const char *s = g_value_get_string(value);
  return s ? s : fallback;
}

static const char *nullable(const std::string &s) { return s.empty() ? nullptr : s.c_str(); }

bool ts_model_settings_set(TsModelSettings &s, guint first_id, guint prop_id, const GValue *value) {
  if (prop_id < first_id || prop_id >= first_id + TS_MODEL_N_PROPERTIES)
    return false;
  switch (prop_id - first_id) {
  case MODEL: s.model = string_or(value, ""); break;
  case LABELS_FILE: s.labels_file = string_or(value, ""); break;
  case DEVICE: s.device = string_or(value, TS_MODEL_DEFAULT_DEVICE); break;
  case DEVICE_FALLBACK: s.device_fallback = g_value_get_boolean(value); break;
  case THREADS: s.threads = g_value_get_uint(value); break;
  case BATCH_SIZE: s.batch_size = g_value_get_uint(value); break;
  case BATCH_TIMEOUT: s.batch_timeout = g_value_get_uint(value); break;
  case MODEL_INSTANCE_ID: s.model_instance_id = string_or(value, ""); break;
  case PRE_PROCESS_CONFIG: s.pre_process_config = string_or(value, ""); break;
  }
  return true;
}

bool ts_model_settings_get(const TsModelSettings &s, guint first_id, guint prop_id, GValue *value) {
  if (prop_id < first_id || prop_id >= first_id + TS_MODEL_N_PROPERTIES)
    return false;
  switch (prop_id - first_id) {
  case MODEL: g_value_set_string(value, nullable(s.model)); break;
  case LABELS_FILE: g_value_set_string(value, nullable(s.labels_file)); break;
  case DEVICE: g_value_set_string(value, s.device.c_str()); break;
  case DEVICE_FALLBACK: g_value_set_boolean(value, s.device_fallback); break;
  case THREADS: g_value_set_uint(value, s.threads); break;
  case BATCH_SIZE: g_value_set_uint(value, s.batch_size); break;
  case BATCH_TIMEOUT: g_value_set_uint(value, s.batch_timeout); break;
  case MODEL_INSTANCE_ID: g_value_set_string(value, nullable(s.model_instance_id)); break;
  case PRE_PROCESS_CONFIG: g_value_set_string(value, nullable(s.pre_process_config)); break;
  }
  return true;
}

void ts_model_settings_write(const TsModelSettings &s, tsv::JsonWriter &json) {
  json.field("model", nullable(s.model));
  json.field("labelsFile", nullable(s.labels_file));
  json.field("device", s.device);
  json.field("deviceFallback", s.device_fallback);
  json.field("threads", (int64_t)s.threads);
  json.field("batchSize", (int64_t)s.batch_size);
  json.field("batchTimeout", (int64_t)s.batch_timeout);
  json.field("modelInstanceId", s.model_instance_id);
  json.field("preProcessConfig", s.pre_process_config);
}
