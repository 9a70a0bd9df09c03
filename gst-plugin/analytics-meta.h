/* The GstAnalytics half of the metadata adapter (roi-meta.h), compiled only when meson finds
 * gstreamer-analytics-1.0 >= 1.24 (TSVISION_HAVE_ANALYTICS). Objects in a GstAnalyticsRelationMeta:
 *   OD mtd              label quark (obj_type), box in pixels (x, y, w, h), confidence
 *   tracking mtd        track id, first seen, last seen (pts)        OD --RELATE_TO--> tracking
 *   classification mtd  one per attribute: its classes (quarks) and   OD --RELATE_TO--> cls
 *                       confidences, best first
 * Oriented boxes (GStreamer >= 1.26: gst_analytics_relation_meta_add_oriented_od_mtd): the OD mtd holds the
 * rotated rectangle's own box (its top-left corner before the rotation, width, height) and its angle r, in radians
 * clockwise about the box centre, in [0, 2π); before 1.26 oriented objects get a plain OD mtd with their enclosing
 * box. Reading, an OD mtd with r != 0 is an oriented object whose box is the one enclosing it.
 *   segmentation mtd    (GStreamer >= 1.26) an instance mask: GRAY8,   OD --CONTAIN--> seg,
 *                       1 inside, region ids 0 and 1, at the mask's    seg --IS_PART_OF--> OD
 *                       placement (one mtd per object)
 * Full-frame classifications are classification mtds related to no OD mtd. Reading also follows
 * CONTAIN relations (DL Streamer writes both kinds). */
#pragma once

#include <gst/gst.h>

#include <memory>
#include <vector>

#include "host/host-api.h"

namespace tsv {
namespace analytics {

/* An OD mtd as an object (no class id, attribute "classification": the mtds have neither). */
struct OdObject {
  guint id;
  int x, y, w, h; /* the mtd's box, as stored */
  Object object;
};

/* The buffer's OD mtds with their related tracking and classification mtds, in mtd order. */
std::vector<OdObject> read(GstBuffer *buffer);

/* Whether the buffer has any OD mtd. */
bool has_objects(GstBuffer *buffer);

/* Adds `object` (box x, y, w, h in pixels) as an OD mtd with its tracking and classification mtds;
 * returns the OD mtd's id, or -1 when the meta refused it. */
gint64 add(GstBuffer *buffer, const Object &object, int x, int y, int w, int h, GstClockTime first_seen,
           GstClockTime last_seen);

/* Brings the mtds related to OD mtd `id` up to date with `object`: a tracking mtd when it has none
 * (or its last seen when it has one with the same id), classification mtds it does not have yet, and (GStreamer
 * >= 1.26) the object's mask as a segmentation mtd when it has none. */
void update(GstBuffer *buffer, guint id, const Object &object, GstClockTime first_seen, GstClockTime last_seen);

/* Full-frame classifications as classification mtds related to no object. */
void add_frame_classifications(GstBuffer *buffer, const std::vector<Classification> &classifications);

/* Classification mtds related to no OD mtd (a whole-frame classifier's), best first within each. */
std::vector<Classification> read_frame_classifications(GstBuffer *buffer);

/* A frame's class map (roi-meta.h frame_set_segmentation) as a semantic segmentation mtd (GStreamer >= 1.26; before,
 * nothing): a GRAY8 buffer of the map's class ids at its own resolution, region ids = the class ids 0 .. n-1,
 * placed (masks_loc) over the frame pixels the map covers (with a letterbox, beyond the frame), related to no
 * object. */
void add_semantic_segmentation(GstBuffer *buffer, const SegmentationMap &map, int frame_width, int frame_height);

/* A foreign producer's class map (GStreamer >= 1.26; before, null): the first GRAY8 segmentation mtd related to no
 * object, each pixel value a class id (no labels), its transform from the mtd's location (frame pixels) and size. */
std::shared_ptr<SegmentationMap> read_semantic_segmentation(GstBuffer *buffer);

} // namespace analytics
} // namespace tsv
