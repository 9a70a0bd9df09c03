#pragma once

#include <gst/video/gstvideofilter.h>
#include <gst/video/video.h>

G_BEGIN_DECLS
#define GST_TYPE_TS_OVERLAY (gst_ts_overlay_get_type())
G_DECLARE_FINAL_TYPE(GstTsOverlay, gst_ts_overlay, GST, TS_OVERLAY, GstVideoFilter)
GST_ELEMENT_REGISTER_DECLARE(tsoverlay);

/* What picks an object's colour. */
typedef enum {
  GST_TS_OVERLAY_COLOR_BY_CLASS, /* class id, or the label when there is none */
  GST_TS_OVERLAY_COLOR_BY_TRACK, /* track id; objects without one are grey */
} GstTsOverlayColorBy;

G_END_DECLS
