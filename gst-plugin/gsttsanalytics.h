#pragma once

#include "gsttsfilter.h"

G_BEGIN_DECLS

#define GST_TYPE_TS_ANALYTICS (gst_ts_analytics_get_type())
G_DECLARE_FINAL_TYPE(GstTsAnalytics, gst_ts_analytics, GST, TS_ANALYTICS, GstTsFilter)

GST_ELEMENT_REGISTER_DECLARE(tsanalytics);

G_END_DECLS
