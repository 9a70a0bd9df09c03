/* Test helper: a foreign GstAnalytics producer and reader around a gst-launch-style pipeline (no
 * tsvision code involved).
 *
 *   analytics-pipeline "<pipeline with ... ! identity name=od ! ... ! identity name=dump ! ...>" \
 *       [--od TYPE,X,Y,W,H,CONF[,DX,DY[,R]]] [--track ID] [--cls LABEL,CONF]... [--roi ID,LABEL_ID,CONF]]...
 *       [--frame-cls LABEL,CONF]...
 *
 *   --od     every buffer leaving the element named "od" gets an OD mtd: obj_type TYPE, box X,Y,W,H
 *            (pixels) moved by DX,DY per frame, confidence CONF; with R (radians, GStreamer >= 1.26) an oriented
 *            OD mtd: X,Y,W,H the rectangle before the turn, R its clockwise angle
 *   --track  a tracking mtd with this id, related to the latest --od (RELATE_TO)
 *   --cls    a classification mtd related to the latest --od (RELATE_TO)
 *   --frame-cls LABEL,CONF   a classification mtd related to no OD mtd (a whole-frame classifier's)
 *   --semantic X,Y,W,H,MW,MH (GStreamer >= 1.26) a semantic segmentation mtd related to no OD mtd: a GRAY8 MW x MH
 *            map, its left half 0 and its right half 7 (region ids 0 and 7), located at X,Y,W,H
 *   --mask   (GStreamer >= 1.26) the latest --od gets an instance segmentation mtd (OD --CONTAIN--> seg): the ellipse
 *            inscribed in its box, as a GRAY8 mask of half the box's size (region ids 0 and 7: 7 inside)
 *   --roi ID,LABEL_ID,CONF   the latest --od also as a GstVideoRegionOfInterestMeta (same label and box) with
 *            a DL Streamer "detection" param (label_id LABEL_ID, confidence CONF): meta id ID, or the OD
 *            mtd's id when ID is -1 (how DL Streamer links the two)
 *
 * For every buffer leaving an element named "dump" (when there is one), one JSON line on stdout:
 *   {"pts": N, "od": [{"id", "label", "x", "y", "w", "h", "confidence",
 *                      "track": {"id", "first_seen", "last_seen"} | null,
 *                      "classes": [{"label", "confidence"}, ...] (all related cls mtds),
 *                      "oriented": {"x", "y", "w", "h", "r"} (GStreamer >= 1.26: gst_analytics_od_mtd_get_oriented_location),
 *                     "mask": {"x", "y", "w", "h", "mask_w", "mask_h", "inside"} | null (GStreamer >= 1.26: the
 *                     segmentation mtd the OD mtd CONTAINs; inside: its pixels other than region 0's id)}],
 *    "frame_seg": [{"x", "y", "w", "h", "mask_w", "mask_h", "regions", "counts": {"<pixel value>": pixels, …}}]
 *                 (GStreamer >= 1.26: segmentation mtds related to no OD mtd, e.g. a semantic class map)}
 *
 * Exit 0 at EOS, 1 on an error (printed) or bad arguments. Built by meson only when
 * gstreamer-analytics-1.0 >= 1.24 is found. */
#include <gst/analytics/analytics.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  GQuark type;
  gint x, y, w, h, dx, dy;
  gfloat confidence;
  gfloat r; /* oriented: the angle (radians); 0: a plain OD mtd */
  gint64 track; /* -1: none */
  gboolean roi, mask;
  gint roi_id, roi_label_id;
  gdouble roi_confidence;
  GArray *cls_quarks, *cls_levels;
} Od;

static GPtrArray *ods;
static gint semantic[6];
static gboolean have_semantic;
static GArray *frame_quarks, *frame_levels;

