#pragma once

#include "gsttsfilter.h"

G_BEGIN_DECLS
#define GST_TYPE_TS_TRACK (gst_ts_track_get_type())
G_DECLARE_FINAL_TYPE(GstTsTrack, gst_ts_track, GST, TS_TRACK, GstTsFilter)
GST_ELEMENT_REGISTER_DECLARE(tstrack);

typedef enum {
  GST_TS_TRACKER_BYTETRACK,
  GST_TS_TRACKER_SORT,
  GST_TS_TRACKER_IOU,
} GstTsTrackerKind;

G_END_DECLS
