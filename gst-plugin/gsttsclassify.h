#pragma once

#include "gsttsfilter.h"

G_BEGIN_DECLS
#define GST_TYPE_TS_CLASSIFY (gst_ts_classify_get_type())
G_DECLARE_FINAL_TYPE(GstTsClassify, gst_ts_classify, GST, TS_CLASSIFY, GstTsFilter)
GST_ELEMENT_REGISTER_DECLARE(tsclassify);
G_END_DECLS
