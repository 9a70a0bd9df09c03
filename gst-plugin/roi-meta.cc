#include "roi-meta.h"

#include <algorithm>
#include <cmath>

#include "config.h"
#if TSVISION_HAVE_ANALYTICS
#include "analytics-meta.h"
#endif

namespace tsv {

static const char *const DETECTION = "detection";
static const char *const OBJECT_ID = "object_id";
static const char *const KEYPOINTS = "keypoints";
static const char *const ROTATION = "rotation";
static const char *const MASK = "mask";
static const char *const SEGMENTATION_MASK = "segmentation_mask";
/* DL Streamer's GVA_PRECISION_U8. */
static const int GVA_PRECISION_U8 = 40;
/* DL Streamer's GVA_PRECISION_FP32: the precision of the keypoints' data_buffer. */
static const int GVA_PRECISION_FP32 = 10;

static double clamp01(double v) { return std::min(1.0, std::max(0.0, v)); }

/* One attribute's classifications as a param structure: the best in DL Streamer's fields (label,
 * label_id, confidence, and embedding as GBytes of float32); when there are several (top-k,
 * multi-label), all of them, best first, also in the arrays labels, label_ids and confidences. */
static void classifications_from_structure(const GstStructure *s, const char *attribute,
                                           std::vector<Classification> &out) {
  Classification c;
  c.attribute = attribute;
  if (const char *label = gst_structure_get_string(s, "label"))
    c.label = label;
  gint id;
  if (gst_structure_get_int(s, "label_id", &id))
    c.class_id = id;
  gdouble conf;
  if (gst_structure_get_double(s, "confidence", &conf))
    c.confidence = conf;
  const GValue *embedding = gst_structure_get_value(s, "embedding");
  if (embedding && G_VALUE_HOLDS(embedding, G_TYPE_BYTES)) {
    gsize size = 0;
    const float *data = (const float *)g_bytes_get_data((GBytes *)g_value_get_boxed(embedding), &size);
    if (data)
      c.embedding.assign(data, data + size / sizeof(float));
  }
  const GValue *labels = gst_structure_get_value(s, "labels");
  const GValue *ids = gst_structure_get_value(s, "label_ids");
  const GValue *confs = gst_structure_get_value(s, "confidences");
  guint n = labels && GST_VALUE_HOLDS_ARRAY(labels) ? gst_value_array_get_size(labels) : 0;
  if (n <= 1 || !ids || !confs || !GST_VALUE_HOLDS_ARRAY(ids) || !GST_VALUE_HOLDS_ARRAY(confs) ||
      gst_value_array_get_size(ids) != n || gst_value_array_get_size(confs) != n) {
    out.push_back(std::move(c));
    return;
  }
  for (guint i = 0; i < n; i++) {
    Classification k;
    k.attribute = attribute;
    const GValue *l = gst_value_array_get_value(labels, i);
    const GValue *d = gst_value_array_get_value(ids, i);
    const GValue *f = gst_value_array_get_value(confs, i);
    if (G_VALUE_HOLDS_STRING(l) && g_value_get_string(l))
      k.label = g_value_get_string(l);
    if (G_VALUE_HOLDS_INT(d))
      k.class_id = g_value_get_int(d);
    if (G_VALUE_HOLDS_DOUBLE(f))
      k.confidence = g_value_get_double(f);
    if (i == 0)
      k.embedding = std::move(c.embedding);
    out.push_back(std::move(k));
  }
}

static void append_to_array(GValue *array, GType type, const void *v) {
  GValue item = G_VALUE_INIT;
  g_value_init(&item, type);
  if (type == G_TYPE_STRING)
    g_value_set_string(&item, (const char *)v);
  else if (type == G_TYPE_INT)
    g_value_set_int(&item, *(const int *)v);
  else
    g_value_set_double(&item, *(const double *)v);
  gst_value_array_append_and_take_value(array, &item);
}

/* An object's keypoints as DL Streamer's gvadetect writes a pose model's (YOLOv8PoseConverter): a param
 * "keypoints" { format: "keypoints", precision: FP32, dims: < K, 2 >, data_buffer: GVariant of K x (x, y) float32
 * relative to the object's box (0..1 inside it), confidence: < float x K >, point_names: < string x K >,
 * point_connections: < name, name, … > (the skeleton, a pair of names per line) }. `box` is the box written on
 * the meta (the one a reader gets back). */
static GstStructure *keypoints_to_structure(const Object &o, const Box &box) {
  const size_t k_count = o.keypoints.size();
  const double w = box.width > 0 ? box.width : 1, h = box.height > 0 ? box.height : 1;
  std::vector<float> positions(2 * k_count);
  GValue confidence = G_VALUE_INIT, names = G_VALUE_INIT, connections = G_VALUE_INIT, dims = G_VALUE_INIT;
  gst_value_array_init(&confidence, k_count);
  gst_value_array_init(&names, k_count);
  gst_value_array_init(&connections, 2 * o.skeleton.size());
  gst_value_array_init(&dims, 2);
  for (size_t k = 0; k < k_count; k++) {
    const Keypoint &p = o.keypoints[k];
    positions[2 * k] = (float)((p.x - box.x) / w);
    positions[2 * k + 1] = (float)((p.y - box.y) / h);
    GValue v = G_VALUE_INIT;
    g_value_init(&v, G_TYPE_FLOAT);
    g_value_set_float(&v, (float)p.confidence);
    gst_value_array_append_and_take_value(&confidence, &v);
    append_to_array(&names, G_TYPE_STRING, p.name.c_str());
  }
  for (const auto &[a, b] : o.skeleton) {
    append_to_array(&connections, G_TYPE_STRING, o.keypoints[a].name.c_str());
    append_to_array(&connections, G_TYPE_STRING, o.keypoints[b].name.c_str());
  }
  for (guint d : {(guint)k_count, 2u}) {
    GValue v = G_VALUE_INIT;
    g_value_init(&v, G_TYPE_UINT);
    g_value_set_uint(&v, d);
    gst_value_array_append_and_take_value(&dims, &v);
  }
  GVariant *data = g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, positions.data(), positions.size() * sizeof(float), 1);
  GstStructure *s = gst_structure_new(KEYPOINTS, "format", G_TYPE_STRING, "keypoints", "precision", G_TYPE_INT,
                                      GVA_PRECISION_FP32, "data_buffer", G_TYPE_VARIANT, data, nullptr);
  gst_structure_take_value(s, "dims", &dims);
  gst_structure_take_value(s, "confidence", &confidence);
  gst_structure_take_value(s, "point_names", &names);
  gst_structure_take_value(s, "point_connections", &connections);
  return s;
}

