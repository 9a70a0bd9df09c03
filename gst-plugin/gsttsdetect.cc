/**
 * SECTION:element-tsdetect
 *
 * Object detection with an ONNX model (onnxruntime; YOLOX, YOLOv5/v7/v8/v11, end-to-end,
 * NanoDet/PicoDet and SSD heads decoded by built-in decoders) or a TypeScript hook. Each
 * detection becomes a GstVideoRegionOfInterestMeta in DL Streamer's convention (roi_type = label, a "detection" param with confidence, label_id and normalised
 * x_min/y_min/x_max/y_max), so tsvision elements and others can read it.
 *
 * ## Example
 * |[
 * gst-launch-1.0 filesrc location=video.mp4 ! decodebin ! \
 *   tsdetect model=yolox_nano_416.onnx labels-file=coco_classes.txt threshold=0.4 ! \
 *   tsexport location=out.jsonl ! fakesink
 * ]|
 */
#include "gsttsdetect.h"

GST_DEBUG_CATEGORY_STATIC(gst_ts_detect_debug);
#define GST_CAT_DEFAULT gst_ts_detect_debug

/* The properties (model, …) are declared in ts-runtime/src/settings/detect.ts. */
struct _GstTsDetect {
  GstTsFilter parent;
};

G_DEFINE_TYPE(GstTsDetect, gst_ts_detect, GST_TYPE_TS_FILTER);
GST_ELEMENT_REGISTER_DEFINE(tsdetect, "tsdetect", GST_RANK_NONE, GST_TYPE_TS_DETECT);

static void gst_ts_detect_class_init(GstTsDetectClass *klass) {
  GstElementClass *element_class = GST_ELEMENT_CLASS(klass);
  GstTsFilterClass *filter_class = GST_TS_FILTER_CLASS(klass);

  GST_DEBUG_CATEGORY_INIT(gst_ts_detect_debug, "tsdetect", 0, "tsvision object detection");

  gst_element_class_set_static_metadata(
      element_class, "tsvision object detection", "Filter/Analyzer/Video",
      "Detects objects with an ONNX model or a TypeScript hook and attaches them as region-of-interest metas",
      "tsvision developers");

  gst_ts_filter_class_set_kind(filter_class, "detect", GST_TS_FILTER_READS_PIXELS);
  filter_class->debug_category = gst_ts_detect_debug;
}

static void gst_ts_detect_init(GstTsDetect *) {}
