/**
 * SECTION:element-tsclassify
 *
 * Classification of the objects already on each frame (the region-of-interest metas of tsdetect or
 * any detector: secondary classification, like DeepStream's SGIE or DL Streamer's gvaclassify) or of
 * the whole frame, with an ONNX model. Each region is cropped, resized and normalised by the native
 * preprocessing (as the model manifest describes the model, or `pre-process-config`); all regions
 * of a frame run in one inference when the model has a dynamic batch axis.
 *
 * Results go where DL Streamer puts them: on the object's ROI meta as a param structure named
 * after `attribute-name` with `label`, `label_id` and `confidence` (plus `embedding`, a GBytes of
 * float32, for embedding models); full-frame results in a "TsvisionClassificationMeta" custom meta.
 * Hooks see them as `classifications`; tsexport writes them.
 *
 * `output-type=segmentation` (auto for a manifest task "segmentation" or an output shaped like a class map,
 * [1,H,W,C] or [1,C,H,W]) makes class maps by an argmax per cell: a full frame's map, at model resolution with its
 * transform to frame pixels, goes to a "TsvisionSegmentationMeta" (and a GstAnalytics semantic segmentation mtd on
 * GStreamer >= 1.26; roi-meta.h); per object each object gets a mask of its class's pixels inside its box.
 *
 * With tstrack upstream, `reclassify-interval=N` classifies each track at most once every N frames
 * and reuses its last result in between (and on the boxes tstrack predicts).
 *
 * ## Example
 * |[
 * gst-launch-1.0 filesrc location=dog.jpg ! jpegdec ! videoconvert ! \
 *   tsdetect model=yolox_nano_416.onnx ! \
 *   tsclassify model=mobilenet_v2.onnx labels-file=imagenet_classes_1000.txt object-class=dog \
 *     attribute-name=breed ! \
 *   tsexport location=out.jsonl ! fakesink
 * ]|
 */
#include "gsttsclassify.h"

GST_DEBUG_CATEGORY_STATIC(gst_ts_classify_debug);
#define GST_CAT_DEFAULT gst_ts_classify_debug

/* The properties (model, …) are declared in ts-runtime/src/settings/classify.ts. */
struct _GstTsClassify {
  GstTsFilter parent;
};

G_DEFINE_TYPE(GstTsClassify, gst_ts_classify, GST_TYPE_TS_FILTER);
GST_ELEMENT_REGISTER_DEFINE(tsclassify, "tsclassify", GST_RANK_NONE, GST_TYPE_TS_CLASSIFY);

/* Objects (classifications, per-object masks) as every filter writes them, and the frame's class map
 * (output-type=segmentation, full-frame) as TsvisionSegmentationMeta (roi-meta.h). */
static void gst_ts_classify_apply_result(GstTsFilter *filter, GstBuffer *buffer, const tsv::Result &result) {
  gst_ts_filter_apply_objects(filter, buffer, result);
  if (result.segmentation) {
    const GstVideoInfo *info = gst_ts_filter_get_video_info(filter);
    tsv::frame_set_segmentation(buffer, *result.segmentation, GST_VIDEO_INFO_WIDTH(info), GST_VIDEO_INFO_HEIGHT(info));
  }
}

static void gst_ts_classify_class_init(GstTsClassifyClass *klass) {
  GstElementClass *element_class = GST_ELEMENT_CLASS(klass);
  GstTsFilterClass *filter_class = GST_TS_FILTER_CLASS(klass);

  GST_DEBUG_CATEGORY_INIT(gst_ts_classify_debug, "tsclassify", 0, "tsvision classification");

  gst_element_class_set_static_metadata(
      element_class, "tsvision classification", "Filter/Analyzer/Video",
      "Classifies detected objects or whole frames with an ONNX model or a TypeScript hook and attaches the "
      "results to their region-of-interest metas",
      "tsvision developers");

  gst_ts_filter_class_set_kind(filter_class, "classify", GST_TS_FILTER_READS_PIXELS);
  filter_class->debug_category = gst_ts_classify_debug;
  filter_class->apply_result = gst_ts_classify_apply_result;
}

static void gst_ts_classify_init(GstTsClassify *) {}
