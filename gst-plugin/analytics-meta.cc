#include "analytics-meta.h"

#include <gst/analytics/analytics.h>

#include <gst/video/video.h>

#include <algorithm>
#include <cmath>
#include <cstring>

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

#if GST_CHECK_VERSION(1, 26, 0)
/* An object's mask as an instance segmentation mtd of its own: a GRAY8 buffer (1 inside, 0 outside; region ids 0,
 * the background, and 1, the object) at the mask's placement (x, y, w, h), OD --CONTAIN--> seg --IS_PART_OF--> OD,
 * as DL Streamer relates per-object results. */
static void add_mask(GstAnalyticsRelationMeta *rmeta, guint od_id, const Mask &m) {
  GstVideoInfo info;
  if (!gst_video_info_set_format(&info, GST_VIDEO_FORMAT_GRAY8, (guint)m.width, (guint)m.height))
    return;
  GstBuffer *buffer = gst_buffer_new_allocate(nullptr, GST_VIDEO_INFO_SIZE(&info), nullptr);
  GstMapInfo map;
  if (!buffer || !gst_buffer_map(buffer, &map, GST_MAP_WRITE)) {
    if (buffer)
      gst_buffer_unref(buffer);
    return;
  }
  const int stride = GST_VIDEO_INFO_PLANE_STRIDE(&info, 0);
  memset(map.data, 0, map.size);
  for (int r = 0; r < m.height; r++)
    memcpy(map.data + (size_t)r * stride, m.data.data() + (size_t)r * m.width, (size_t)m.width);
  gst_buffer_unmap(buffer, &map);
  gst_buffer_add_video_meta_full(buffer, GST_VIDEO_FRAME_FLAG_NONE, GST_VIDEO_FORMAT_GRAY8, (guint)m.width,
                                 (guint)m.height, 1, info.offset, info.stride);
  guint regions[2] = {0, 1};
  GstAnalyticsSegmentationMtd seg;
  /* The meta takes the buffer. */
  if (!gst_analytics_relation_meta_add_segmentation_mtd(rmeta, buffer, GST_SEGMENTATION_TYPE_INSTANCE, 2, regions,
                                                        m.x, m.y, (guint)m.width, (guint)m.height, &seg))
    return;
  gst_analytics_relation_meta_set_relation(rmeta, GST_ANALYTICS_REL_TYPE_CONTAIN, od_id, seg.id);
  gst_analytics_relation_meta_set_relation(rmeta, GST_ANALYTICS_REL_TYPE_IS_PART_OF, seg.id, od_id);
}

/* The mask of an instance segmentation mtd related to one OD mtd (ours or another producer's): GRAY8/GRAY16 pixels
 * other than region index 0's id (the background) inside, resampled (nearest) onto its location when its own size
 * differs. */
static void read_mask(GstAnalyticsSegmentationMtd *seg, Mask &m) {
  gint x = 0, y = 0;
  guint w = 0, h = 0;
  GstBuffer *buffer = gst_analytics_segmentation_mtd_get_mask(seg, &x, &y, &w, &h);
  if (!buffer)
    return;
  GstVideoMeta *vmeta = gst_buffer_get_video_meta(buffer);
  GstMapInfo map;
  const bool gray8 = vmeta && vmeta->format == GST_VIDEO_FORMAT_GRAY8;
  const bool gray16 = vmeta && vmeta->format == GST_VIDEO_FORMAT_GRAY16_LE;
  if (vmeta && (gray8 || gray16) && w > 0 && h > 0 && w <= (1u << 20) && h <= (1u << 20) && vmeta->width > 0 &&
      vmeta->height > 0 && gst_buffer_map(buffer, &map, GST_MAP_READ)) {
    const guint background = gst_analytics_segmentation_mtd_get_region_count(seg) > 0
                                 ? gst_analytics_segmentation_mtd_get_region_id(seg, 0)
                                 : 0;
    const size_t last = vmeta->offset[0] + (size_t)(vmeta->height - 1) * vmeta->stride[0] + vmeta->width * (gray16 ? 2 : 1);
    if (last <= map.size) {
      m.x = x;
      m.y = y;
      m.width = (int)w;
      m.height = (int)h;
      m.data.resize((size_t)w * h);
      for (guint r = 0; r < h; r++) {
        const guint8 *row = map.data + vmeta->offset[0] + (size_t)(r * vmeta->height / h) * vmeta->stride[0];
        for (guint c = 0; c < w; c++) {
          const guint sc = c * vmeta->width / w;
          const guint v = gray16 ? (guint)GST_READ_UINT16_LE(row + 2 * sc) : row[sc];
          m.data[(size_t)r * w + c] = v != background;
        }
      }
    }
    gst_buffer_unmap(buffer, &map);
  }
  gst_buffer_unref(buffer);
}
#endif

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
#if GST_CHECK_VERSION(1, 26, 0)
    GstAnalyticsSegmentationMtd seg;
    if (gst_analytics_relation_meta_get_direct_related(rmeta, od.id, RELATED,
                                                       gst_analytics_segmentation_mtd_get_mtd_type(), nullptr, &seg))
      read_mask(&seg, o.mask);