/* Reads a "keypoints" param (ours or DL Streamer's) into `o`, whose box is already known. Points without a name
 * get kp<k>; skeleton lines naming unknown points are dropped. */
static void keypoints_from_structure(const GstStructure *s, Object &o) {
  const GValue *data = gst_structure_get_value(s, "data_buffer");
  if (!data || !G_VALUE_HOLDS(data, G_TYPE_VARIANT))
    return;
  gint precision = GVA_PRECISION_FP32;
  gst_structure_get_int(s, "precision", &precision);
  gsize n_bytes = 0;
  const float *positions =
      (const float *)g_variant_get_fixed_array((GVariant *)g_value_get_variant(data), &n_bytes, 1);
  if (precision != GVA_PRECISION_FP32 || !positions)
    return;
  /* dims [K, D]: D = 2 (x, y) or 3 (with z, which we do not use). */
  const GValue *dims = gst_structure_get_value(s, "dims");
  guint dim = 2;
  if (dims && GST_VALUE_HOLDS_ARRAY(dims) && gst_value_array_get_size(dims) == 2) {
    const GValue *d = gst_value_array_get_value(dims, 1);
    if (G_VALUE_HOLDS_UINT(d) && g_value_get_uint(d) >= 2)
      dim = g_value_get_uint(d);
  }
  const size_t k_count = n_bytes / sizeof(float) / dim;
  const GValue *conf = gst_structure_get_value(s, "confidence");
  const GValue *names = gst_structure_get_value(s, "point_names");
  auto nth = [](const GValue *array, size_t k) -> const GValue * {
    return array && GST_VALUE_HOLDS_ARRAY(array) && k < gst_value_array_get_size(array)
               ? gst_value_array_get_value(array, (guint)k)
               : nullptr;
  };
  o.keypoints.resize(k_count);
  for (size_t k = 0; k < k_count; k++) {
    Keypoint &p = o.keypoints[k];
    p.x = o.box.x + positions[dim * k] * o.box.width;
    p.y = o.box.y + positions[dim * k + 1] * o.box.height;
    const GValue *c = nth(conf, k);
    p.confidence = c && G_VALUE_HOLDS_FLOAT(c) ? g_value_get_float(c) : c && G_VALUE_HOLDS_DOUBLE(c) ? g_value_get_double(c) : 1;
    const GValue *n = nth(names, k);
    p.name = n && G_VALUE_HOLDS_STRING(n) && g_value_get_string(n) ? g_value_get_string(n) : "kp" + std::to_string(k);
  }
  const GValue *connections = gst_structure_get_value(s, "point_connections");
  guint n_conn = connections && GST_VALUE_HOLDS_ARRAY(connections) ? gst_value_array_get_size(connections) : 0;
  auto index_of = [&](guint i) -> int {
    const GValue *v = gst_value_array_get_value(connections, i);
    const char *name = G_VALUE_HOLDS_STRING(v) ? g_value_get_string(v) : nullptr;
    for (size_t k = 0; name && k < k_count; k++)
      if (o.keypoints[k].name == name)
        return (int)k;
    return -1;
  };
  o.skeleton.clear();
  for (guint i = 0; i + 1 < n_conn; i += 2) {
    int a = index_of(i), b = index_of(i + 1);
    if (a >= 0 && b >= 0)
      o.skeleton.emplace_back(a, b);
  }
}

/* The axis-aligned box enclosing an oriented one, clipped to the frame. */
static Box enclosing_box(const Rotation &r, int width, int height) {
  const double c = std::abs(std::cos(r.angle)), s = std::abs(std::sin(r.angle));
  const double hx = (r.width * c + r.height * s) / 2, hy = (r.width * s + r.height * c) / 2;
  const double x0 = std::max(0.0, r.cx - hx), y0 = std::max(0.0, r.cy - hy);
  const double x1 = std::min((double)width, r.cx + hx), y1 = std::min((double)height, r.cy + hy);
  return {x0, y0, std::max(0.0, x1 - x0), std::max(0.0, y1 - y0)};
}

/* A detection param's "rotation" (DL Streamer's oriented box): o.box, read from x_min..y_max, is then the rotated
 * rectangle's own extent; it becomes the object's rotation and the box the one enclosing it. */
static void rotation_from_detection(const GstStructure *s, Object &o, int width, int height) {
  gdouble angle = 0;
  if (!gst_structure_get_double(s, ROTATION, &angle) || angle == 0 || !std::isfinite(angle))
    return;
  o.has_rotation = true;
  o.rotation = {o.box.x + o.box.width / 2, o.box.y + o.box.height / 2, o.box.width, o.box.height, angle};
  o.box = enclosing_box(o.rotation, width, height);
}

/* Writes an oriented box into a detection param as DL Streamer does: x_min..y_max the rectangle's own extent
 * (normalised, not clipped), "rotation" its angle. */
static void rotation_to_detection(GstStructure *s, const Rotation &r, int width, int height) {
  gst_structure_set(s, "x_min", G_TYPE_DOUBLE, (r.cx - r.width / 2) / width, "y_min", G_TYPE_DOUBLE,
                    (r.cy - r.height / 2) / height, "x_max", G_TYPE_DOUBLE, (r.cx + r.width / 2) / width, "y_max",
                    G_TYPE_DOUBLE, (r.cy + r.height / 2) / height, ROTATION, G_TYPE_DOUBLE, r.angle, nullptr);
}

