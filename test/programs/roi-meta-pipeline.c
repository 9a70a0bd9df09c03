/* Test helper: runs a gst-launch-style pipeline in which every buffer leaving the element named
 * "roi" gets the given GstVideoRegionOfInterestMeta, written as any other vendor's element would
 * (no tsvision code involved): only the params that are given, e.g. no DL Streamer "detection".
 *
 *   roi-meta-pipeline "<pipeline with ... ! identity name=roi ! ...>" \
 *       --roi TYPE,X,Y,W,H [--param "<GstStructure>"]... [--roi ...]...
 *
 *   --roi     a new meta: roi_type TYPE, box X,Y,W,H (pixels)
 *   --param   a param of the latest --roi, e.g. "object_id, id=(int)7, predicted=(boolean)true"
 *   --dls-mask W,H  a param of the latest --roi as DL Streamer's gvadetect writes an instance mask (YOLOv8SegConverter):
 *             "mask_yolov8" {format: segmentation_mask, precision: 10 (FP32), dims: <W, H>, data_buffer: W x H float32
 *             probabilities, stretched over the box by readers}: 0.9 in the left half of its columns, 0.1 elsewhere
 *   --caps-features F  the caps leaving "roi" claim the caps features F (e.g. memory:NVMM), as a
 *             DeepStream element's would; the buffers stay in system memory
 *
 * Exit 0 at EOS, 1 on an error (printed) or bad arguments.
 * Built by the test that uses it (cc + pkg-config gstreamer-video-1.0). */
#include <gst/gst.h>
#include <gst/video/video.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  gchar *type;
  guint x, y, w, h;
  GPtrArray *params; /* GstStructure* */
} Roi;

static GPtrArray *rois;
static GstCapsFeatures *caps_features;

static GstPadProbeReturn set_caps_features(GstPad *pad, GstPadProbeInfo *info, gpointer data) {
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT(info);
  if (GST_EVENT_TYPE(event) != GST_EVENT_CAPS)
    return GST_PAD_PROBE_OK;
  GstCaps *caps;
  gst_event_parse_caps(event, &caps);
  caps = gst_caps_copy(caps);
  gst_caps_set_features(caps, 0, gst_caps_features_copy(caps_features));
  gst_event_unref(event);
  GST_PAD_PROBE_INFO_DATA(info) = gst_event_new_caps(caps);
  gst_caps_unref(caps);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn add_metas(GstPad *pad, GstPadProbeInfo *info, gpointer data) {
  GstBuffer *buf = gst_buffer_make_writable(GST_PAD_PROBE_INFO_BUFFER(info));
  for (guint i = 0; i < rois->len; i++) {
    Roi *r = g_ptr_array_index(rois, i);
    GstVideoRegionOfInterestMeta *meta =
        gst_buffer_add_video_region_of_interest_meta(buf, r->type, r->x, r->y, r->w, r->h);
    for (guint j = 0; j < r->params->len; j++)
      gst_video_region_of_interest_meta_add_param(meta, gst_structure_copy(g_ptr_array_index(r->params, j)));
  }
  GST_PAD_PROBE_INFO_DATA(info) = buf;
  return GST_PAD_PROBE_OK;
}

static void usage(void) {
  fprintf(stderr, "usage: roi-meta-pipeline PIPELINE [--caps-features F] [--roi TYPE,X,Y,W,H [--param STRUCTURE]... [--dls-mask W,H]]...\n");
  exit(1);
}

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  if (argc < 2)
    usage();
  rois = g_ptr_array_new();
  for (int i = 2; i < argc; i++) {
    if (!strcmp(argv[i], "--roi") && i + 1 < argc) {
      Roi *r = g_new0(Roi, 1);
      char type[256];
      if (sscanf(argv[++i], "%255[^,],%u,%u,%u,%u", type, &r->x, &r->y, &r->w, &r->h) != 5)
        usage();
      r->type = g_strdup(type);
      r->params = g_ptr_array_new();
      g_ptr_array_add(rois, r);
    } else if (!strcmp(argv[i], "--param") && i + 1 < argc && rois->len > 0) {
      GstStructure *s = gst_structure_from_string(argv[++i], NULL);
      if (!s) {
        fprintf(stderr, "bad structure: %s\n", argv[i]);
        return 1;
      }
      Roi *r = g_ptr_array_index(rois, rois->len - 1);
      g_ptr_array_add(r->params, s);
    } else if (!strcmp(argv[i], "--dls-mask") && i + 1 < argc && rois->len > 0) {
      guint w, h;
      if (sscanf(argv[++i], "%u,%u", &w, &h) != 2 || w == 0 || h == 0)
        usage();
      gfloat *values = g_new(gfloat, (gsize)w * h);
      for (guint k = 0; k < w * h; k++)
        values[k] = k % w < w / 2 ? 0.9f : 0.1f;
      GVariant *data = g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, values, (gsize)w * h * sizeof(gfloat), 1);
      g_free(values);
      GstStructure *s = gst_structure_new("mask_yolov8", "format", G_TYPE_STRING, "segmentation_mask", "precision",
                                          G_TYPE_INT, 10, "data_buffer", G_TYPE_VARIANT, data, NULL);
      GValue dims = G_VALUE_INIT, v = G_VALUE_INIT;
      gst_value_array_init(&dims, 2);
      g_value_init(&v, G_TYPE_UINT);
      g_value_set_uint(&v, w);
      gst_value_array_append_value(&dims, &v);
      g_value_set_uint(&v, h);
      gst_value_array_append_value(&dims, &v);
      g_value_unset(&v);
      gst_structure_take_value(s, "dims", &dims);
      Roi *r = g_ptr_array_index(rois, rois->len - 1);
      g_ptr_array_add(r->params, s);
    } else if (!strcmp(argv[i], "--caps-features") && i + 1 < argc) {
      caps_features = gst_caps_features_from_string(argv[++i]);
      if (!caps_features)
        usage();
    } else {
      usage();
    }
  }

  GError *err = NULL;
  GstElement *pipeline = gst_parse_launch(argv[1], &err);
  if (!pipeline) {
    fprintf(stderr, "parse error: %s\n", err ? err->message : "?");
    return 1;
  }
  GstElement *roi = gst_bin_get_by_name(GST_BIN(pipeline), "roi");
  if (!roi) {
    fprintf(stderr, "no element named roi in the pipeline\n");
    return 1;
  }
  GstPad *src = gst_element_get_static_pad(roi, "src");
  gst_pad_add_probe(src, GST_PAD_PROBE_TYPE_BUFFER, add_metas, NULL, NULL);
  if (caps_features)
    gst_pad_add_probe(src, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, set_caps_features, NULL, NULL);
  gst_object_unref(src);
  gst_object_unref(roi);

  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  GstBus *bus = gst_element_get_bus(pipeline);
  GstMessage *msg = gst_bus_timed_pop_filtered(bus, 60 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  int rc = 0;
  if (!msg) {
    fprintf(stderr, "no EOS within 60 s\n");
    rc = 1;
  } else if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
    gchar *dbg = NULL;
    gst_message_parse_error(msg, &err, &dbg);
    fprintf(stderr, "error from %s: %s\n%s\n", GST_OBJECT_NAME(msg->src), err->message, dbg ? dbg : "");
    g_clear_error(&err);
    g_free(dbg);
    rc = 1;
  }
  if (msg)
    gst_message_unref(msg);
  gst_object_unref(bus);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
  return rc;
}