#endif
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
#if GST_CHECK_VERSION(1, 26, 0)
  if (!o.mask.empty())
    add_mask(rmeta, od.id, o.mask);
#endif
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
#if GST_CHECK_VERSION(1, 26, 0)
  /* A mask given to an existing object (tsclassify output-type=segmentation per object): its segmentation mtd, unless
   * the OD mtd already CONTAINs one (a detector's own mask stays). */
  GstAnalyticsSegmentationMtd seg;
  if (!o.mask.empty() && !gst_analytics_relation_meta_get_direct_related(rmeta, id, GST_ANALYTICS_REL_TYPE_CONTAIN,
                                                                         gst_analytics_segmentation_mtd_get_mtd_type(),
                                                                         nullptr, &seg))
    add_mask(rmeta, id, o.mask);
#endif
}

void add_semantic_segmentation(GstBuffer *buffer, const SegmentationMap &map, int frame_width, int frame_height) {
#if GST_CHECK_VERSION(1, 26, 0)
  GstAnalyticsRelationMeta *rmeta = relation_meta(buffer);
  GstVideoInfo info;
  if (!rmeta || map.empty() ||
      !gst_video_info_set_format(&info, GST_VIDEO_FORMAT_GRAY8, (guint)map.width, (guint)map.height))
    return;
  GstBuffer *mask = gst_buffer_new_allocate(nullptr, GST_VIDEO_INFO_SIZE(&info), nullptr);
  GstMapInfo mi;
  if (!mask || !gst_buffer_map(mask, &mi, GST_MAP_WRITE)) {
    if (mask)
      gst_buffer_unref(mask);
    return;
  }
  const int stride = GST_VIDEO_INFO_PLANE_STRIDE(&info, 0);
  for (int r = 0; r < map.height; r++)
    memcpy(mi.data + (size_t)r * stride, map.classes.data() + (size_t)r * map.width, (size_t)map.width);
  gst_buffer_unmap(mask, &mi);
  gst_buffer_add_video_meta_full(mask, GST_VIDEO_FRAME_FLAG_NONE, GST_VIDEO_FORMAT_GRAY8, (guint)map.width,
                                 (guint)map.height, 1, info.offset, info.stride);
  /* Region ids: the class ids (index = id), as many as there are labels (or ids in the map). */
  guint n = (guint)map.labels.size();
  for (uint8_t c : map.classes)
    n = std::max(n, (guint)c + 1);
  std::vector<guint> regions(n);
  for (guint i = 0; i < n; i++)
    regions[i] = i;
  /* The frame pixels the map covers: frame x = (map x - pad) / scale, from its first cell edge to its last. */
  const gint x = (gint)std::lround(-map.pad_x / map.scale_x), y = (gint)std::lround(-map.pad_y / map.scale_y);
  const guint w = (guint)std::max(1L, std::lround(map.width / map.scale_x));
  const guint h = (guint)std::max(1L, std::lround(map.height / map.scale_y));
  (void)frame_width;
  (void)frame_height;
  GstAnalyticsSegmentationMtd seg;
  /* The meta takes the buffer. */
  gst_analytics_relation_meta_add_segmentation_mtd(rmeta, mask, GST_SEGMENTATION_TYPE_SEMANTIC, n, regions.data(), x, y,
                                                  w, h, &seg);
#else
  (void)buffer;
  (void)map;
  (void)frame_width;
  (void)frame_height;
#endif
}