static GstPadProbeReturn add_mtds(GstPad *pad, GstPadProbeInfo *info, gpointer data) {
  GstBuffer *buf = gst_buffer_make_writable(GST_PAD_PROBE_INFO_BUFFER(info));
  guint64 frame = GST_BUFFER_OFFSET_IS_VALID(buf) ? GST_BUFFER_OFFSET(buf) : 0;
  GstAnalyticsRelationMeta *rmeta = gst_buffer_add_analytics_relation_meta(buf);
  for (guint i = 0; rmeta && i < ods->len; i++) {
    Od *o = g_ptr_array_index(ods, i);
    GstAnalyticsODMtd od;
    gboolean added;
#if GST_CHECK_VERSION(1, 26, 0)
    if (o->r != 0)
      added = gst_analytics_relation_meta_add_oriented_od_mtd(rmeta, o->type, o->x + (gint)frame * o->dx,
                                                              o->y + (gint)frame * o->dy, o->w, o->h, o->r,
                                                              o->confidence, &od);
    else
#endif
      added = gst_analytics_relation_meta_add_od_mtd(rmeta, o->type, o->x + (gint)frame * o->dx,
                                                     o->y + (gint)frame * o->dy, o->w, o->h, o->confidence, &od);
    if (!added)
      continue;
    if (o->roi) {
      gint x = o->x + (gint)frame * o->dx, y = o->y + (gint)frame * o->dy;
      GstVideoRegionOfInterestMeta *roi = gst_buffer_add_video_region_of_interest_meta_id(buf, o->type, x, y, o->w, o->h);
      roi->id = o->roi_id >= 0 ? o->roi_id : (gint)od.id;
      gst_video_region_of_interest_meta_add_param(
          roi, gst_structure_new("detection", "confidence", G_TYPE_DOUBLE, o->roi_confidence, "label_id", G_TYPE_INT,
                                 o->roi_label_id, NULL));
    }
    if (o->track >= 0) {
      GstAnalyticsTrackingMtd trk;
      if (gst_analytics_relation_meta_add_tracking_mtd(rmeta, (guint64)o->track, 0, &trk))
        gst_analytics_relation_meta_set_relation(rmeta, GST_ANALYTICS_REL_TYPE_RELATE_TO, od.id, trk.id);
    }
#if GST_CHECK_VERSION(1, 26, 0)
    if (o->mask) {
      const guint mw = (guint)MAX(1, o->w / 2), mh = (guint)MAX(1, o->h / 2);
      GstBuffer *mbuf = gst_buffer_new_allocate(NULL, (gsize)GST_ROUND_UP_4(mw) * mh, NULL);
      GstMapInfo map;
      gst_buffer_map(mbuf, &map, GST_MAP_WRITE);
      for (guint r = 0; r < mh; r++)
        for (guint c = 0; c < GST_ROUND_UP_4(mw); c++) {
          double u = (c + 0.5) / mw - 0.5, v = (r + 0.5) / mh - 0.5;
          map.data[r * GST_ROUND_UP_4(mw) + c] = c < mw && u * u + v * v <= 0.25 ? 7 : 0;
        }
      gst_buffer_unmap(mbuf, &map);
      gst_buffer_add_video_meta(mbuf, GST_VIDEO_FRAME_FLAG_NONE, GST_VIDEO_FORMAT_GRAY8, mw, mh);
      guint regions[2] = {0, 7};
      GstAnalyticsSegmentationMtd seg;
      if (gst_analytics_relation_meta_add_segmentation_mtd(rmeta, mbuf, GST_SEGMENTATION_TYPE_INSTANCE, 2, regions,
                                                           o->x + (gint)frame * o->dx, o->y + (gint)frame * o->dy,
                                                           (guint)o->w, (guint)o->h, &seg))
        gst_analytics_relation_meta_set_relation(rmeta, GST_ANALYTICS_REL_TYPE_CONTAIN, od.id, seg.id);
    }
#endif
    for (guint k = 0; k < o->cls_quarks->len; k++) {
      GstAnalyticsClsMtd cls;
      if (gst_analytics_relation_meta_add_one_cls_mtd(rmeta, g_array_index(o->cls_levels, gfloat, k),
                                                      g_array_index(o->cls_quarks, GQuark, k), &cls))
        gst_analytics_relation_meta_set_relation(rmeta, GST_ANALYTICS_REL_TYPE_RELATE_TO, od.id, cls.id);
    }
  }
#if GST_CHECK_VERSION(1, 26, 0)
  if (rmeta && have_semantic) {
    const guint mw = (guint)MAX(1, semantic[4]), mh = (guint)MAX(1, semantic[5]), stride = GST_ROUND_UP_4(mw);
    GstBuffer *mbuf = gst_buffer_new_allocate(NULL, (gsize)stride * mh, NULL);
    GstMapInfo map;
    gst_buffer_map(mbuf, &map, GST_MAP_WRITE);
    for (guint r = 0; r < mh; r++)
      for (guint c = 0; c < stride; c++)
        map.data[r * stride + c] = c >= mw / 2 && c < mw ? 7 : 0;
    gst_buffer_unmap(mbuf, &map);
    gst_buffer_add_video_meta(mbuf, GST_VIDEO_FRAME_FLAG_NONE, GST_VIDEO_FORMAT_GRAY8, mw, mh);
    guint regions[2] = {0, 7};
    GstAnalyticsSegmentationMtd seg;
    gst_analytics_relation_meta_add_segmentation_mtd(rmeta, mbuf, GST_SEGMENTATION_TYPE_SEMANTIC, 2, regions, semantic[0],
                                                     semantic[1], (guint)semantic[2], (guint)semantic[3], &seg);
  }
#endif
  for (guint k = 0; rmeta && k < frame_quarks->len; k++) {
    GstAnalyticsClsMtd cls;
    gst_analytics_relation_meta_add_one_cls_mtd(rmeta, g_array_index(frame_levels, gfloat, k),
                                                g_array_index(frame_quarks, GQuark, k), &cls);
  }
  GST_PAD_PROBE_INFO_DATA(info) = buf;
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn dump_mtds(GstPad *pad, GstPadProbeInfo *info, gpointer data) {
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);
  GString *line = g_string_new(NULL);
  g_string_append_printf(line, "{\"pts\": %" G_GINT64_FORMAT ", \"od\": [",
                         GST_BUFFER_PTS_IS_VALID(buf) ? (gint64)GST_BUFFER_PTS(buf) : (gint64)-1);
  GstAnalyticsRelationMeta *rmeta = gst_buffer_get_analytics_relation_meta(buf);
  gpointer state = NULL;
  GstAnalyticsODMtd od;
  gboolean first_od = TRUE;
  while (rmeta && gst_analytics_relation_meta_iterate(rmeta, &state, gst_analytics_od_mtd_get_mtd_type(), &od)) {
    gint x, y, w, h;
    gfloat conf;
    gst_analytics_od_mtd_get_location(&od, &x, &y, &w, &h, &conf);
    GQuark type = gst_analytics_od_mtd_get_obj_type(&od);
    gchar *label = g_strescape(type ? g_quark_to_string(type) : "", NULL);
    g_string_append_printf(line, "%s{\"id\": %u, \"label\": \"%s\", \"x\": %d, \"y\": %d, \"w\": %d, \"h\": %d, "
                           "\"confidence\": %.4f, \"oriented\": ", first_od ? "" : ", ", od.id, label, x, y, w, h, conf);
    g_free(label);
    first_od = FALSE;
    gboolean oriented = FALSE;
#if GST_CHECK_VERSION(1, 26, 0)
    gint ox, oy, ow, oh;
    gfloat r;
    oriented = gst_analytics_od_mtd_get_oriented_location(&od, &ox, &oy, &ow, &oh, &r, NULL);
    if (oriented)
      g_string_append_printf(line, "{\"x\": %d, \"y\": %d, \"w\": %d, \"h\": %d, \"r\": %.6f}", ox, oy, ow, oh, r);
#endif
    g_string_append(line, oriented ? ", \"track\": " : "null, \"track\": ");
    GstAnalyticsTrackingMtd trk;
    guint64 track_id;
    GstClockTime first_seen, last_seen;
    gboolean lost;
    if (gst_analytics_relation_meta_get_direct_related(rmeta, od.id, GST_ANALYTICS_REL_TYPE_RELATE_TO,
                                                       gst_analytics_tracking_mtd_get_mtd_type(), NULL, &trk) &&
        gst_analytics_tracking_mtd_get_info(&trk, &track_id, &first_seen, &last_seen, &lost))
      g_string_append_printf(line, "{\"id\": %" G_GUINT64_FORMAT ", \"first_seen\": %" G_GINT64_FORMAT
                             ", \"last_seen\": %" G_GINT64_FORMAT "}", track_id,
                             GST_CLOCK_TIME_IS_VALID(first_seen) ? (gint64)first_seen : (gint64)-1,
                             GST_CLOCK_TIME_IS_VALID(last_seen) ? (gint64)last_seen : (gint64)-1);
    else
      g_string_append(line, "null");
    g_string_append(line, ", \"classes\": [");
    gpointer cls_state = NULL;
    GstAnalyticsClsMtd cls;
    gboolean first_cls = TRUE;
    while (gst_analytics_relation_meta_get_direct_related(rmeta, od.id, GST_ANALYTICS_REL_TYPE_RELATE_TO,
                                                          gst_analytics_cls_mtd_get_mtd_type(), &cls_state, &cls)) {
      for (gsize k = 0; k < gst_analytics_cls_mtd_get_length(&cls); k++) {
        GQuark q = gst_analytics_cls_mtd_get_quark(&cls, k);
        gchar *l = g_strescape(q ? g_quark_to_string(q) : "", NULL);
        g_string_append_printf(line, "%s{\"label\": \"%s\", \"confidence\": %.4f}", first_cls ? "" : ", ", l,
                               gst_analytics_cls_mtd_get_level(&cls, k));
        g_free(l);
        first_cls = FALSE;
      }
    }
    g_string_append(line, "], \"mask\": ");
    gboolean masked = FALSE;
#if GST_CHECK_VERSION(1, 26, 0)
    GstAnalyticsSegmentationMtd seg;
    if (gst_analytics_relation_meta_get_direct_related(rmeta, od.id, GST_ANALYTICS_REL_TYPE_CONTAIN,
                                                       gst_analytics_segmentation_mtd_get_mtd_type(), NULL, &seg)) {
      gint mx, my;
      guint mw, mh;
      GstBuffer *mbuf = gst_analytics_segmentation_mtd_get_mask(&seg, &mx, &my, &mw, &mh);
      GstVideoMeta *vmeta = mbuf ? gst_buffer_get_video_meta(mbuf) : NULL;
      GstMapInfo map;
      if (vmeta && vmeta->format == GST_VIDEO_FORMAT_GRAY8 && gst_buffer_map(mbuf, &map, GST_MAP_READ)) {
        guint background = gst_analytics_segmentation_mtd_get_region_id(&seg, 0), inside = 0;
        for (guint r = 0; r < vmeta->height; r++)
          for (guint c = 0; c < vmeta->width; c++)
            inside += map.data[vmeta->offset[0] + r * vmeta->stride[0] + c] != background;
        gst_buffer_unmap(mbuf, &map);
        g_string_append_printf(line, "{\"x\": %d, \"y\": %d, \"w\": %u, \"h\": %u, \"mask_w\": %u, \"mask_h\": %u, "
                               "\"inside\": %u}", mx, my, mw, mh, vmeta->width, vmeta->height, inside);
        masked = TRUE;
      }
      if (mbuf)
        gst_buffer_unref(mbuf);
    }
#endif
    if (!masked)
      g_string_append(line, "null");
    g_string_append(line, "}");
  }
  g_string_append(line, "], \"frame_seg\": [");
#if GST_CHECK_VERSION(1, 26, 0)
  gpointer seg_state = NULL;
  GstAnalyticsSegmentationMtd fseg;
  gboolean first_seg = TRUE;
  while (rmeta && gst_analytics_relation_meta_iterate(rmeta, &seg_state, gst_analytics_segmentation_mtd_get_mtd_type(), &fseg)) {
    gboolean related = FALSE;
    gpointer od_state = NULL;
    GstAnalyticsODMtd other;
    while (!related && gst_analytics_relation_meta_iterate(rmeta, &od_state, gst_analytics_od_mtd_get_mtd_type(), &other))
      related = gst_analytics_relation_meta_get_relation(rmeta, other.id, fseg.id) != GST_ANALYTICS_REL_TYPE_NONE;
    if (related)
      continue;
    gint mx, my;
    guint mw, mh;
    GstBuffer *mbuf = gst_analytics_segmentation_mtd_get_mask(&fseg, &mx, &my, &mw, &mh);
    GstVideoMeta *vmeta = mbuf ? gst_buffer_get_video_meta(mbuf) : NULL;
    GstMapInfo map;
    if (vmeta && vmeta->format == GST_VIDEO_FORMAT_GRAY8 && gst_buffer_map(mbuf, &map, GST_MAP_READ)) {
      guint counts[256] = {0};
      for (guint r = 0; r < vmeta->height; r++)
        for (guint c = 0; c < vmeta->width; c++)
          counts[map.data[vmeta->offset[0] + r * vmeta->stride[0] + c]]++;
      gst_buffer_unmap(mbuf, &map);
      g_string_append_printf(line, "%s{\"x\": %d, \"y\": %d, \"w\": %u, \"h\": %u, \"mask_w\": %u, \"mask_h\": %u, "
                             "\"regions\": %" G_GSIZE_FORMAT ", \"counts\": {", first_seg ? "" : ", ", mx, my, mw, mh,
                             vmeta->width, vmeta->height, gst_analytics_segmentation_mtd_get_region_count(&fseg));
      gboolean first_count = TRUE;
      for (guint v = 0; v < 256; v++)
        if (counts[v]) {
          g_string_append_printf(line, "%s\"%u\": %u", first_count ? "" : ", ", v, counts[v]);
          first_count = FALSE;
        }
      g_string_append(line, "}}");
      first_seg = FALSE;
    }
    if (mbuf)
      gst_buffer_unref(mbuf);
  }
#endif
  g_string_append(line, "]}\n");
  fputs(line->str, stdout);
  fflush(stdout);
  g_string_free(line, TRUE);
  return GST_PAD_PROBE_OK;
}