/* An object's mask as DL Streamer's gvadetect writes an instance segmentation model's (YOLOv8SegConverter,
 * MaskRCNNConverter): a param "mask" { format: "segmentation_mask", precision: FP32, dims: < W, H >, data_buffer:
 * GVariant of W x H float32 (here 0 or 1), row-major } plus "x", "y": the frame pixel of its top-left corner (DL
 * Streamer stretches a mask over the object's box, which our pixel-exact placement nearly is). */
static GstStructure *mask_to_structure(const Mask &m) {
  std::vector<float> values(m.data.size());
  for (size_t i = 0; i < values.size(); i++)
    values[i] = m.data[i] ? 1.0f : 0.0f;
  GVariant *data = g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, values.data(), values.size() * sizeof(float), 1);
  GstStructure *s = gst_structure_new(MASK, "format", G_TYPE_STRING, SEGMENTATION_MASK, "precision", G_TYPE_INT,
                                      GVA_PRECISION_FP32, "data_buffer", G_TYPE_VARIANT, data, "x", G_TYPE_INT, m.x, "y",
                                      G_TYPE_INT, m.y, nullptr);
  GValue dims = G_VALUE_INIT;
  gst_value_array_init(&dims, 2);
  for (guint d : {(guint)m.width, (guint)m.height}) {
    GValue v = G_VALUE_INIT;
    g_value_init(&v, G_TYPE_UINT);
    g_value_set_uint(&v, d);
    gst_value_array_append_and_take_value(&dims, &v);
  }
  gst_structure_take_value(s, "dims", &dims);
  return s;
}

/* Whether param `s` is an instance mask: ours, or DL Streamer's (any name, format "segmentation_mask"). */
static bool is_mask(const GstStructure *s) {
  const char *format = gst_structure_get_string(s, "format");
  return format && g_str_equal(format, SEGMENTATION_MASK) && gst_structure_has_field(s, "data_buffer");
}

/* Reads a mask param (FP32 above 0.5, or U8 non-zero, inside) into `o`, whose box is already known. Without a
 * placement (DL Streamer's masks are at model resolution, stretched over the box) it is resampled (nearest) onto
 * the frame pixels whose centre lies in the box. */
static void mask_from_structure(const GstStructure *s, Object &o, int frame_width, int frame_height) {
  const GValue *dims = gst_structure_get_value(s, "dims");
  const GValue *data = gst_structure_get_value(s, "data_buffer");
  if (!dims || !GST_VALUE_HOLDS_ARRAY(dims) || gst_value_array_get_size(dims) != 2 || !data ||
      !G_VALUE_HOLDS(data, G_TYPE_VARIANT))
    return;
  guint size[2];
  for (guint k = 0; k < 2; k++) {
    const GValue *d = gst_value_array_get_value(dims, k);
    size[k] = G_VALUE_HOLDS_UINT(d) ? g_value_get_uint(d) : G_VALUE_HOLDS_INT(d) ? (guint)std::max(0, g_value_get_int(d)) : 0;
  }
  const size_t w = size[0], h = size[1];
  gint precision = GVA_PRECISION_FP32;
  gst_structure_get_int(s, "precision", &precision);
  gsize n_bytes = 0;
  const void *bytes = g_variant_get_fixed_array((GVariant *)g_value_get_variant(data), &n_bytes, 1);
  const size_t item = precision == GVA_PRECISION_FP32 ? sizeof(float) : precision == GVA_PRECISION_U8 ? 1 : 0;
  if (w == 0 || h == 0 || w > (1u << 20) || h > (1u << 20) || item == 0 || !bytes || n_bytes < w * h * item)
    return;
  auto inside = [&](size_t i) {
    return item == 1 ? ((const uint8_t *)bytes)[i] != 0 : ((const float *)bytes)[i] > 0.5f;
  };
  Mask &m = o.mask;
  gint x, y;
  if (gst_structure_get_int(s, "x", &x) && gst_structure_get_int(s, "y", &y)) {
    m.x = x;
    m.y = y;
    m.width = (int)w;
    m.height = (int)h;
    m.data.resize(w * h);
    for (size_t i = 0; i < w * h; i++)
      m.data[i] = inside(i);
    return;
  }
  /* The pixels whose centre lies in the box, clipped to the frame (as tsdetect places its masks). */
  auto first = [](double v, int size) { return (int)std::min<double>(size, std::max(0.0, std::ceil(v - 0.5))); };
  const int x0 = first(o.box.x, frame_width), x1 = first(o.box.x + o.box.width, frame_width);
  const int y0 = first(o.box.y, frame_height), y1 = first(o.box.y + o.box.height, frame_height);
  if (x1 <= x0 || y1 <= y0 || !(o.box.width > 0) || !(o.box.height > 0))
    return;
  m.x = x0;
  m.y = y0;
  m.width = x1 - x0;
  m.height = y1 - y0;
  m.data.assign((size_t)m.width * m.height, 0);
  for (int r = 0; r < m.height; r++) {
    const double v = (y0 + r + 0.5 - o.box.y) / o.box.height * h;
    const size_t sr = (size_t)std::min<double>(h - 1, std::max(0.0, std::floor(v)));
    for (int c = 0; c < m.width; c++) {
      const double u = (x0 + c + 0.5 - o.box.x) / o.box.width * w;
      const size_t sc = (size_t)std::min<double>(w - 1, std::max(0.0, std::floor(u)));
      m.data[(size_t)r * m.width + c] = inside(sr * w + sc);
    }
  }
}

