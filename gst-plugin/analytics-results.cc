#include "analytics-results.h"

namespace tsv {

static const char *const ANALYTICS_META = "TsvisionAnalyticsMeta";

static void register_analytics_meta() {
  static gsize once = 0;
  if (g_once_init_enter(&once)) {
    static const gchar *tags[] = {nullptr};
    gst_meta_register_custom(ANALYTICS_META, tags, nullptr, nullptr, nullptr);
    g_once_init_leave(&once, 1);
  }
}

static void append_and_take(GValue *array, GstStructure *s) {
  GValue v = G_VALUE_INIT;
  g_value_init(&v, GST_TYPE_STRUCTURE);
  gst_value_set_structure(&v, s);
  gst_structure_free(s);
  gst_value_array_append_and_take_value(array, &v);
}

static void set_points(GstStructure *s, const std::vector<double> &points) {
  GValue array = G_VALUE_INIT;
  g_value_init(&array, GST_TYPE_ARRAY);
  for (double d : points) {
    GValue v = G_VALUE_INIT;
    g_value_init(&v, G_TYPE_DOUBLE);
    g_value_set_double(&v, d);
    gst_value_array_append_and_take_value(&array, &v);
  }
  gst_structure_take_value(s, "points", &array);
}

static std::vector<double> get_points(const GstStructure *s) {
  std::vector<double> out;
  const GValue *array = gst_structure_get_value(s, "points");
  if (array && GST_VALUE_HOLDS_ARRAY(array))
    for (guint i = 0; i < gst_value_array_get_size(array); i++) {
      const GValue *v = gst_value_array_get_value(array, i);
      if (G_VALUE_HOLDS_DOUBLE(v))
        out.push_back(g_value_get_double(v));
    }
  return out;
}

void frame_add_analytics(GstBuffer *buffer, const AnalyticsResult &a) {
  register_analytics_meta();
  GstCustomMeta *meta = gst_buffer_get_custom_meta(buffer, ANALYTICS_META);
  if (!meta)
    meta = gst_buffer_add_custom_meta(buffer, ANALYTICS_META);
  if (!meta)
    return;
  GstStructure *s = gst_custom_meta_get_structure(meta);
  gst_structure_set(s, "events", G_TYPE_STRING, a.events_json.c_str(), "counts", G_TYPE_STRING, a.counts_json.c_str(),
                    "motion", G_TYPE_STRING, a.motion_json.c_str(), nullptr);
  GValue lines = G_VALUE_INIT, zones = G_VALUE_INIT, crossed = G_VALUE_INIT;
  g_value_init(&lines, GST_TYPE_ARRAY);
  for (const auto &l : a.lines) {
    GstStructure *ls = gst_structure_new("line", "name", G_TYPE_STRING, l.name.c_str(), "in", G_TYPE_INT64, (gint64)l.in,
                                         "out", G_TYPE_INT64, (gint64)l.out, nullptr);
    set_points(ls, l.points);
    append_and_take(&lines, ls);
  }
  gst_structure_take_value(s, "lines", &lines);
  g_value_init(&zones, GST_TYPE_ARRAY);
  for (const auto &z : a.zones) {
    GstStructure *zs = gst_structure_new("zone", "name", G_TYPE_STRING, z.name.c_str(), "occupancy", G_TYPE_INT64,
                                         (gint64)z.occupancy, "overcrowded", G_TYPE_BOOLEAN, z.overcrowded, nullptr);
    set_points(zs, z.points);
    append_and_take(&zones, zs);
  }
  gst_structure_take_value(s, "zones", &zones);
  g_value_init(&crossed, GST_TYPE_ARRAY);
  for (int64_t id : a.crossed) {
    GValue v = G_VALUE_INIT;
    g_value_init(&v, G_TYPE_INT64);
    g_value_set_int64(&v, id);
    gst_value_array_append_and_take_value(&crossed, &v);
  }
  gst_structure_take_value(s, "crossed", &crossed);
}

std::shared_ptr<const AnalyticsResult> frame_read_analytics(GstBuffer *buffer) {
  if (!gst_meta_get_info(ANALYTICS_META))
    return nullptr; /* never registered: no buffer has one */
  GstCustomMeta *meta = gst_buffer_get_custom_meta(buffer, ANALYTICS_META);
  if (!meta)
    return nullptr;
  const GstStructure *s = gst_custom_meta_get_structure(meta);
  auto a = std::make_shared<AnalyticsResult>();
  auto text = [&](const char *field) {
    const gchar *v = gst_structure_get_string(s, field);
    return std::string(v ? v : "");
  };
  a->events_json = text("events");
  a->counts_json = text("counts");
  a->motion_json = text("motion");
  auto each = [&](const char *field, auto fn) {
    const GValue *array = gst_structure_get_value(s, field);
    if (!array || !GST_VALUE_HOLDS_ARRAY(array))
      return;
    for (guint i = 0; i < gst_value_array_get_size(array); i++) {
      const GValue *v = gst_value_array_get_value(array, i);
      if (GST_VALUE_HOLDS_STRUCTURE(v))
        fn(gst_value_get_structure(v));
      else if (G_VALUE_HOLDS_INT64(v))
        a->crossed.push_back(g_value_get_int64(v));
    }
  };
  each("lines", [&](const GstStructure *ls) {
    AnalyticsResult::Line l;
    const gchar *name = gst_structure_get_string(ls, "name");
    l.name = name ? name : "";
    l.points = get_points(ls);
    gint64 in = 0, out = 0;
    gst_structure_get_int64(ls, "in", &in);
    gst_structure_get_int64(ls, "out", &out);
    l.in = in;
    l.out = out;
    a->lines.push_back(std::move(l));
  });
  each("zones", [&](const GstStructure *zs) {
    AnalyticsResult::Zone z;
    const gchar *name = gst_structure_get_string(zs, "name");
    z.name = name ? name : "";
    z.points = get_points(zs);
    gint64 occupancy = 0;
    gboolean overcrowded = FALSE;
    gst_structure_get_int64(zs, "occupancy", &occupancy);
    gst_structure_get_boolean(zs, "overcrowded", &overcrowded);
    z.occupancy = occupancy;
    z.overcrowded = overcrowded;
    a->zones.push_back(std::move(z));
  });
  each("crossed", [](const GstStructure *) {});
  return a;
}

} // namespace tsv
