#pragma once

#include "gsttsfilter.h"

G_BEGIN_DECLS
#define GST_TYPE_TS_TRACK (gst_ts_track_get_type())
G_DECLARE_FINAL_TYPE(GstTsTrack, gst_ts_track, GST, TS_TRACK, GstTsFilter)
GST_ELEMENT_REGISTER_DECLARE(tstrack);

G_END_DECLS