/* Writes classifications[first, last) (one attribute, best first) into `s`. */
static void classifications_to_structure(GstStructure *s, const std::vector<Classification> &all, size_t first,
                                         size_t last) {
  const Classification &c = all[first];
  gst_structure_set(s, "label", G_TYPE_STRING, c.label.c_str(), "label_id", G_TYPE_INT, c.class_id, "confidence",
                    G_TYPE_DOUBLE, c.confidence, nullptr);
  if (!c.embedding.empty()) {
    GBytes *bytes = g_bytes_new(c.embedding.data(), c.embedding.size() * sizeof(float));
    gst_structure_set(s, "embedding", G_TYPE_BYTES, bytes, nullptr);
    g_bytes_unref(bytes);
  } else {
    gst_structure_remove_field(s, "embedding");
  }
  gst_structure_remove_fields(s, "labels", "label_ids", "confidences", nullptr);
  if (last - first <= 1)
    return;
  GValue labels = G_VALUE_INIT, ids = G_VALUE_INIT, confs = G_VALUE_INIT;
  g_value_init(&labels, GST_TYPE_ARRAY);
  g_value_init(&ids, GST_TYPE_ARRAY);
  g_value_init(&confs, GST_TYPE_ARRAY);
  for (size_t i = first; i < last; i++) {
    append_to_array(&labels, G_TYPE_STRING, all[i].label.c_str());
    append_to_array(&ids, G_TYPE_INT, &all[i].class_id);
    append_to_array(&confs, G_TYPE_DOUBLE, &all[i].confidence);
  }
  gst_structure_take_value(s, "labels", &labels);
  gst_structure_take_value(s, "label_ids", &ids);
  gst_structure_take_value(s, "confidences", &confs);
}

static const char *attribute_name(const Classification &c) {
  return c.attribute.empty() ? "classification" : c.attribute.c_str();
}

/* Calls write(name, first, last) for each run of classifications with the same attribute. */
template <typename F> static void for_each_attribute(const std::vector<Classification> &all, F write) {
  size_t first = 0;
  while (first < all.size()) {
    size_t last = first + 1;
    while (last < all.size() && all[last].attribute == all[first].attribute)
      last++;
    write(attribute_name(all[first]), first, last);
    first = last;
  }
}

