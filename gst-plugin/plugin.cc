/* The tsvision plugin: registers the elements. Loading the plugin (gst-inspect-1.0 included)
 * never loads libnode or starts the runtime; the first element to start does. */
#include <gst/gst.h>

#include "config.h"
#include "gsttsanalytics.h"
#include "gsttsclassify.h"
#include "gsttsdetect.h"
#include "gsttsexport.h"
#include "gsttsoverlay.h"
#include "gsttstrack.h"

static gboolean plugin_init(GstPlugin *plugin) {
  gboolean ok = FALSE;
  ok |= GST_ELEMENT_REGISTER(tsdetect, plugin);
  ok |= GST_ELEMENT_REGISTER(tsclassify, plugin);
  ok |= GST_ELEMENT_REGISTER(tsexport, plugin);
  ok |= GST_ELEMENT_REGISTER(tstrack, plugin);
  ok |= GST_ELEMENT_REGISTER(tsoverlay, plugin);
  ok |= GST_ELEMENT_REGISTER(tsanalytics, plugin);
  return ok;
}

/* Says whether objects are GstAnalytics metadata too (tests and users read it in gst-inspect-1.0). */
#if TSVISION_HAVE_ANALYTICS
#define TSVISION_METADATA "; objects as region-of-interest metas and GstAnalytics metadata"
#else
#define TSVISION_METADATA "; objects as region-of-interest metas"
#endif

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, tsvision,
                  "Video analytics elements whose logic is TypeScript running in an embedded Node.js "
                  "runtime, with ONNX models through onnxruntime" TSVISION_METADATA,
                  plugin_init, TSVISION_VERSION, "Apache 2.0", "tsvision", "https://example.invalid/tsvision")
