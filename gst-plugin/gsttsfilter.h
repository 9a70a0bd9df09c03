/* GstTsFilter — the abstract base of the tsvision elements whose logic runs in the embedded Node
 * runtime (tsdetect, and later tstrack and tsclassify). It owns what they share: the `module`,
 * `module-args` and `hook-errors` properties, the runtime instance's life cycle (created in
 * start(), destroyed in stop()), caps handling, zero-copy frame hand-over, and bus messages and
 * logs coming back from JavaScript. Subclasses add their settings to the instance config and
 * write results onto the buffer. */
#pragma once

#include <gst/base/gstbasetransform.h>
#include <gst/video/video.h>

#include <memory>
#include <mutex>
#include <string>

#include "host/host-api.h"
#include "json-writer.h"

G_BEGIN_DECLS

#define GST_TYPE_TS_FILTER (gst_ts_filter_get_type())
G_DECLARE_DERIVABLE_TYPE(GstTsFilter, gst_ts_filter, GST, TS_FILTER, GstBaseTransform)

typedef enum {
  GST_TS_HOOK_ERRORS_FAIL,
  GST_TS_HOOK_ERRORS_SKIP,
} GstTsHookErrors;

struct _GstTsFilterClass {
  GstBaseTransformClass parent_class;
  /* The runtime's element kind: "detect", "track", ... */
  const char *kind;
  /* The subclass's debug category: logs from its JavaScript side go there. */
  GstDebugCategory *debug_category;
  /* Adds the subclass's settings to the config object (called with the object lock held). */
  void (*write_config)(GstTsFilter *self, tsv::JsonWriter &json);
  /* Checks settings before the runtime is started (e.g. that files exist). */
  gboolean (*check_settings)(GstTsFilter *self);
  /* Applies a result to the (writable) buffer. Default: new objects become ROI metas, objects
   * with a source index update the metas they came from. */
  void (*apply_result)(GstTsFilter *self, GstBuffer *buffer, const tsv::Result &result);
};

/* Writes the objects of `result` onto `buffer` (the default apply_result). */
void gst_ts_filter_apply_objects(GstTsFilter *self, GstBuffer *buffer, const tsv::Result &result);

/* The element's current video info (valid after caps). */
const GstVideoInfo *gst_ts_filter_get_video_info(GstTsFilter *self);

G_END_DECLS