static void usage(void) {
  fprintf(stderr, "usage: analytics-pipeline PIPELINE [--od TYPE,X,Y,W,H,CONF[,DX,DY[,R]]] [--track ID] "
                  "[--cls LABEL,CONF]... [--roi ID,LABEL_ID,CONF] [--mask]]... [--frame-cls LABEL,CONF]... "
                  "[--semantic X,Y,W,H,MW,MH]\n");
  exit(1);
}

static gboolean probe(GstElement *pipeline, const char *name, GstPadProbeCallback callback) {
  GstElement *e = gst_bin_get_by_name(GST_BIN(pipeline), name);
  if (!e)
    return FALSE;
  GstPad *src = gst_element_get_static_pad(e, "src");
  gst_pad_add_probe(src, GST_PAD_PROBE_TYPE_BUFFER, callback, NULL, NULL);
  gst_object_unref(src);
  gst_object_unref(e);
  return TRUE;
}

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  if (argc < 2)
    usage();
  ods = g_ptr_array_new();
  frame_quarks = g_array_new(FALSE, FALSE, sizeof(GQuark));
  frame_levels = g_array_new(FALSE, FALSE, sizeof(gfloat));
  for (int i = 2; i < argc; i++) {
    Od *last = ods->len ? g_ptr_array_index(ods, ods->len - 1) : NULL;
    if (!strcmp(argv[i], "--od") && i + 1 < argc) {
      Od *o = g_new0(Od, 1);
      char type[256];
      int n = sscanf(argv[++i], "%255[^,],%d,%d,%d,%d,%f,%d,%d,%f", type, &o->x, &o->y, &o->w, &o->h, &o->confidence,
                     &o->dx, &o->dy, &o->r);
      if (n != 6 && n != 8 && n != 9)
        usage();
      o->type = g_quark_from_string(type);
      o->track = -1;
      o->cls_quarks = g_array_new(FALSE, FALSE, sizeof(GQuark));
      o->cls_levels = g_array_new(FALSE, FALSE, sizeof(gfloat));
      g_ptr_array_add(ods, o);
    } else if (!strcmp(argv[i], "--roi") && i + 1 < argc && last) {
      if (sscanf(argv[++i], "%d,%d,%lf", &last->roi_id, &last->roi_label_id, &last->roi_confidence) != 3)
        usage();
      last->roi = TRUE;
    } else if (!strcmp(argv[i], "--semantic") && i + 1 < argc) {
      if (sscanf(argv[++i], "%d,%d,%d,%d,%d,%d", &semantic[0], &semantic[1], &semantic[2], &semantic[3], &semantic[4],
                 &semantic[5]) != 6)
        usage();
      have_semantic = TRUE;
    } else if (!strcmp(argv[i], "--mask") && last) {
      last->mask = TRUE;
    } else if (!strcmp(argv[i], "--track") && i + 1 < argc && last) {
      last->track = g_ascii_strtoll(argv[++i], NULL, 10);
    } else if ((!strcmp(argv[i], "--cls") && last) || !strcmp(argv[i], "--frame-cls")) {
      gboolean frame = !strcmp(argv[i], "--frame-cls");
      char label[256];
      gfloat level;
      if (i + 1 >= argc || sscanf(argv[++i], "%255[^,],%f", label, &level) != 2)
        usage();
      GQuark q = g_quark_from_string(label);
      g_array_append_val(frame ? frame_quarks : last->cls_quarks, q);
      g_array_append_val(frame ? frame_levels : last->cls_levels, level);
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
  if ((ods->len > 0 || frame_quarks->len > 0 || have_semantic) && !probe(pipeline, "od", add_mtds)) {
    fprintf(stderr, "no element named od in the pipeline\n");
    return 1;
  }
  probe(pipeline, "dump", dump_mtds);

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