/* ROI meta ids made unique among the buffer's ROI metas (results name the meta they update by id). */
static void make_ids_unique(GstBuffer *buffer) {
  gpointer state = nullptr;
  GstMeta *meta;
  std::vector<gint> seen;
  gint max_id = 0;
  while ((meta = gst_buffer_iterate_meta_filtered(buffer, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE)))
    max_id = std::max(max_id, ((GstVideoRegionOfInterestMeta *)meta)->id);
  state = nullptr;
  while ((meta = gst_buffer_iterate_meta_filtered(buffer, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
    auto *roi = (GstVideoRegionOfInterestMeta *)meta;
    if (roi->id < 0 || std::find(seen.begin(), seen.end(), roi->id) != seen.end())
      roi->id = ++max_id;
    seen.push_back(roi->id);
  }
}

/* One ROI meta as an object; *has_confidence: its detection param has a confidence. */
static Object roi_read(GstVideoRegionOfInterestMeta *roi, int width, int height, bool *has_confidence) {
  Object o;
  o.source_id = roi->id;
  o.box = {(double)roi->x, (double)roi->y, (double)roi->w, (double)roi->h};
  if (roi->roi_type)
    o.label = g_quark_to_string(roi->roi_type);
  *has_confidence = false;
  const GstStructure *keypoints = nullptr, *mask = nullptr;
  for (GList *l = roi->params; l; l = l->next) {
    auto *s = (GstStructure *)l->data;
    const char *name = gst_structure_get_name(s);
    if (g_str_equal(name, DETECTION)) {
      gdouble conf, x0, y0, x1, y1;
      gint id;
      if (gst_structure_get_double(s, "confidence", &conf)) {
        o.confidence = conf;
        *has_confidence = true;
      }
      if (gst_structure_get_int(s, "label_id", &id))
        o.class_id = id;
      if (const char *label = gst_structure_get_string(s, "label"))
        o.label = label;
      /* The normalised coordinates are exact; the meta's integer box is rounded. */
      if (gst_structure_get_double(s, "x_min", &x0) && gst_structure_get_double(s, "y_min", &y0) &&
          gst_structure_get_double(s, "x_max", &x1) && gst_structure_get_double(s, "y_max", &y1)) {
        o.box = {x0 * width, y0 * height, (x1 - x0) * width, (y1 - y0) * height};
        rotation_from_detection(s, o, width, height);
      }
    } else if (g_str_equal(name, OBJECT_ID)) {
      gint id;
      if (gst_structure_get_int(s, "id", &id))
        o.track_id = id;
      gboolean predicted;
      if (gst_structure_get_boolean(s, "predicted", &predicted))
        o.predicted = predicted;
    } else if (g_str_equal(name, KEYPOINTS)) {
      keypoints = s; /* relative to the box: read once the detection param gave the exact one */
    } else if (is_mask(s)) {
      mask = s; /* may be placed over the box, like keypoints */
    } else if (gst_structure_has_field(s, "label")) {
      classifications_from_structure(s, name, o.classifications);
    }
  }
  if (keypoints)
    keypoints_from_structure(keypoints, o);
  if (mask)
    mask_from_structure(mask, o, width, height);
  return o;
}

static std::vector<GstVideoRegionOfInterestMeta *> roi_metas(GstBuffer *buffer) {
  std::vector<GstVideoRegionOfInterestMeta *> out;
  gpointer state = nullptr;
  GstMeta *meta;
  while ((meta = gst_buffer_iterate_meta_filtered(buffer, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE)))
    out.push_back((GstVideoRegionOfInterestMeta *)meta);
  return out;
}

#if TSVISION_HAVE_ANALYTICS
/* Within a pixel, as it is or clipped to the frame (as ROI metas are). */
static bool same_box(const GstVideoRegionOfInterestMeta *roi, const analytics::OdObject &od, int width, int height) {
  auto near = [](gint64 a, gint64 b) { return std::abs(a - b) <= 1; };
  if (near(roi->x, od.x) && near(roi->y, od.y) && near(roi->w, od.w) && near(roi->h, od.h))
    return true;
  gint64 x0 = std::max(0, od.x), y0 = std::max(0, od.y);
  gint64 x1 = std::min((gint64)width, (gint64)od.x + od.w), y1 = std::min((gint64)height, (gint64)od.y + od.h);
  return near(roi->x, x0) && near(roi->y, y0) && near(roi->w, std::max(x1 - x0, (gint64)0)) &&
         near(roi->h, std::max(y1 - y0, (gint64)0));
}

static bool same_label(const GstVideoRegionOfInterestMeta *roi, const analytics::OdObject &od) {
  return g_strcmp0(roi->roi_type ? g_quark_to_string(roi->roi_type) : "", od.object.label.c_str()) == 0;
}

/* For each ROI meta, the index in `ods` of the OD mtd describing the same object (-1: none): the one
 * with the meta's id and label (DL Streamer's link, and ours), else one with its label and box. */
static std::vector<int> match(const std::vector<GstVideoRegionOfInterestMeta *> &rois,
                              const std::vector<analytics::OdObject> &ods, int width, int height) {
  std::vector<int> out(rois.size(), -1);
  std::vector<bool> taken(ods.size(), false);
  for (size_t i = 0; i < rois.size(); i++)
    for (size_t k = 0; k < ods.size() && out[i] < 0; k++)
      if (!taken[k] && rois[i]->id >= 0 && (guint)rois[i]->id == ods[k].id && same_label(rois[i], ods[k]))
        out[i] = (int)k, taken[k] = true;
  for (size_t i = 0; i < rois.size(); i++)
    for (size_t k = 0; k < ods.size() && out[i] < 0; k++)
      if (!taken[k] && same_label(rois[i], ods[k]) && same_box(rois[i], ods[k], width, height))
        out[i] = (int)k, taken[k] = true;
  return out;
}
#endif

std::vector<Object> objects_read(GstBuffer *buffer, int width, int height, std::vector<ObjectSource> *sources) {
  std::vector<Object> out;
  std::vector<GstVideoRegionOfInterestMeta *> rois = roi_metas(buffer);
  out.reserve(rois.size());
  for (GstVideoRegionOfInterestMeta *roi : rois) {
    ObjectSource source;
    source.roi = roi;
    out.push_back(roi_read(roi, width, height, &source.has_confidence));
    if (sources)
      sources->push_back(source);
  }
#if TSVISION_HAVE_ANALYTICS
  std::vector<analytics::OdObject> ods = analytics::read(buffer);
  if (ods.empty())
    return out;
  std::vector<int> matched = match(rois, ods, width, height);
  std::vector<bool> taken(ods.size(), false);
  for (size_t i = 0; i < rois.size(); i++) {
    if (matched[i] < 0)
      continue;
    taken[matched[i]] = true;
    const Object &od = ods[matched[i]].object;
    if (out[i].track_id < 0)
      out[i].track_id = od.track_id;
    if (out[i].classifications.empty())
      out[i].classifications = od.classifications;
    if (out[i].mask.empty())
      out[i].mask = od.mask;
  }
  for (size_t k = 0; k < ods.size(); k++) {
    if (taken[k])
      continue;
    out.push_back(std::move(ods[k].object));
    if (sources)
      sources->push_back({nullptr, true, ods[k].id});
  }
#endif
  return out;
}

bool objects_present(GstBuffer *buffer) {
  if (gst_buffer_get_meta(buffer, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))
    return true;
#if TSVISION_HAVE_ANALYTICS
  return analytics::has_objects(buffer);
#else
  return false;
#endif
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
  for_each_attribute(object.classifications, [&](const char *name, size_t first, size_t last) {
    GstStructure *s = gst_video_region_of_interest_meta_get_param(meta, name);
    if (!s) {
      s = gst_structure_new_empty(name);
      gst_video_region_of_interest_meta_add_param(meta, s);
    }
    classifications_to_structure(s, object.classifications, first, last);
  });
}

static GstVideoRegionOfInterestMeta *roi_add(GstBuffer *buffer, const Object &o, int width, int height) {
  double x0 = std::max(0.0, o.box.x), y0 = std::max(0.0, o.box.y);
  double x1 = std::min((double)width, o.box.x + o.box.width);
  double y1 = std::min((double)height, o.box.y + o.box.height);
  if (x1 < x0) x1 = x0;
  if (y1 < y0) y1 = y0;
  /* Field names as quarks once: a name is a locked global hash lookup each time (every object of every frame). */
  static const GQuark q_detection = g_quark_from_static_string(DETECTION), q_confidence = g_quark_from_static_string("confidence"),
                     q_label_id = g_quark_from_static_string("label_id"), q_label = g_quark_from_static_string("label"),
                     q_x_min = g_quark_from_static_string("x_min"), q_y_min = g_quark_from_static_string("y_min"),
                     q_x_max = g_quark_from_static_string("x_max"), q_y_max = g_quark_from_static_string("y_max");
  auto *meta = gst_buffer_add_video_region_of_interest_meta_id(
      buffer, g_quark_from_string(o.label.c_str()), (guint)std::lround(x0), (guint)std::lround(y0),
      (guint)std::lround(x1 - x0), (guint)std::lround(y1 - y0));
  GstStructure *det = gst_structure_new_id(
      q_detection, q_confidence, G_TYPE_DOUBLE, o.confidence, q_label_id, G_TYPE_INT, o.class_id, q_label,
      G_TYPE_STRING, o.label.c_str(), q_x_min, G_TYPE_DOUBLE, clamp01(x0 / width), q_y_min, G_TYPE_DOUBLE,
      clamp01(y0 / height), q_x_max, G_TYPE_DOUBLE, clamp01(x1 / width), q_y_max, G_TYPE_DOUBLE,
      clamp01(y1 / height), 0);
  if (o.has_rotation)
    rotation_to_detection(det, o.rotation, width, height);
  gst_video_region_of_interest_meta_add_param(meta, det);
  if (!o.keypoints.empty())
    gst_video_region_of_interest_meta_add_param(meta, keypoints_to_structure(o, {x0, y0, x1 - x0, y1 - y0}));
  if (!o.mask.empty())
    gst_video_region_of_interest_meta_add_param(meta, mask_to_structure(o.mask));
  set_object_id(meta, o);
  set_classifications(meta, o);
  return meta;
}

/* Keypoints and an oriented box given to an object already on the buffer (tsdetect attach-to-region) replace
 * those it had. The keypoints are written relative to the box a reader gets back (roi_read's). */
static void set_pose_and_rotation(GstVideoRegionOfInterestMeta *meta, const Object &object, int width, int height) {
  if (width <= 0 || height <= 0 || (object.keypoints.empty() && !object.has_rotation))
    return;
  GstStructure *det = gst_video_region_of_interest_meta_get_param(meta, DETECTION);
  if (object.has_rotation && det) {
    /* The object is now the rectangle: its meta's rect the box around it, as for a new oriented object. */
    rotation_to_detection(det, object.rotation, width, height);
    const Box box = enclosing_box(object.rotation, width, height);
    meta->x = (guint)std::lround(box.x);
    meta->y = (guint)std::lround(box.y);
    meta->w = (guint)std::lround(box.width);
    meta->h = (guint)std::lround(box.height);
  }
  if (object.keypoints.empty())
    return;
  bool has_confidence;
  Box box = roi_read(meta, width, height, &has_confidence).box;
  for (GList *l = meta->params; l; l = l->next)
    if (gst_structure_has_name((GstStructure *)l->data, KEYPOINTS)) {
      gst_structure_free((GstStructure *)l->data);
      meta->params = g_list_delete_link(meta->params, l);
      break;
    }
  gst_video_region_of_interest_meta_add_param(meta, keypoints_to_structure(object, box));
}

/* A mask given to an existing object (tsclassify output-type=segmentation per object) replaces its mask param. */
static void set_mask(GstVideoRegionOfInterestMeta *meta, const Object &object) {
  if (object.mask.empty())
    return;
  for (GList *l = meta->params; l;) {
    GList *next = l->next;
    if (is_mask((GstStructure *)l->data)) {
      gst_structure_free((GstStructure *)l->data);
      meta->params = g_list_delete_link(meta->params, l);
    }
    l = next;
  }
  gst_video_region_of_interest_meta_add_param(meta, mask_to_structure(object.mask));
}

static void roi_update(GstVideoRegionOfInterestMeta *meta, const Object &object, int width, int height) {
  set_object_id(meta, object);
  set_classifications(meta, object);
  set_pose_and_rotation(meta, object, width, height);
  set_mask(meta, object);
}

std::vector<Object> objects_read_for_results(GstBuffer *buffer, int width, int height) {
  make_ids_unique(buffer);
#if TSVISION_HAVE_ANALYTICS
  std::vector<ObjectSource> sources;
  std::vector<Object> objects = objects_read(buffer, width, height, &sources);
  std::vector<GstVideoRegionOfInterestMeta *> rois = roi_metas(buffer);
  gint max_id = 0;
  for (GstVideoRegionOfInterestMeta *roi : rois)
    max_id = std::max(max_id, roi->id);
  for (size_t i = 0; i < objects.size(); i++) {
    if (sources[i].roi)
      continue;
    /* An OD mtd without an ROI meta gets one, with its box as it is and its id when no ROI meta has that. */
    Object &o = objects[i];
    GstVideoRegionOfInterestMeta *roi = roi_add(buffer, o, width, height);
    bool id_free = sources[i].od_id >= 0 && sources[i].od_id <= G_MAXINT;
    for (GstVideoRegionOfInterestMeta *other : rois)
      id_free = id_free && other->id != sources[i].od_id;
    roi->id = id_free ? (gint)sources[i].od_id : ++max_id;
    max_id = std::max(max_id, roi->id);
    rois.push_back(roi);
    o.source_id = roi->id;
  }
  return objects;
#else
  return objects_read(buffer, width, height);
#endif
}

void objects_apply(GstBuffer *buffer, const std::vector<Object> &objects, int width, int height, TrackTimes *tracks) {
  std::vector<GstVideoRegionOfInterestMeta *> rois;
  bool any_source = false;
  for (const auto &o : objects)
    any_source |= o.source_id >= 0;
  if (any_source)
    rois = roi_metas(buffer);
#if TSVISION_HAVE_ANALYTICS
  std::vector<analytics::OdObject> ods;
  std::vector<int> matched;
  if (any_source && analytics::has_objects(buffer)) {
    ods = analytics::read(buffer);
    matched = match(rois, ods, width, height);
  }
  const GstClockTime pts = GST_BUFFER_PTS(buffer);
  if (tracks)
    tracks->begin_frame(pts);
  auto times = [&](const Object &o, GstClockTime *first, GstClockTime *last) {
    *first = *last = pts;
    if (tracks && o.track_id >= 0)
      tracks->on_frame(o.track_id, !o.predicted, first, last);
  };
#endif
  /* Objects that update one of the frame's objects name it by id; the others are new. Sources are
   * looked up before anything is added, so that a new meta cannot take an update. */
  std::vector<int> sources(objects.size(), -1);
  for (size_t i = 0; i < objects.size(); i++)
    for (size_t k = 0; objects[i].source_id >= 0 && k < rois.size() && sources[i] < 0; k++)
      if (rois[k]->id == objects[i].source_id)
        sources[i] = (int)k;
  for (size_t i = 0; i < objects.size(); i++) {
    const Object &o = objects[i];
    if (sources[i] >= 0) {
      roi_update(rois[sources[i]], o, width, height);
#if TSVISION_HAVE_ANALYTICS
      if (!matched.empty() && matched[sources[i]] >= 0) {
        GstClockTime first, last;
        times(o, &first, &last);
        analytics::update(buffer, ods[matched[sources[i]]].id, o, first, last);
      }
#endif
    } else if (o.source_id < 0) {
      GstVideoRegionOfInterestMeta *roi = roi_add(buffer, o, width, height);
#if TSVISION_HAVE_ANALYTICS
      /* The OD mtd gets the ROI meta's rounded box, and the ROI meta the mtd's id (the link). */
      GstClockTime first, last;
      times(o, &first, &last);
      gint64 id = analytics::add(buffer, o, (int)roi->x, (int)roi->y, (int)roi->w, (int)roi->h, first, last);
      bool id_free = id >= 0 && id <= G_MAXINT;
      for (size_t k = 0; k < rois.size() && id_free; k++)
        id_free = rois[k]->id != id;
      if (id_free)
        roi->id = (gint)id;
      rois.push_back(roi);
#else
      (void)roi;
#endif
    }
  }
}

void TrackTimes::begin_frame(GstClockTime pts) {
  std::lock_guard<std::mutex> guard(lock_);
  pts_ = pts;
  if (++frames_ % 1000 == 0)
    for (auto it = tracks_.begin(); it != tracks_.end();)
      it = frames_ - it->second.frame > 1000 ? tracks_.erase(it) : std::next(it);
}

void TrackTimes::on_frame(int64_t track_id, bool seen, GstClockTime *first, GstClockTime *last) {
  std::lock_guard<std::mutex> guard(lock_);
  auto it = tracks_.find(track_id);
  if (it == tracks_.end())
    it = tracks_.emplace(track_id, Times{pts_, pts_, frames_}).first;
  it->second.frame = frames_;
  if (seen)
    it->second.last = pts_;
  *first = it->second.first;
  *last = it->second.last;
}

void TrackTimes::clear() {
  std::lock_guard<std::mutex> guard(lock_);
  tracks_.clear();
  frames_ = 0;
  pts_ = GST_CLOCK_TIME_NONE;
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

static const char *const CLASSIFICATION_META = "TsvisionClassificationMeta";

static void register_classification_meta() {
  static gsize registered = 0;
  if (g_once_init_enter(&registered)) {
    static const gchar *tags[] = {nullptr};
    gst_meta_register_custom(CLASSIFICATION_META, tags, nullptr, nullptr, nullptr);
    g_once_init_leave(&registered, 1);
  }
}

void frame_set_classifications(GstBuffer *buffer, const std::vector<Classification> &classifications) {
  if (classifications.empty())
    return;
  register_classification_meta();
  GstCustomMeta *meta = gst_buffer_get_custom_meta(buffer, CLASSIFICATION_META);
  if (!meta)
    meta = gst_buffer_add_custom_meta(buffer, CLASSIFICATION_META);
  if (!meta)
    return;
  GstStructure *all = gst_custom_meta_get_structure(meta);
  for_each_attribute(classifications, [&](const char *name, size_t first, size_t last) {
    GstStructure *s = gst_structure_new_empty(name);
    classifications_to_structure(s, classifications, first, last);
    gst_structure_set(all, name, GST_TYPE_STRUCTURE, s, nullptr);
    gst_structure_free(s);
  });
#if TSVISION_HAVE_ANALYTICS
  analytics::add_frame_classifications(buffer, classifications);
#endif
}

std::vector<Classification> frame_read_classifications(GstBuffer *buffer) {
  std::vector<Classification> out;
  register_classification_meta();
  GstCustomMeta *meta = gst_buffer_get_custom_meta(buffer, CLASSIFICATION_META);
  if (!meta) {
#if TSVISION_HAVE_ANALYTICS
    out = analytics::read_frame_classifications(buffer);
#endif
    return out;
  }
  const GstStructure *all = gst_custom_meta_get_structure(meta);
  for (int i = 0; i < gst_structure_n_fields(all); i++) {
    const char *name = gst_structure_nth_field_name(all, i);
    const GValue *v = gst_structure_get_value(all, name);
    if (v && GST_VALUE_HOLDS_STRUCTURE(v))
      classifications_from_structure(gst_value_get_structure(v), name, out);
  }
  return out;
}

static const char *const SEGMENTATION_META = "TsvisionSegmentationMeta";

static void register_segmentation_meta() {
  static gsize registered = 0;
  if (g_once_init_enter(&registered)) {
    static const gchar *tags[] = {nullptr};
    gst_meta_register_custom(SEGMENTATION_META, tags, nullptr, nullptr, nullptr);
    g_once_init_leave(&registered, 1);
  }
}

void frame_set_segmentation(GstBuffer *buffer, const SegmentationMap &map, int frame_width, int frame_height) {
  if (map.empty())
    return;
  register_segmentation_meta();
  GstCustomMeta *meta = gst_buffer_get_custom_meta(buffer, SEGMENTATION_META);
  if (!meta)
    meta = gst_buffer_add_custom_meta(buffer, SEGMENTATION_META);
  if (!meta)
    return;
  GstStructure *s = gst_custom_meta_get_structure(meta);
  GBytes *classes = g_bytes_new(map.classes.data(), map.classes.size());
  std::vector<const gchar *> labels;
  for (const std::string &l : map.labels)
    labels.push_back(l.c_str());
  labels.push_back(nullptr);
  gst_structure_set(s, "width", G_TYPE_INT, map.width, "height", G_TYPE_INT, map.height, "classes", G_TYPE_BYTES,
                    classes, "labels", G_TYPE_STRV, labels.data(), "scale-x", G_TYPE_DOUBLE, map.scale_x, "scale-y",
                    G_TYPE_DOUBLE, map.scale_y, "pad-x", G_TYPE_DOUBLE, map.pad_x, "pad-y", G_TYPE_DOUBLE, map.pad_y,
                    "frame-width", G_TYPE_INT, frame_width, "frame-height", G_TYPE_INT, frame_height, nullptr);
  g_bytes_unref(classes);
#if TSVISION_HAVE_ANALYTICS
  analytics::add_semantic_segmentation(buffer, map, frame_width, frame_height);
#endif
}

bool frame_has_segmentation(GstBuffer *buffer) {
  register_segmentation_meta();
  if (gst_buffer_get_custom_meta(buffer, SEGMENTATION_META))
    return true;
#if TSVISION_HAVE_ANALYTICS
  return analytics::read_semantic_segmentation(buffer) != nullptr;
#else
  return false;
#endif
}

std::shared_ptr<const SegmentationMap> frame_read_segmentation(GstBuffer *buffer) {
  register_segmentation_meta();
  GstCustomMeta *meta = gst_buffer_get_custom_meta(buffer, SEGMENTATION_META);
  if (!meta) {
#if TSVISION_HAVE_ANALYTICS
    return analytics::read_semantic_segmentation(buffer);
#else
    return nullptr;
#endif
  }
  const GstStructure *s = gst_custom_meta_get_structure(meta);
  auto m = std::make_shared<SegmentationMap>();
  const GValue *classes = gst_structure_get_value(s, "classes");
  if (!gst_structure_get_int(s, "width", &m->width) || !gst_structure_get_int(s, "height", &m->height) || !classes ||
      !G_VALUE_HOLDS(classes, G_TYPE_BYTES) || !gst_structure_get_double(s, "scale-x", &m->scale_x) ||
      !gst_structure_get_double(s, "scale-y", &m->scale_y) || !gst_structure_get_double(s, "pad-x", &m->pad_x) ||
      !gst_structure_get_double(s, "pad-y", &m->pad_y))
    return nullptr;
  gsize size = 0;
  const guint8 *data = (const guint8 *)g_bytes_get_data((GBytes *)g_value_get_boxed(classes), &size);
  if (m->width <= 0 || m->height <= 0 || !data || size != (gsize)m->width * m->height)
    return nullptr;
  m->classes.assign(data, data + size);
  const GValue *labels = gst_structure_get_value(s, "labels");
  if (labels && G_VALUE_HOLDS(labels, G_TYPE_STRV))
    for (const gchar *const *l = (const gchar *const *)g_value_get_boxed(labels); l && *l; l++)
      m->labels.emplace_back(*l);
  return m;
}

static const char *const PAST_OBJECTS_META = "TsvisionPastObjectsMeta";

static void register_past_objects_meta() {
  static gsize registered = 0;
  if (g_once_init_enter(&registered)) {
    static const gchar *tags[] = {nullptr};
    gst_meta_register_custom(PAST_OBJECTS_META, tags, nullptr, nullptr, nullptr);
    g_once_init_leave(&registered, 1);
  }
}

void frame_add_past_objects(GstBuffer *buffer, const std::vector<PastObject> &objects) {
  if (objects.empty())
    return;
  register_past_objects_meta();
  GstCustomMeta *meta = gst_buffer_get_custom_meta(buffer, PAST_OBJECTS_META);
  if (!meta)
    meta = gst_buffer_add_custom_meta(buffer, PAST_OBJECTS_META);
  if (!meta)
    return;
  GstStructure *s = gst_custom_meta_get_structure(meta);
  GValue array = G_VALUE_INIT;
  g_value_init(&array, GST_TYPE_ARRAY);
  const GValue *existing = gst_structure_get_value(s, "objects");
  if (existing && GST_VALUE_HOLDS_ARRAY(existing))
    g_value_copy(existing, &array);
  for (const PastObject &p : objects) {
    const Object &o = p.object;
    GstStructure *po = gst_structure_new("past-object", "frames-ago", G_TYPE_UINT, (guint)p.frames_ago, "track-id",
                                         G_TYPE_INT, (gint)o.track_id, "label", G_TYPE_STRING, o.label.c_str(),
                                         "label-id", G_TYPE_INT, o.class_id, "confidence", G_TYPE_DOUBLE,
                                         o.confidence, "x", G_TYPE_DOUBLE, o.box.x, "y", G_TYPE_DOUBLE, o.box.y,
                                         "width", G_TYPE_DOUBLE, o.box.width, "height", G_TYPE_DOUBLE, o.box.height,
                                         "interpolated", G_TYPE_BOOLEAN, TRUE, nullptr);
    if (p.pts >= 0)
      gst_structure_set(po, "pts", G_TYPE_UINT64, (guint64)p.pts, nullptr);
    GValue v = G_VALUE_INIT;
    g_value_init(&v, GST_TYPE_STRUCTURE);
    gst_value_set_structure(&v, po);
    gst_structure_free(po);
    gst_value_array_append_and_take_value(&array, &v);
  }
  gst_structure_take_value(s, "objects", &array);
}

std::vector<PastObject> frame_read_past_objects(GstBuffer *buffer) {
  std::vector<PastObject> out;
  register_past_objects_meta();
  GstCustomMeta *meta = gst_buffer_get_custom_meta(buffer, PAST_OBJECTS_META);
  if (!meta)
    return out;
  const GValue *array = gst_structure_get_value(gst_custom_meta_get_structure(meta), "objects");
  if (!array || !GST_VALUE_HOLDS_ARRAY(array))
    return out;
  for (guint i = 0; i < gst_value_array_get_size(array); i++) {
    const GValue *v = gst_value_array_get_value(array, i);
    if (!GST_VALUE_HOLDS_STRUCTURE(v))
      continue;
    const GstStructure *po = gst_value_get_structure(v);
    PastObject p;
    guint frames_ago = 0;
    guint64 pts = 0;
    gint track_id = -1, label_id = -1;
    gst_structure_get_uint(po, "frames-ago", &frames_ago);
    p.frames_ago = frames_ago;
    if (gst_structure_get_uint64(po, "pts", &pts))
      p.pts = (int64_t)pts;
    if (gst_structure_get_int(po, "track-id", &track_id))
      p.object.track_id = track_id;
    if (gst_structure_get_int(po, "label-id", &label_id))
      p.object.class_id = label_id;
    if (const char *label = gst_structure_get_string(po, "label"))
      p.object.label = label;
    gst_structure_get_double(po, "confidence", &p.object.confidence);
    gst_structure_get_double(po, "x", &p.object.box.x);
    gst_structure_get_double(po, "y", &p.object.box.y);
    gst_structure_get_double(po, "width", &p.object.box.width);
    gst_structure_get_double(po, "height", &p.object.box.height);
    out.push_back(std::move(p));
  }
  return out;
}

} // namespace tsv
