#include "analytics-results.h"

#include <algorithm>

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

static GVariant *int64_array(const std::vector<gint64> &values) {
  return g_variant_new_fixed_array(G_VARIANT_TYPE_INT64, values.data(), values.size(), sizeof(gint64));
}

GVariant *analytics_geometry_new(const AnalyticsResult &a) {
  auto rules = [](const auto &list) {
    GVariantBuilder builder;
    g_variant_builder_init(&builder, G_VARIANT_TYPE("a(sad)"));
    for (const auto &r : list)
      g_variant_builder_add_value(
          &builder, g_variant_new("(s@ad)", r.name.c_str(),
                                  g_variant_new_fixed_array(G_VARIANT_TYPE_DOUBLE, r.points.data(), r.points.size(), sizeof(double))));
    return g_variant_builder_end(&builder);
  };
  GVariant *lines = rules(a.lines);
  GVariant *zones = rules(a.zones);
  return g_variant_ref_sink(g_variant_new("(@a(sad)@a(sad))", lines, zones));
}

void frame_add_analytics(GstBuffer *buffer, const AnalyticsResult &a, GVariant *geometry) {
  register_analytics_meta();
  GstCustomMeta *meta = gst_buffer_get_custom_meta(buffer, ANALYTICS_META);
  if (!meta)
    meta = gst_buffer_add_custom_meta(buffer, ANALYTICS_META);
  if (!meta)
    return;
  /* figures: in, out per line, then occupancy, overcrowded per zone (as the runtime sends them). Figures of
   * other rules than `geometry`'s (the frame that carried new rules was dropped in a flush; the runtime sends
   * them again) are left out rather than given to the wrong rules. */
  GVariant *lines = g_variant_get_child_value(geometry, 0), *zones = g_variant_get_child_value(geometry, 1);
  const size_t n_line_figures = 2 * (size_t)g_variant_n_children(lines);
  const bool matching = a.figures.size() == n_line_figures + 2 * (size_t)g_variant_n_children(zones);
  g_variant_unref(lines);
  g_variant_unref(zones);
  std::vector<gint64> line_counts, zone_counts;
  if (matching) {
    line_counts.assign(a.figures.begin(), a.figures.begin() + n_line_figures);
    zone_counts.assign(a.figures.begin() + n_line_figures, a.figures.end());
  }
  std::vector<gint64> crossed(a.crossed.begin(), a.crossed.end());
  /* G_TYPE_VARIANT fields sink the floating arrays and take a reference to `geometry`. */
  gst_structure_set(gst_custom_meta_get_structure(meta), "events", G_TYPE_STRING, a.events_json.c_str(), "counts",
                    G_TYPE_STRING, a.counts_json.c_str(), "motion", G_TYPE_STRING, a.motion_json.c_str(), "geometry",
                    G_TYPE_VARIANT, geometry, "line-counts", G_TYPE_VARIANT, int64_array(line_counts), "zone-counts",
                    G_TYPE_VARIANT, int64_array(zone_counts), "crossed", G_TYPE_VARIANT, int64_array(crossed), nullptr);
}

/* The elements of an `ax` variant field (none when missing or of another type). */
static std::vector<gint64> get_int64s(const GstStructure *s, const char *field) {
  std::vector<gint64> out;
  GVariant *v = nullptr;
  if (gst_structure_get(s, field, G_TYPE_VARIANT, &v, nullptr) && v) {
    if (g_variant_is_of_type(v, G_VARIANT_TYPE("ax"))) {
      gsize n = 0;
      const gint64 *d = (const gint64 *)g_variant_get_fixed_array(v, &n, sizeof(gint64));
      out.assign(d, d + n);
    }
    g_variant_unref(v);
  }
  return out;
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
  GVariant *geometry = nullptr;
  if (gst_structure_get(s, "geometry", G_TYPE_VARIANT, &geometry, nullptr) && geometry) {
    if (g_variant_is_of_type(geometry, G_VARIANT_TYPE("(a(sad)a(sad))"))) {
      auto each = [&](gsize index, auto add) {
        GVariant *list = g_variant_get_child_value(geometry, index);
        for (gsize i = 0; i < g_variant_n_children(list); i++) {
          const gchar *name = nullptr;
          GVariant *points = nullptr;
          g_variant_get_child(list, i, "(&s@ad)", &name, &points);
          gsize n = 0;
          const double *d = (const double *)g_variant_get_fixed_array(points, &n, sizeof(double));
          add(std::string(name), std::vector<double>(d, d + n));
          g_variant_unref(points);
        }
        g_variant_unref(list);
      };
      each(0, [&](std::string name, std::vector<double> points) {
        AnalyticsResult::Line l;
        l.name = std::move(name);
        l.points = std::move(points);
        a->lines.push_back(std::move(l));
      });
      each(1, [&](std::string name, std::vector<double> points) {
        AnalyticsResult::Zone z;
        z.name = std::move(name);
        z.points = std::move(points);
        a->zones.push_back(std::move(z));
      });
    }
    g_variant_unref(geometry);
  }
  std::vector<gint64> line_counts = get_int64s(s, "line-counts"), zone_counts = get_int64s(s, "zone-counts");
  for (size_t i = 0; i < a->lines.size() && 2 * i + 1 < line_counts.size(); i++) {
    a->lines[i].in = line_counts[2 * i];
    a->lines[i].out = line_counts[2 * i + 1];
  }
  for (size_t i = 0; i < a->zones.size() && 2 * i + 1 < zone_counts.size(); i++) {
    a->zones[i].occupancy = zone_counts[2 * i];
    a->zones[i].overcrowded = zone_counts[2 * i + 1] != 0;
  }
  for (gint64 id : get_int64s(s, "crossed"))
    a->crossed.push_back(id);
  return a;
}

} // namespace tsv
