/* Settings every model-running tsvision element shares (tsdetect, tsclassify): the model file,
 * labels, device, threads, batching, session sharing and preprocessing overrides. One settings
 * struct, one place that installs the GObject properties (nick, blurb, default), reads and
 * writes them, and hands them to the runtime's config. */
#pragma once

#include <gst/gst.h>

#include <string>

#include "json-writer.h"

G_BEGIN_DECLS

typedef enum {
  GST_TS_INFERENCE_REGION_FULL_FRAME,
  GST_TS_INFERENCE_REGION_ROI_LIST,
} GstTsInferenceRegion;

/* Enum of the `inference-region` property (tsdetect, tsclassify). */
#define GST_TYPE_TS_INFERENCE_REGION (gst_ts_inference_region_get_type())
GType gst_ts_inference_region_get_type(void);

G_END_DECLS

#define TS_MODEL_DEFAULT_DEVICE "cpu"
#define TS_MODEL_DEFAULT_BATCH_TIMEOUT 10

struct TsModelSettings {
  std::string model;
  std::string labels_file;
  std::string device = TS_MODEL_DEFAULT_DEVICE;
  bool device_fallback = true;
  guint threads = 0;
  guint batch_size = 1;
  guint batch_timeout = TS_MODEL_DEFAULT_BATCH_TIMEOUT;
  std::string model_instance_id;
  std::string pre_process_config;
};

/* What differs between the elements' documentation of the shared properties. */
struct TsModelPropertyDocs {
  const char *model_blurb;
  const char *batch_size_blurb;
  guint default_batch_size;
};

/* The shared properties take ids first_id .. first_id + TS_MODEL_N_PROPERTIES - 1. */
#define TS_MODEL_N_PROPERTIES 9

void ts_model_settings_install(GObjectClass *klass, guint first_id, const TsModelPropertyDocs &docs);
/* Return false when prop_id is not one of the shared properties. Call with the object lock held. */
bool ts_model_settings_set(TsModelSettings &s, guint first_id, guint prop_id, const GValue *value);
bool ts_model_settings_get(const TsModelSettings &s, guint first_id, guint prop_id, GValue *value);
/* Adds the settings to the runtime config (model, labelsFile, device, …). */
void ts_model_settings_write(const TsModelSettings &s, tsv::JsonWriter &json);
