#include "analytics-meta.h"

#include <gst/analytics/analytics.h>

#include <algorithm>
#include <cmath>

namespace tsv {
namespace analytics {

/* What reading follows from an OD mtd to its tracking and classification mtds. */
static const GstAnalyticsRelTypes RELATED =
    (GstAnalyticsRelTypes)(GST_ANALYTICS_REL_TYPE_RELATE_TO | GST_ANALYTICS_REL_TYPE_CONTAIN);

/* The classes of a classification mtd, best first; undefined levels (< 0) left out. */
static void read_classes(GstAnalyticsClsMtd *cls, std::vector<Classification> &out) {
  size_t first = out.size();
  gsize n = gst_analytics_cls_mtd_get_length(cls);
  for (gsize i = 0; i < n; i++) {
    gfloat level = gst_analytics_cls_mtd_get_level(cls, i);
    GQuark quark = gst_analytics_cls_mtd_get_quark(cls, i);
    if (level < 0 || !quark)
      continue;
    Classification c;
    c.attribute = "classification";
    c.label = g_quark_to_string(quark);
    c.confidence = level;
    out.push_back(std::move(c));
  }
  std::stable_sort(out.begin() + first, out.end(),
                   [](const Classification &a, const Classification &b) { return a.confidence > b.confidence; });
}

/* An OD mtd's box (the enclosing one for an oriented mtd, which also sets the object's rotation). */
static bool read_location(GstAnalyticsODMtd *od, OdObject *r, gfloat *confidence) {
  Object &o = r->object;
#if GST_CHECK_VERSION(1, 26, 0)
  gfloat angle = 0;
  if (!gst_analytics_od_mtd_get_oriented_location(od, &r->x, &r->y, &r->w, &r->h, &angle, confidence))
    return false;
  if (angle != 0 && std::isfinite(angle)) {
    o.has_rotation = true;
    o.rotation = {r->x + r->w / 2.0, r->y + r->h / 2.0, (double)r->w, (double)r->h, angle};
    /* The box the ROI meta of the same object has (unclipped: same_box() also tries it clipped). */
    const double c = std::abs(std::cos(angle)), s = std::abs(std::sin(angle));
    const double hx = (r->w * c + r->h * s) / 2, hy = (r->w * s + r->h * c) / 2;
    r->x = (int)std::lround(o.rotation.cx - hx);
    r->y = (int)std::lround(o.rotation.cy - hy);
    r->w = (int)std::lround(2 * hx);
    r->h = (int)std::lround(2 * hy);
    o.box = {o.rotation.cx - hx, o.rotation.cy - hy, 2 * hx, 2 * hy};
    return true;
  }
#else
  if (!gst_analytics_od_mtd_get_location(od, &r->x, &r->y, &r->w, &r->h, confidence))
    return false;
#endif
  o.box = {(double)r->x, (double)r->y, (double)r->w, (double)r->h};
  return true;
}

bool has_objects(GstBuffer *buffer) {
  GstAnalyticsRelationMeta *rmeta = gst_buffer_get_analytics_relation_meta(buffer);
  if (!rmeta)
    return false;
  gpointer state = nullptr;
  GstAnalyticsODMtd od;
  return gst_analytics_relation_meta_iterate(rmeta, &state, gst_analytics_od_mtd_get_mtd_type(), &od);
}

std::vector<OdObject> read(GstBuffer *buffer) {
  std::vector<OdObject> out;
  GstAnalyticsRelationMeta *rmeta = gst_buffer_get_analytics_relation_meta(buffer);
  if (!rmeta)
    return out;
  gpointer state = nullptr;
  GstAnalyticsODMtd od;
  while (gst_analytics_relation_meta_iterate(rmeta, &state, gst_analytics_od_mtd_get_mtd_type(), &od)) {
    OdObject r;
    r.id = od.id;
    gfloat confidence = 0;
    Object &o = r.object;
    if (!read_location(&od, &r, &confidence))
      continue;
    o.confidence = confidence;
    if (GQuark label = gst_analytics_od_mtd_get_obj_type(&od))
      o.label = g_quark_to_string(label);
    GstAnalyticsTrackingMtd tracking;
    if (gst_analytics_relation_meta_get_direct_related(rmeta, od.id, RELATED, gst_analytics_tracking_mtd_get_mtd_type(),
                                                       nullptr, &tracking)) {
      guint64 id;
      GstClockTime first, last;
      gboolean lost;
      if (gst_analytics_tracking_mtd_get_info(&tracking, &id, &first, &last, &lost) && id <= (guint64)G_MAXINT64)
        o.track_id = (int64_t)id;
    }
    gpointer cls_state = nullptr;
    GstAnalyticsClsMtd cls;
    while (gst_analytics_relation_meta_get_direct_related(rmeta, od.id, RELATED, gst_analytics_cls_mtd_get_mtd_type(),
                                                          &cls_state, &cls))
      read_classes(&cls, o.classifications);
    out.push_back(std::move(r));
  }
  return out;
}

/* Calls write(first, last) for each run of classifications with the same attribute. */
template <typename F> static void for_each_attribute(const std::vector<Classification> &all, F write) {
  size_t first = 0;
  while (first < all.size()) {
    size_t last = first + 1;
    while (last < all.size() && all[last].attribute == all[first].attribute)
      last++;
    write(first, last);
    first = last;
  }
}

/* Classifications [first, last) as one classification mtd; embeddings (no label) have no place there. */
static bool add_classes(GstAnalyticsRelationMeta *rmeta, const std::vector<Classification> &all, size_t first,
                        size_t last, GstAnalyticsClsMtd *cls) {
  std::vector<gfloat> levels;
  std::vector<GQuark> quarks;
  for (size_t i = first; i < last; i++) {
    if (all[i].label.empty())
      continue;
    levels.push_back((gfloat)all[i].confidence);
    quarks.push_back(g_quark_from_string(all[i].label.c_str()));
  }
  if (quarks.empty())
    return false;
  return gst_analytics_relation_meta_add_cls_mtd(rmeta, quarks.size(), levels.data(), quarks.data(), cls);
}

/* Whether OD mtd `id` already has a classification mtd with exactly these classes. */
static bool has_classes(GstAnalyticsRelationMeta *rmeta, guint id, const std::vector<Classification> &all,
                        size_t first, size_t last) {
  gpointer state = nullptr;
  GstAnalyticsClsMtd cls;
  while (gst_analytics_relation_meta_get_direct_related(rmeta, id, RELATED, gst_analytics_cls_mtd_get_mtd_type(),
                                                        &state, &cls)) {
    gsize n = gst_analytics_cls_mtd_get_length(&cls), k = 0;
    bool same = true;
    for (size_t i = first; i < last && same; i++) {
      if (all[i].label.empty())
        continue;
      same = k < n && gst_analytics_cls_mtd_get_quark(&cls, k) == g_quark_try_string(all[i].label.c_str());
      k++;
    }
    if (same && k == n)
      return true;
  }
  return false;
}

static void relate_classifications(GstAnalyticsRelationMeta *rmeta, guint id, const Object &o, bool only_new) {
  for_each_attribute(o.classifications, [&](size_t first, size_t last) {
    if (only_new && has_classes(rmeta, id, o.classifications, first, last))
      return;
    GstAnalyticsClsMtd cls;
    if (add_classes(rmeta, o.classifications, first, last, &cls))
      gst_analytics_relation_meta_set_relation(rmeta, GST_ANALYTICS_REL_TYPE_RELATE_TO, id, cls.id);
  });
}

static void add_tracking(GstAnalyticsRelationMeta *rmeta, guint id, const Object &o, GstClockTime first_seen,
                         GstClockTime last_seen) {
  GstAnalyticsTrackingMtd tracking;
  if (!gst_analytics_relation_meta_add_tracking_mtd(rmeta, (guint64)o.track_id, first_seen, &tracking))
    return;
  gst_analytics_tracking_mtd_update_last_seen(&tracking, last_seen);
  gst_analytics_relation_meta_set_relation(rmeta, GST_ANALYTICS_REL_TYPE_RELATE_TO, id, tracking.id);
}

static GstAnalyticsRelationMeta *relation_meta(GstBuffer *buffer) {
  GstAnalyticsRelationMeta *rmeta = gst_buffer_get_analytics_relation_meta(buffer);
  return rmeta ? rmeta : gst_buffer_add_analytics_relation_meta(buffer);
}

/* An OD mtd for `o`: oriented (its rectangle and angle) where GStreamer has them, else with the box x, y, w, h. */
static bool add_od(GstAnalyticsRelationMeta *rmeta, const Object &o, int x, int y, int w, int h, GstAnalyticsODMtd *od) {
  GQuark label = g_quark_from_string(o.label.c_str());
#if GST_CHECK_VERSION(1, 26, 0)
  if (o.has_rotation) {
    const Rotation &r = o.rotation;
    /* GstAnalytics' angles are in [0, 2π). */
    double angle = std::fmod(r.angle, 2 * M_PI);
    if (angle < 0)
      angle += 2 * M_PI;
    return gst_analytics_relation_meta_add_oriented_od_mtd(
        rmeta, label, (gint)std::lround(r.cx - r.width / 2), (gint)std::lround(r.cy - r.height / 2),
        (gint)std::lround(r.width), (gint)std::lround(r.height), (gfloat)angle, (gfloat)o.confidence, od);
  }
#endif
  return gst_analytics_relation_meta_add_od_mtd(rmeta, label, x, y, w, h, (gfloat)o.confidence, od);
}

gint64 add(GstBuffer *buffer, const Object &o, int x, int y, int w, int h, GstClockTime first_seen,
           GstClockTime last_seen) {
  GstAnalyticsRelationMeta *rmeta = relation_meta(buffer);
  GstAnalyticsODMtd od;
  if (!rmeta || !add_od(rmeta, o, x, y, w, h, &od))
    return -1;
  if (o.track_id >= 0)
    add_tracking(rmeta, od.id, o, first_seen, last_seen);
  relate_classifications(rmeta, od.id, o, false);
  return od.id;
}

void update(GstBuffer *buffer, guint id, const Object &o, GstClockTime first_seen, GstClockTime last_seen) {
  GstAnalyticsRelationMeta *rmeta = gst_buffer_get_analytics_relation_meta(buffer);
  if (!rmeta)
    return;
  if (o.track_id >= 0) {
    GstAnalyticsTrackingMtd tracking;
    if (gst_analytics_relation_meta_get_direct_related(rmeta, id, RELATED, gst_analytics_tracking_mtd_get_mtd_type(),
                                                       nullptr, &tracking)) {
      /* A tracking mtd cannot change its id: one from another tracker stays as it is. */
      guint64 track_id;
      GstClockTime first, last;
      gboolean lost;
      if (gst_analytics_tracking_mtd_get_info(&tracking, &track_id, &first, &last, &lost) &&
          track_id == (guint64)o.track_id)
        gst_analytics_tracking_mtd_update_last_seen(&tracking, last_seen);
    } else {
      add_tracking(rmeta, id, o, first_seen, last_seen);
    }
  }
  relate_classifications(rmeta, id, o, true);
}

void add_frame_classifications(GstBuffer *buffer, const std::vector<Classification> &classifications) {
  GstAnalyticsRelationMeta *rmeta = relation_meta(buffer);
  if (!rmeta)
    return;
  for_each_attribute(classifications, [&](size_t first, size_t last) {
    GstAnalyticsClsMtd cls;
    add_classes(rmeta, classifications, first, last, &cls);
  });
}

std::vector<Classification> read_frame_classifications(GstBuffer *buffer) {
  std::vector<Classification> out;
  GstAnalyticsRelationMeta *rmeta = gst_buffer_get_analytics_relation_meta(buffer);
  if (!rmeta)
    return out;
  std::vector<guint> ods;
  gpointer state = nullptr;
  GstAnalyticsODMtd od;
  while (gst_analytics_relation_meta_iterate(rmeta, &state, gst_analytics_od_mtd_get_mtd_type(), &od))
    ods.push_back(od.id);
  state = nullptr;
  GstAnalyticsClsMtd cls;
  while (gst_analytics_relation_meta_iterate(rmeta, &state, gst_analytics_cls_mtd_get_mtd_type(), &cls)) {
    bool related = false;
    for (size_t i = 0; i < ods.size() && !related; i++)
      related = gst_analytics_relation_meta_get_relation(rmeta, ods[i], cls.id) != GST_ANALYTICS_REL_TYPE_NONE ||
                gst_analytics_relation_meta_get_relation(rmeta, cls.id, ods[i]) != GST_ANALYTICS_REL_TYPE_NONE;
    if (!related)
      read_classes(&cls, out);
  }
  return out;
}

} // namespace analytics
} // namespace tsv