/* The ids of the buffer's object-detection mtds. */
static std::vector<guint> od_ids(GstAnalyticsRelationMeta *rmeta) {
  std::vector<guint> ods;
  gpointer state = nullptr;
  GstAnalyticsODMtd od;
  while (gst_analytics_relation_meta_iterate(rmeta, &state, gst_analytics_od_mtd_get_mtd_type(), &od))
    ods.push_back(od.id);
  return ods;
}

/* Whether mtd `id` is related (either way) to one of the object-detection mtds `ods`: an object's, not the frame's. */
static bool related_to_any(GstAnalyticsRelationMeta *rmeta, const std::vector<guint> &ods, guint id) {
  for (guint od : ods)
    if (gst_analytics_relation_meta_get_relation(rmeta, od, id) != GST_ANALYTICS_REL_TYPE_NONE ||
        gst_analytics_relation_meta_get_relation(rmeta, id, od) != GST_ANALYTICS_REL_TYPE_NONE)
      return true;
  return false;
}

std::shared_ptr<SegmentationMap> read_semantic_segmentation(GstBuffer *buffer) {
#if GST_CHECK_VERSION(1, 26, 0)
  GstAnalyticsRelationMeta *rmeta = gst_buffer_get_analytics_relation_meta(buffer);
  if (!rmeta)
    return nullptr;
  const std::vector<guint> ods = od_ids(rmeta);
  gpointer state = nullptr;
  GstAnalyticsSegmentationMtd seg;
  while (gst_analytics_relation_meta_iterate(rmeta, &state, gst_analytics_segmentation_mtd_get_mtd_type(), &seg)) {
    if (related_to_any(rmeta, ods, seg.id))
      continue; /* an object's instance mask */
    gint x = 0, y = 0;
    guint w = 0, h = 0;
    GstBuffer *mask = gst_analytics_segmentation_mtd_get_mask(&seg, &x, &y, &w, &h);
    if (!mask)
      continue;
    GstVideoMeta *vmeta = gst_buffer_get_video_meta(mask);
    GstMapInfo map;
    std::shared_ptr<SegmentationMap> m;
    if (vmeta && vmeta->format == GST_VIDEO_FORMAT_GRAY8 && w > 0 && h > 0 && vmeta->width > 0 && vmeta->height > 0 &&
        vmeta->width <= (1u << 16) && vmeta->height <= (1u << 16) && gst_buffer_map(mask, &map, GST_MAP_READ)) {
      const size_t last = vmeta->offset[0] + (size_t)(vmeta->height - 1) * vmeta->stride[0] + vmeta->width;
      if (last <= map.size) {
        m = std::make_shared<SegmentationMap>();
        m->width = (int)vmeta->width;
        m->height = (int)vmeta->height;
        m->classes.resize((size_t)m->width * m->height);
        for (int r = 0; r < m->height; r++)
          memcpy(m->classes.data() + (size_t)r * m->width, map.data + vmeta->offset[0] + (size_t)r * vmeta->stride[0],
                 (size_t)m->width);
        /* Its location: cell = (frame - x) * map width / w. */
        m->scale_x = (double)m->width / w;
        m->scale_y = (double)m->height / h;
        m->pad_x = -x * m->scale_x;
        m->pad_y = -y * m->scale_y;
      }
      gst_buffer_unmap(mask, &map);
    }
    gst_buffer_unref(mask);
    if (m)
      return m;
  }
#else
  (void)buffer;
#endif
  return nullptr;
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
  const std::vector<guint> ods = od_ids(rmeta);
  gpointer state = nullptr;
  GstAnalyticsClsMtd cls;
  while (gst_analytics_relation_meta_iterate(rmeta, &state, gst_analytics_cls_mtd_get_mtd_type(), &cls)) {
    if (!related_to_any(rmeta, ods, cls.id))
      read_classes(&cls, out);
  }
  return out;
}

} // namespace analytics
} // namespace tsv
