#include "roi-meta.h"

#include <algorithm>
#include <cmath>

namespace tsv {

static const char *const DETECTION = "detection";
static const char *const OBJECT_ID = "object_id";

static double clamp01(double v) { return std::min(1.0, std::max(0.0, v)); }

static Classification classification_from_structure(const GstStructure *s) {
  Classification c;
  c.attribute = gst_structure_get_name(s);
  if (const char *label = gst_structure_get_string(s, "label"))
    c.label = label;
  gint id;
  if (gst_structure_get_int(s, "label_id", &id))
    c.class_id = id;
  gdouble conf;
  if (gst_structure_get_double(s, "confidence", &conf))
    c.confidence = conf;
  return c;
}

std::vector<Object> roi_read_all(GstBuffer *buffer, int width, int height,
                                 std::vector<GstVideoRegionOfInterestMeta *> *metas) {
  std::vector<Object> out;
  gpointer state = nullptr;
  GstMeta *meta;
  while ((meta = gst_buffer_iterate_meta_filtered(buffer, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    auto *roi = (GstVideoRegionOfInterestMeta *)meta;
    Object o;
    o.box = {(double)roi->x, (double)roi->y, (double)roi->w, (double)roi->h};
    if (roi->roi_type)
      o.label = g_quark_to_string(roi->roi_type);
    for (GList *l = roi->params; l; l = l->next) {
      auto *s = (GstStructure *)l->data;
      const char *name = gst_structure_get_name(s);
      if (g_str_equal(name, DETECTION)) {
        gdouble conf, x0, y0, x1, y1;
        gint id;
        if (gst_structure_get_double(s, "confidence", &conf))
          o.confidence = conf;
        if (gst_structure_get_int(s, "label_id", &id))
          o.class_id = id;
        if (const char *label = gst_structure_get_string(s, "label"))
          o.label = label;
        /* The normalised coordinates are exact; the meta's integer box is rounded. */
        if (gst_structure_get_double(s, "x_min", &x0) && gst_structure_get_double(s, "y_min", &y0) &&
            gst_structure_get_double(s, "x_max", &x1) && gst_structure_get_double(s, "y_max", &y1)) {
          o.box = {x0 * width, y0 * height, (x1 - x0) * width, (y1 - y0) * height};
        }
      } else if (g_str_equal(name, OBJECT_ID)) {
        gint id;
        if (gst_structure_get_int(s, "id", &id))
          o.track_id = id;
        gboolean predicted;
        if (gst_structure_get_boolean(s, "predicted", &predicted))
          o.predicted = predicted;
      } else if (gst_structure_has_field(s, "label")) {
        o.classifications.push_back(classification_from_structure(s));
      }
    }
    out.push_back(std::move(o));
    if (metas)
      metas->push_back(roi);
  }
  return out;
}

std::vector<Object> roi_read_all(GstBuffer *buffer, int width, int height) {
  return roi_read_all(buffer, width, height, nullptr);
}

static void set_object_id(GstVideoRegionOfInterestMeta *meta, const Object &object) {
  if (object.track_id < 0)
    return;
  GstStructure *s = gst_video_region_of_interest_meta_get_param(meta, OBJECT_ID);
  if (s) {
    gst_structure_set(s, "id", G_TYPE_INT, (gint)object.track_id, nullptr);
  } else {
    s = gst_structure_new(OBJECT_ID, "id", G_TYPE_INT, (gint)object.track_id, nullptr);
    gst_video_region_of_interest_meta_add_param(meta, s);
  }
  if (object.predicted)
    gst_structure_set(s, "predicted", G_TYPE_BOOLEAN, TRUE, nullptr);
}

static void set_classifications(GstVideoRegionOfInterestMeta *meta, const Object &object) {
  for (const Classification &c : object.classifications) {
    const char *name = c.attribute.empty() ? "classification" : c.attribute.c_str();
    GstStructure *s = gst_video_region_of_interest_meta_get_param(meta, name);
    if (!s) {
      s = gst_structure_new_empty(name);
      gst_video_region_of_interest_meta_add_param(meta, s);
    }
    gst_structure_set(s, "label", G_TYPE_STRING, c.label.c_str(), "label_id", G_TYPE_INT, c.class_id,
                      "confidence", G_TYPE_DOUBLE, c.confidence, nullptr);
  }
}

GstVideoRegionOfInterestMeta *roi_add(GstBuffer *buffer, const Object &o, int width, int height) {
  double x0 = std::max(0.0, o.box.x), y0 = std::max(0.0, o.box.y);
  double x1 = std::min((double)width, o.box.x + o.box.width);
  double y1 = std::min((double)height, o.box.y + o.box.height);
  if (x1 < x0) x1 = x0;
  if (y1 < y0) y1 = y0;
  auto *meta = gst_buffer_add_video_region_of_interest_meta(
      buffer, o.label.c_str(), (guint)std::lround(x0), (guint)std::lround(y0),
      (guint)std::lround(x1 - x0), (guint)std::lround(y1 - y0));
  GstStructure *det = gst_structure_new(
      DETECTION, "confidence", G_TYPE_DOUBLE, o.confidence, "label_id", G_TYPE_INT, o.class_id, "label",
      G_TYPE_STRING, o.label.c_str(), "x_min", G_TYPE_DOUBLE, clamp01(x0 / width), "y_min", G_TYPE_DOUBLE,
      clamp01(y0 / height), "x_max", G_TYPE_DOUBLE, clamp01(x1 / width), "y_max", G_TYPE_DOUBLE,
      clamp01(y1 / height), nullptr);
  gst_video_region_of_interest_meta_add_param(meta, det);
  set_object_id(meta, o);
  set_classifications(meta, o);
  return meta;
}

static const char *const INFERENCE_META = "TsvisionInferenceMeta";

static void register_inference_meta() {
  static gsize registered = 0;
  if (g_once_init_enter(&registered)) {
    static const gchar *tags[] = {nullptr};
    gst_meta_register_custom(INFERENCE_META, tags, nullptr, nullptr, nullptr);
    g_once_init_leave(&registered, 1);
  }
}

void frame_mark_inference_skipped(GstBuffer *buffer, const char *element_name) {
  register_inference_meta();
  GstCustomMeta *meta = gst_buffer_add_custom_meta(buffer, INFERENCE_META);
  if (meta)
    gst_structure_set(gst_custom_meta_get_structure(meta), "skipped", G_TYPE_BOOLEAN, TRUE, "element",
                      G_TYPE_STRING, element_name, nullptr);
}

bool frame_inference_skipped(GstBuffer *buffer) {
  register_inference_meta();
  GstCustomMeta *meta = gst_buffer_get_custom_meta(buffer, INFERENCE_META);
  gboolean skipped = FALSE;
  return meta && gst_structure_get_boolean(gst_custom_meta_get_structure(meta), "skipped", &skipped) && skipped;
}

void roi_update(GstVideoRegionOfInterestMeta *meta, const Object &object) {
  set_object_id(meta, object);
  set_classifications(meta, object);
}

} // namespace tsv
