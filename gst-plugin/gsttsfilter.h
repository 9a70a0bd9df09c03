/* GstTsFilter — the abstract base of the tsvision elements whose logic runs in the embedded Node
 * runtime (tsdetect, tstrack, tsclassify). It owns what they share: their properties (the base
 * settings `module`, `module-args`, `hook-errors`, … and each element's own, all installed, stored
 * and handed to the runtime's config from the tables generated from their TypeScript declaration,
 * ts-runtime/src/settings), the runtime instance's life cycle (created in start(), destroyed in
 * stop()), caps handling, zero-copy frame hand-over, and bus messages and logs coming back from
 * JavaScript. Subclasses name their element kind and write results onto the buffer. */
#pragma once

#include <gst/base/gstbasetransform.h>
#include <gst/video/video.h>

#include <memory>
#include <mutex>
#include <string>

#include "host/host-api.h"
#include "roi-meta.h"
#include "settings.h"

G_BEGIN_DECLS

/* What an element reads of the frames, which decides its pad templates. */
typedef enum {
  /* Pixels (tsdetect, tsclassify): system memory in one of the 8 formats the preprocessing reads;
   * anything else is converted by a videoconvert before it (the caps negotiate that). */
  GST_TS_FILTER_READS_PIXELS,
  /* Metadata only (tstrack): any raw video, any caps features (e.g. DeepStream's memory:NVMM).
   * Hooks get the pixels when the frame is in system memory in one of the 8 formats, else an
   * empty `data`. */
  GST_TS_FILTER_READS_METADATA,
} GstTsFilterPixels;

#define GST_TYPE_TS_FILTER (gst_ts_filter_get_type())
G_DECLARE_DERIVABLE_TYPE(GstTsFilter, gst_ts_filter, GST, TS_FILTER, GstBaseTransform)

struct _GstTsFilterClass {
  GstBaseTransformClass parent_class;
  /* The runtime's element kind: "detect", "track", ... (set by gst_ts_filter_class_set_kind). */
  const char *kind;
  /* Whether the element needs pixels (set by gst_ts_filter_class_set_kind). */
  GstTsFilterPixels pixels;
  /* Every property of the class, the base settings first: property id i + 1 is settings[i]. */
  const tsv::SettingSpec *const *settings;
  guint n_settings;
  /* The subclass's debug category: logs from its JavaScript side go there. */
  GstDebugCategory *debug_category;
  /* Applies a result to the (writable) buffer. Default: new objects become ROI metas, objects
   * with a source index update the metas they came from. */
  void (*apply_result)(GstTsFilter *self, GstBuffer *buffer, const tsv::Result &result);
  /* Optional, on the streaming thread just before a frame goes to the runtime (its pixels, when readable,
   * and objects described): adds what the element computes natively. `discont`: the frame does not follow
   * the previous one (a discontinuity, or the first after a flush). */
  void (*prepare_frame)(GstTsFilter *self, tsv::Frame &frame, gboolean discont);
};

/* Called from the subclass's class_init: sets the runtime's element kind, installs the kind's
 * declared settings as properties (after the base settings) and the pad templates for `pixels`. */
void gst_ts_filter_class_set_kind(GstTsFilterClass *klass, const char *kind, GstTsFilterPixels pixels);

/* Writes the objects of `result` onto `buffer` (the default apply_result). */
void gst_ts_filter_apply_objects(GstTsFilter *self, GstBuffer *buffer, const tsv::Result &result);
/* Same, with the element's track times (tstrack), for the tracking mtds' first and last seen. */
void gst_ts_filter_apply_objects_full(GstTsFilter *self, GstBuffer *buffer, const tsv::Result &result,
                                      tsv::TrackTimes *tracks);

/* A setting's current value by its canonical (camelCase) name: numbers, booleans (0/1) and enums (the
 * value's index); 0 for an unknown name. */
double gst_ts_filter_get_setting_number(GstTsFilter *self, const char *key);

/* The element's current video info (valid after caps). */
const GstVideoInfo *gst_ts_filter_get_video_info(GstTsFilter *self);

G_END_DECLS
