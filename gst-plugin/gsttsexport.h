#pragma once

#include <gst/base/gstbasetransform.h>

G_BEGIN_DECLS
#define GST_TYPE_TS_EXPORT (gst_ts_export_get_type())
G_DECLARE_FINAL_TYPE(GstTsExport, gst_ts_export, GST, TS_EXPORT, GstBaseTransform)
GST_ELEMENT_REGISTER_DECLARE(tsexport);
G_END_DECLS
