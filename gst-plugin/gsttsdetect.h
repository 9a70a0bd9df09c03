#pragma once

#include "gsttsfilter.h"

G_BEGIN_DECLS
#define GST_TYPE_TS_DETECT (gst_ts_detect_get_type())
G_DECLARE_FINAL_TYPE(GstTsDetect, gst_ts_detect, GST, TS_DETECT, GstTsFilter)
GST_ELEMENT_REGISTER_DECLARE(tsdetect);
G_END_DECLS
