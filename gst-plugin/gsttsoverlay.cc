/**
 * SECTION:element-tsoverlay
 * @title: tsoverlay
 *
 * Draws the objects on each buffer (GstVideoRegionOfInterestMeta, e.g. from tsdetect, tstrack,
 * tsclassify or any DL Streamer-style element) into the video, in place: each object's box and a
 * label with its track id, label, confidence and, one per line, its classifications
 * (`attribute: label confidence`, the best class of each attribute), and the frame's own
 * classifications (tsclassify `inference-region=full-frame`) in the top-left corner, on dark grey.
 * Oriented boxes (OBB models: a DL Streamer-style "rotation" on the detection param, or a GstAnalytics oriented
 * OD mtd) are drawn as their rotated rectangle instead of the axis-aligned box around it (`draw-boxes`); the
 * label stays above the axis-aligned box.
 * Boxes that tstrack predicted on a frame without inference
 * (`predicted=true` in the `object_id` param) are drawn dashed. ROI metas written by other
 * elements without a DL Streamer `detection` param are drawn with their `roi_type` as label and
 * no confidence. Instance masks (segmentation models) are drawn under the boxes, filled translucent
 * in the object's colour (`draw-masks`, `mask-opacity`) with an opaque outline. A frame's semantic class map
 * (tsclassify output-type=segmentation, full-frame: TsvisionSegmentationMeta) is blended under everything else
 * (`draw-segmentation`, `segmentation-opacity`), each class in its PASCAL VOC palette colour, the background
 * (class 0) left as it is; the map is upsampled from its model resolution row by row while drawing (nearest cell),
 * no frame-size map is made.
 *
 * Each object gets a colour from an endless, deterministic palette (see `color-by`): the same
 * class id (or, for objects without one, the same label) or the same track id always gets the
 * same colour, in every run and in every format. The label is drawn on a filled background of the
 * object's colour, in black or white (whichever reads better), above the box (inside it when there
 * is no room above). Text in any script (Latin, Cyrillic, CJK, …) is shaped and rendered by Pango
 * with the installed fonts (`font-desc`, fallback through fontconfig), once per distinct word and
 * size: the images are cached per element, so repeated labels cost no Pango call. Its size follows
 * the frame size (`text-size`, `text-scale`); line thickness too (`thickness`). Characters that no
 * installed font has are drawn as boxes, with a warning naming the text.
 *
 * The element draws straight into RGB, BGR, RGBx, BGRx, RGBA, BGRA, I420 and NV12 frames (no
 * videoconvert needed); for I420 and NV12 the colours are converted to YUV with the stream's
 * colorimetry and the chroma is drawn at half resolution. Other formats: insert videoconvert.
 *
 * Buffers without ROI metas (and without frame classifications) pass through untouched and are not
 * even mapped, so the element costs next to nothing on frames with nothing to draw. A buffer that
 * has something to draw and is not writable (e.g. shared after a tee) is copied first, as with any
 * in-place filter.
 *
 * `stats-interval` (seconds, 0 = off): a `tsvision-stats` element message every N seconds with the
 * frames passed, fps and the percentiles of the element's own time per frame (copying a buffer that
 * is not writable included), as every tsvision element; the figures are served to Prometheus too
 * when TSVISION_METRICS_ADDRESS is set. The element never drops frames.
 *
 * ## Example
 * |[
 * gst-launch-1.0 filesrc location=video.mp4 ! decodebin ! \
 *   tsdetect model=yolox_nano_416.onnx labels-file=coco_classes.txt threshold=0.4 ! \
 *   tstrack ! tsoverlay color-by=track ! videoconvert ! autovideosink
 * ]| Detects, tracks and draws the objects of a video, each track in its own colour.
 * |[
 * gst-launch-1.0 videotestsrc ! video/x-raw,format=NV12,width=1280,height=720 ! \
 *   tsdetect module=hook.ts ! tsoverlay draw-confidence=false thickness=4 ! \
 *   x264enc ! mp4mux ! filesink location=overlay.mp4
 * ]| Draws a hook's detections on NV12 frames, without confidences, with 4-pixel lines.
 */
#include "gsttsoverlay.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "analytics-results.h"
#include "element-stats.h"
#include "overlay-draw.h"
#include "roi-meta.h"

GST_DEBUG_CATEGORY_STATIC(gst_ts_overlay_debug);
#define GST_CAT_DEFAULT gst_ts_overlay_debug

using tsv::overlay::Canvas;
using tsv::overlay::Rgb;

enum {
  PROP_0,
  PROP_COLOR_BY,
  PROP_DRAW_BOXES,
  PROP_DRAW_LABELS,
  PROP_DRAW_CONFIDENCE,
  PROP_DRAW_TRACK_ID,
  PROP_DRAW_CLASSIFICATIONS,
  PROP_DRAW_PREDICTED,
  PROP_DRAW_ANALYTICS,
  PROP_DRAW_KEYPOINTS,
  PROP_KEYPOINT_THRESHOLD,
  PROP_DRAW_MASKS,
  PROP_MASK_OPACITY,
  PROP_DRAW_SEGMENTATION,
  PROP_SEGMENTATION_OPACITY,
  PROP_THICKNESS,
  PROP_TEXT_SCALE,
  PROP_TEXT_SIZE,
  PROP_FONT_DESC,
  PROP_STATS_INTERVAL,
};

#define DEFAULT_COLOR_BY GST_TS_OVERLAY_COLOR_BY_CLASS
#define DEFAULT_DRAW_BOXES TRUE
#define DEFAULT_DRAW_LABELS TRUE
#define DEFAULT_DRAW_CONFIDENCE TRUE
#define DEFAULT_DRAW_TRACK_ID TRUE
#define DEFAULT_DRAW_CLASSIFICATIONS TRUE
#define DEFAULT_DRAW_PREDICTED TRUE
#define DEFAULT_DRAW_ANALYTICS TRUE
#define DEFAULT_DRAW_KEYPOINTS TRUE
#define DEFAULT_KEYPOINT_THRESHOLD 0.5
#define DEFAULT_DRAW_MASKS TRUE
#define DEFAULT_MASK_OPACITY 0.5
#define DEFAULT_DRAW_SEGMENTATION TRUE
#define DEFAULT_SEGMENTATION_OPACITY 0.5
#define DEFAULT_THICKNESS 0
#define DEFAULT_TEXT_SCALE 0
#define DEFAULT_TEXT_SIZE 0
#define DEFAULT_FONT_DESC "Sans Bold"
#define MAX_THICKNESS 100
#define MAX_TEXT_SCALE 50
#define MAX_TEXT_SIZE 500

/* Objects without a track id under color-by=track. */
static const Rgb UNTRACKED_COLOR = {160, 160, 160};
/* The background of the frame's own classifications (top-left corner). */
static const Rgb FRAME_LABEL_COLOR = {40, 40, 40};
/* tsanalytics: a zone above its maxOccupancy, an object crossing a line, zones' opacity. */
static const Rgb OVERCROWDED_COLOR = {230, 30, 30};
static const Rgb CROSSING_COLOR = {255, 255, 255};
static const int ZONE_ALPHA = 64;

#define VIDEO_FORMATS "{ RGB, BGR, RGBx, BGRx, RGBA, BGRA, I420, NV12 }"

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS(GST_VIDEO_CAPS_MAKE(VIDEO_FORMATS)));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS(GST_VIDEO_CAPS_MAKE(VIDEO_FORMATS)));

/* The properties; guarded by the object lock, copied once per frame. */
struct TsOverlaySettings {
  GstTsOverlayColorBy color_by = DEFAULT_COLOR_BY;
  gboolean draw_boxes = DEFAULT_DRAW_BOXES;
  gboolean draw_labels = DEFAULT_DRAW_LABELS;
  gboolean draw_confidence = DEFAULT_DRAW_CONFIDENCE;
  gboolean draw_track_id = DEFAULT_DRAW_TRACK_ID;
  gboolean draw_classifications = DEFAULT_DRAW_CLASSIFICATIONS;
  gboolean draw_predicted = DEFAULT_DRAW_PREDICTED;
  gboolean draw_analytics = DEFAULT_DRAW_ANALYTICS;
  gboolean draw_keypoints = DEFAULT_DRAW_KEYPOINTS;
  double keypoint_threshold = DEFAULT_KEYPOINT_THRESHOLD;
  gboolean draw_masks = DEFAULT_DRAW_MASKS;
  double mask_opacity = DEFAULT_MASK_OPACITY;
  gboolean draw_segmentation = DEFAULT_DRAW_SEGMENTATION;
  double segmentation_opacity = DEFAULT_SEGMENTATION_OPACITY;
  guint thickness = DEFAULT_THICKNESS;
  guint text_scale = DEFAULT_TEXT_SCALE;
  guint text_size = DEFAULT_TEXT_SIZE;
  std::string font_desc = DEFAULT_FONT_DESC;
  double stats_interval = tsv::stats_interval_default();

  /* Whether any object could produce ink at all. */
  bool draws_anything() const {
    return draw_boxes || draw_labels || draw_confidence || draw_track_id || draw_classifications || draw_analytics ||
           draw_keypoints || draw_masks || draw_segmentation;
  }
};

/* Streaming state: only touched from the streaming thread (set_info, transform) and start/stop. */
struct TsOverlayState {
  int auto_thickness = 1; /* for the negotiated frame size */
  int auto_text_size = 12;
  bool warned_missing_glyphs = false;
  guint64 frames = 0;
  guint64 frames_drawn = 0;
  guint64 objects_drawn = 0;
  double stats_interval = 0;  /* from start() */
  gint64 frame_started_us = 0; /* set by prepare_output_buffer, for the frame's time */
};

struct _GstTsOverlay {
  GstVideoFilter parent;
  TsOverlaySettings *settings;
  TsOverlayState *state;
  tsv::ElementStats *stats; /* from the first start() on, until finalize */
  tsv::overlay::TextRenderer *text; /* glyph cache: per instance, so streams never share Pango objects */
};

G_DEFINE_TYPE(GstTsOverlay, gst_ts_overlay, GST_TYPE_VIDEO_FILTER);
GST_ELEMENT_REGISTER_DEFINE(tsoverlay, "tsoverlay", GST_RANK_NONE, GST_TYPE_TS_OVERLAY);

#define GST_TYPE_TS_OVERLAY_COLOR_BY (gst_ts_overlay_color_by_get_type())
static GType gst_ts_overlay_color_by_get_type(void) {
  static GType type = 0;
  static const GEnumValue values[] = {
      {GST_TS_OVERLAY_COLOR_BY_CLASS, "One colour per class id (per label for objects without a class id)",
       "class"},
      {GST_TS_OVERLAY_COLOR_BY_TRACK, "One colour per track id (objects without a track id are grey)", "track"},
      {0, nullptr, nullptr},
  };
  if (g_once_init_enter(&type)) {
    GType t = g_enum_register_static("GstTsOverlayColorBy", values);
    g_once_init_leave(&type, t);
  }
  return type;
}

/* Line thickness for a frame size: 1 up to 539 lines, 2 for 720p, 3 for 1080p, 6 for 2160p (from
 * the shorter side, so portrait video gets the same as landscape). */
static int auto_size(int width, int height) { return std::max(1, (std::min(width, height) + 180) / 360); }

/* Text line height for a frame size: 1/36 of the shorter side (20 pixels at 720p, 30 at 1080p, as
 * the earlier bitmap font), at least 12 pixels, below which CJK characters are not legible. */
static int auto_text_size(int width, int height) { return std::max(12, (int)std::lround(std::min(width, height) / 36.0)); }

/* The line height in pixels: text-size, else text-scale (its steps of 10 are the bitmap font's
 * lines), else from the frame size. */
static int text_size(guint text_size, guint text_scale, int auto_size) {
  return text_size ? (int)text_size : text_scale ? 10 * (int)text_scale : auto_size;
}

/* ---------------------------------------------------------------------------------------------- */
/* Drawing */

namespace {

/* One object as it will be drawn. */
struct Item {
  tsv::Object object;
  bool has_confidence = false; /* the meta had a `detection` param with a confidence */
  Rgb color;
};

std::string format_number(double v) {
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  return g_ascii_formatd(buf, sizeof buf, "%.2f", v);
}

/* "attribute: label confidence" for the best class of each attribute (top-k results come best first,
 * one attribute after the other); classifications without a label (embeddings) are left out. */
void classification_lines(const std::vector<tsv::Classification> &classifications, bool confidence,
                          std::vector<std::string> &lines) {
  const std::string *previous = nullptr;
  for (const tsv::Classification &c : classifications) {
    if (previous && *previous == c.attribute)
      continue;
    previous = &c.attribute;
    if (c.label.empty())
      continue;
    std::string line;
    if (!c.attribute.empty() && c.attribute != "classification")
      line = c.attribute + ": ";
    line += c.label;
    if (confidence)
      line += " " + format_number(c.confidence);
    lines.push_back(std::move(line));
  }
}

std::vector<std::string> label_lines(const Item &item, const TsOverlaySettings &s) {
  const tsv::Object &o = item.object;
  std::vector<std::string> lines;
  std::string first;
  auto append = [&first](const std::string &part) {
    if (part.empty())
      return;
    if (!first.empty())
      first += ' ';
    first += part;
  };
  if (s.draw_track_id && o.track_id >= 0)
    append("#" + std::to_string(o.track_id));
  if (s.draw_labels)
    append(o.label);
  if (s.draw_confidence && item.has_confidence)
    append(format_number(o.confidence));
  if (!first.empty())
    lines.push_back(std::move(first));
  if (s.draw_classifications)
    classification_lines(o.classifications, s.draw_confidence, lines);
  return lines;
}

Rgb object_color(const tsv::Object &o, GstTsOverlayColorBy color_by) {
  if (color_by == GST_TS_OVERLAY_COLOR_BY_TRACK)
    return o.track_id >= 0 ? tsv::overlay::palette_color((uint64_t)o.track_id) : UNTRACKED_COLOR;
  if (o.class_id >= 0)
    return tsv::overlay::palette_color((uint64_t)o.class_id);
  return tsv::overlay::palette_color(tsv::overlay::label_index(o.label));
}

/* The box's pixel rectangle [x0, x1) x [y0, y1), not clipped to the frame. */
struct Rect {
  int x0, y0, x1, y1;
};
Rect pixel_rect(const tsv::Box &b) {
  return {(int)std::lround(b.x), (int)std::lround(b.y), (int)std::lround(b.x + b.width),
          (int)std::lround(b.y + b.height)};
}

void draw_label(Canvas &canvas, tsv::overlay::TextRenderer &text, const Rect &box,
                const std::vector<std::string> &lines, Rgb color) {
  const int w = canvas.width(), h = canvas.height();
  std::vector<tsv::overlay::TextRenderer::Line> laid;
  laid.reserve(lines.size());
  for (const std::string &line : lines)
    laid.push_back(text.layout(line));
  const tsv::overlay::Mask &mask = text.compose(laid);
  /* The label: the text's mask on a background of the same size; lines wider than the frame are cut
   * at its edge. */
  const int bg_w = std::min(w, mask.width), bg_h = mask.height;
  int x = std::max(0, std::min(box.x0, w - bg_w));
  int y = box.y0 - bg_h; /* above the box */
  if (y < 0)
    y = std::max(0, box.y0); /* no room: inside, at the top */
  if (y + bg_h > h)
    y = std::max(0, h - bg_h);
  const Canvas::Paint bg = canvas.paint(color);
  canvas.fill_rect(x, y, x + bg_w, y + bg_h, bg);
  canvas.text(x, y, mask, x, y, x + bg_w, y + bg_h, canvas.ink(bg, canvas.paint(tsv::overlay::text_color_on(color))));
}

/* tsanalytics' rules: zones filled translucent (red while overcrowded) with "name: occupancy" at
 * their first corner; lines with an arrow at each segment's middle pointing to its "in" side (the
 * right of its direction) and "name in N out M" at their first point. */
void draw_analytics_rules(Canvas &canvas, tsv::overlay::TextRenderer &text, const tsv::AnalyticsResult &a,
                          int thickness) {
  for (const auto &z : a.zones) {
    const Rgb color = z.overcrowded ? OVERCROWDED_COLOR : tsv::overlay::palette_color(tsv::overlay::label_index(z.name));
    canvas.fill_polygon(z.points, canvas.paint(color), ZONE_ALPHA);
    const size_t n = z.points.size() / 2;
    for (size_t i = 0; i < n; i++) {
      const size_t j = (i + 1) % n;
      canvas.line(z.points[2 * i], z.points[2 * i + 1], z.points[2 * j], z.points[2 * j + 1], thickness, canvas.paint(color));
    }
    if (n > 0)
      draw_label(canvas, text, Rect{(int)z.points[0], (int)z.points[1], (int)z.points[0], (int)z.points[1]},
                 {z.name + ": " + std::to_string(z.occupancy)}, color);
  }
  for (const auto &l : a.lines) {
    const Rgb color = tsv::overlay::palette_color(tsv::overlay::label_index(l.name));
    const Canvas::Paint paint = canvas.paint(color);
    const size_t n = l.points.size() / 2;
    const double arrow = 4.0 * std::max(thickness, 2);
    for (size_t i = 0; i + 1 < n; i++) {
      const double x0 = l.points[2 * i], y0 = l.points[2 * i + 1], x1 = l.points[2 * i + 2], y1 = l.points[2 * i + 3];
      canvas.line(x0, y0, x1, y1, 2 * thickness, paint);
      const double len = std::hypot(x1 - x0, y1 - y0);
      if (len < 2 * arrow)
        continue;
      /* Right of the direction, in image coordinates (y down): (-dy, dx). */
      const double ux = (x1 - x0) / len, uy = (y1 - y0) / len, rx = -uy, ry = ux;
      const double mx = (x0 + x1) / 2, my = (y0 + y1) / 2;
      canvas.fill_polygon({mx + rx * 2 * arrow, my + ry * 2 * arrow, mx - ux * arrow, my - uy * arrow, mx + ux * arrow,
                           my + uy * arrow},
                          paint, 255);
    }
    if (n > 0)
      draw_label(canvas, text, Rect{(int)l.points[0], (int)l.points[1], (int)l.points[0], (int)l.points[1]},
                 {l.name + " in " + std::to_string(l.in) + " out " + std::to_string(l.out)}, color);
  }
}

/* PASCAL VOC's colour map (the devkit's labelcolormap): the bits of a class id, three at a time, spread over red,
 * green and blue from the high bit down; VOC's classes get their usual colours (15 person: 192, 128, 128), and
 * every other id one too. */
static Rgb voc_color(int id) {
  int r = 0, g = 0, b = 0;
  for (int shift = 7, c = id; c > 0 && shift >= 0; shift--, c >>= 3) {
    r |= (c & 1) << shift;
    g |= ((c >> 1) & 1) << shift;
    b |= ((c >> 2) & 1) << shift;
  }
  return {(uint8_t)r, (uint8_t)g, (uint8_t)b};
}

/* The class map blended over the frame, one frame row of class ids at a time (nearest map cell; a row is rebuilt
 * only when it falls on another map row). */
static void draw_segmentation(Canvas &canvas, const tsv::SegmentationMap &m, int alpha) {
  Canvas::Paint palette[256];
  bool used[256] = {false};
  for (uint8_t c : m.classes)
    used[c] = true;
  for (int id = 1; id < 256; id++)
    if (used[id])
      palette[id] = canvas.paint(voc_color(id));
  std::vector<int> cols(canvas.width());
  for (int x = 0; x < canvas.width(); x++)
    cols[x] = m.cell_x(x);
  std::vector<uint8_t> row(canvas.width());
  int last = -1;
  for (int y = 0; y < canvas.height(); y++) {
    const int my = m.cell_y(y);
    if (my != last) {
      const uint8_t *src = m.classes.data() + (size_t)my * m.width;
      for (int x = 0; x < canvas.width(); x++)
        row[x] = src[cols[x]];
      last = my;
    }
    canvas.blend_class_row(y, row.data(), palette, alpha);
  }
}

} // namespace

/* Whether `buffer` carries anything to draw with settings `s`: cheap, no copy of the metas. */
static bool gst_ts_overlay_has_work(GstBuffer *buffer, const TsOverlaySettings &s) {
  if (!s.draws_anything())
    return false;
  if (tsv::objects_present(buffer))
    return true;
  if (s.draw_analytics && tsv::frame_read_analytics(buffer))
    return true;
  if (s.draw_segmentation && s.segmentation_opacity > 0 && tsv::frame_has_segmentation(buffer))
    return true;
  return s.draw_classifications && !tsv::frame_read_classifications(buffer).empty();
}

/* Reads the objects to draw. */
static std::vector<Item> gst_ts_overlay_collect(GstBuffer *buffer, const GstVideoInfo *info,
                                                const TsOverlaySettings &s) {
  std::vector<Item> items;
  std::vector<tsv::ObjectSource> sources;
  std::vector<tsv::Object> objects =
      tsv::objects_read(buffer, GST_VIDEO_INFO_WIDTH(info), GST_VIDEO_INFO_HEIGHT(info), &sources);
  items.reserve(objects.size());
  for (size_t i = 0; i < objects.size(); i++) {
    if (objects[i].predicted && !s.draw_predicted)
      continue;
    Item item;
    item.has_confidence = sources[i].has_confidence;
    item.color = object_color(objects[i], s.color_by);
    item.object = std::move(objects[i]);
    items.push_back(std::move(item));
  }
  return items;
}

static GstFlowReturn gst_ts_overlay_prepare_output_buffer(GstBaseTransform *trans, GstBuffer *inbuf,
                                                          GstBuffer **outbuf) {
  GstTsOverlay *self = GST_TS_OVERLAY(trans);
  self->state->frame_started_us = g_get_monotonic_time(); /* the copy of a non-writable buffer counts */
  GST_OBJECT_LOCK(self);
  const TsOverlaySettings s = *self->settings;
  GST_OBJECT_UNLOCK(self);
  /* Nothing to draw: the buffer goes on as it is, even when it is not writable (no copy). */
  if (!gst_ts_overlay_has_work(inbuf, s)) {
    *outbuf = inbuf;
    return GST_FLOW_OK;
  }
  return GST_BASE_TRANSFORM_CLASS(gst_ts_overlay_parent_class)->prepare_output_buffer(trans, inbuf, outbuf);
}

/* An oriented box's outline: its four sides, each `thickness` wide and drawn half a thickness longer at both ends so
 * that the corners close. */
static void draw_rotated_box(Canvas &canvas, const tsv::Rotation &r, const Canvas::Paint &paint, int thickness) {
  double xy[8];
  r.corners(xy);
  for (int k = 0; k < 4; k++) {
    double x0 = xy[2 * k], y0 = xy[2 * k + 1], x1 = xy[(2 * k + 2) % 8], y1 = xy[(2 * k + 3) % 8];
    const double len = std::hypot(x1 - x0, y1 - y0);
    if (len > 0) {
      const double ex = (x1 - x0) / len * thickness / 2, ey = (y1 - y0) / len * thickness / 2;
      x0 -= ex, y0 -= ey, x1 += ex, y1 += ey;
    }
    canvas.line(x0, y0, x1, y1, thickness, paint);
  }
}

/* A pose's skeleton: the lines between keypoints both above `threshold`, then those keypoints as dots
 * (radius twice the line thickness, so that joints stand out from the limbs), in the object's colour. */
static void draw_keypoints(Canvas &canvas, const tsv::Object &o, const Rgb &color, int thickness, double threshold) {
  const Canvas::Paint paint = canvas.paint(color);
  auto seen = [&](int k) { return o.keypoints[k].confidence >= threshold; };
  for (const auto &[a, b] : o.skeleton)
    if (seen(a) && seen(b))
      canvas.line(o.keypoints[a].x, o.keypoints[a].y, o.keypoints[b].x, o.keypoints[b].y, thickness, paint);
  const double r = 2.0 * thickness + 1;
  std::vector<double> dot(16);
  for (size_t k = 0; k < o.keypoints.size(); k++) {
    if (!seen((int)k))
      continue;
    for (int i = 0; i < 8; i++) { /* an octagon: round enough at these sizes */
      dot[2 * i] = o.keypoints[k].x + r * std::cos(i * G_PI / 4);
      dot[2 * i + 1] = o.keypoints[k].y + r * std::sin(i * G_PI / 4);
    }
    canvas.fill_polygon(dot, paint, 255);
  }
}

static GstFlowReturn draw_frame(GstTsOverlay *self, GstBuffer *buffer) {
  GstVideoFilter *filter = GST_VIDEO_FILTER(self);
  TsOverlayState &state = *self->state;

  if (G_UNLIKELY(!filter->negotiated)) {
    GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, (nullptr), ("buffer before caps were negotiated"));
    return GST_FLOW_NOT_NEGOTIATED;
  }
  state.frames++;
  GST_OBJECT_LOCK(self);
  const TsOverlaySettings s = *self->settings;
  GST_OBJECT_UNLOCK(self);
  if (!gst_ts_overlay_has_work(buffer, s))
    return GST_FLOW_OK; /* the common case of an empty frame: no map, no copy */

  std::vector<Item> items = gst_ts_overlay_collect(buffer, &filter->in_info, s);
  std::vector<std::string> frame_lines;
  if (s.draw_classifications)
    classification_lines(tsv::frame_read_classifications(buffer), s.draw_confidence, frame_lines);
  const std::shared_ptr<const tsv::AnalyticsResult> analytics = s.draw_analytics ? tsv::frame_read_analytics(buffer) : nullptr;
  const std::shared_ptr<const tsv::SegmentationMap> segmentation =
      s.draw_segmentation && s.segmentation_opacity > 0 ? tsv::frame_read_segmentation(buffer) : nullptr;
  if (items.empty() && frame_lines.empty() && !analytics && !segmentation)
    return GST_FLOW_OK;
  if (!gst_buffer_is_writable(buffer)) {
    /* Only when the properties changed between prepare_output_buffer and here. */
    GST_DEBUG_OBJECT(self, "buffer %p not writable, not drawn", buffer);
    return GST_FLOW_OK;
  }

  GstVideoFrame frame;
  if (!gst_video_frame_map(&frame, &filter->in_info, buffer, (GstMapFlags)(GST_MAP_READWRITE))) {
    GST_ELEMENT_WARNING(self, STREAM, FAILED, ("Could not map a video frame to draw on"),
                        ("buffer %" GST_PTR_FORMAT, buffer));
    return GST_FLOW_OK;
  }
  Canvas canvas(&frame);
  const int thickness = s.thickness ? (int)s.thickness : state.auto_thickness;
  self->text->configure(s.font_desc, text_size(s.text_size, s.text_scale, state.auto_text_size));
  self->text->set_max_width(canvas.width());

  /* The class map under everything. */
  if (segmentation)
    draw_segmentation(canvas, *segmentation, (int)std::lround(s.segmentation_opacity * 255));
  /* Zones and lines under the objects. */
  if (analytics)
    draw_analytics_rules(canvas, *self->text, *analytics, thickness);
  /* Masks under the boxes: translucent, with an opaque outline of the line thickness. */
  if (s.draw_masks) {
    const int alpha = (int)std::lround(s.mask_opacity * 255);
    for (const Item &item : items) {
      const tsv::Mask &m = item.object.mask;
      if (!m.empty())
        canvas.blend_bitmap(m.x, m.y, m.width, m.height, m.data.data(), canvas.paint(item.color), alpha, thickness);
    }
  }
  if (s.draw_boxes) {
    for (const Item &item : items) {
      Rect r = pixel_rect(item.object.box);
      if (item.object.has_rotation)
        draw_rotated_box(canvas, item.object.rotation, canvas.paint(item.color), thickness);
      else
        canvas.outline(r.x0, r.y0, r.x1, r.y1, thickness, canvas.paint(item.color), item.object.predicted);
      /* An object on the frame it crosses a line: a thick outline around its box. */
      if (analytics && item.object.track_id >= 0 &&
          std::find(analytics->crossed.begin(), analytics->crossed.end(), item.object.track_id) != analytics->crossed.end())
        canvas.outline(r.x0 - 3 * thickness, r.y0 - 3 * thickness, r.x1 + 3 * thickness, r.y1 + 3 * thickness,
                       2 * thickness, canvas.paint(CROSSING_COLOR), false);
    }
  }
  if (s.draw_keypoints)
    for (const Item &item : items)
      if (!item.object.keypoints.empty())
        draw_keypoints(canvas, item.object, item.color, thickness, s.keypoint_threshold);
  /* Labels after all boxes and skeletons, so that neither crosses a label. */
  for (const Item &item : items) {
    std::vector<std::string> lines = label_lines(item, s);
    if (!lines.empty())
      draw_label(canvas, *self->text, pixel_rect(item.object.box), lines, item.color);
  }
  /* The frame's own classifications (tsclassify inference-region=full-frame) on top, top-left. */
  if (!frame_lines.empty())
    draw_label(canvas, *self->text, Rect{0, 0, 0, 0}, frame_lines, FRAME_LABEL_COLOR);
  gst_video_frame_unmap(&frame);

  const std::string missing = self->text->take_missing();
  if (!missing.empty() && !state.warned_missing_glyphs) {
    state.warned_missing_glyphs = true;
    GST_ELEMENT_WARNING(self, RESOURCE, NOT_FOUND,
                        ("No installed font has some characters of \"%s\": they are drawn as boxes", missing.c_str()),
                        ("font-desc \"%s\". Install fonts covering them (Debian: fonts-dejavu-core for Latin, Greek "
                         "and Cyrillic, fonts-wqy-microhei for Chinese, Japanese and Korean) or name one that has "
                         "them in font-desc; `fc-list :lang=zh` lists the fonts for a language",
                         s.font_desc.c_str()));
  }

  state.frames_drawn++;
  state.objects_drawn += items.size();
  GST_LOG_OBJECT(self, "drew %zu objects", items.size());
  return GST_FLOW_OK;
}

static GstFlowReturn gst_ts_overlay_transform_ip(GstBaseTransform *trans, GstBuffer *buffer) {
  GstTsOverlay *self = GST_TS_OVERLAY(trans);
  TsOverlayState &state = *self->state;
  const gint64 started_us = state.frame_started_us ? state.frame_started_us : g_get_monotonic_time();
  state.frame_started_us = 0;
  GstFlowReturn flow = draw_frame(self, buffer);
  if (flow == GST_FLOW_OK) {
    self->stats->frame_done((double)(g_get_monotonic_time() - started_us) / 1000.0);
    self->stats->maybe_post(state.stats_interval);
  }
  return flow;
}

static gboolean gst_ts_overlay_set_info(GstVideoFilter *filter, GstCaps *incaps, GstVideoInfo *in_info,
                                        GstCaps *outcaps, GstVideoInfo *out_info) {
  GstTsOverlay *self = GST_TS_OVERLAY(filter);
  if (!Canvas::supports(GST_VIDEO_INFO_FORMAT(in_info))) {
    GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("Unsupported video format %s: insert videoconvert before tsoverlay",
                                                GST_VIDEO_INFO_NAME(in_info)),
                      ("caps %" GST_PTR_FORMAT, incaps));
    return FALSE;
  }
  const int width = GST_VIDEO_INFO_WIDTH(in_info), height = GST_VIDEO_INFO_HEIGHT(in_info);
  self->state->auto_thickness = auto_size(width, height);
  self->state->auto_text_size = auto_text_size(width, height);
  GST_DEBUG_OBJECT(self, "%s %dx%d: automatic thickness %d, text size %d", GST_VIDEO_INFO_NAME(in_info), width,
                   height, self->state->auto_thickness, self->state->auto_text_size);
  /* Load the fonts now (fontconfig's first use takes milliseconds), not on the first frame with objects. */
  GST_OBJECT_LOCK(self);
  const std::string font = self->settings->font_desc;
  const guint size = self->settings->text_size, scale = self->settings->text_scale;
  GST_OBJECT_UNLOCK(self);
  self->text->configure(font, text_size(size, scale, self->state->auto_text_size));
  return TRUE;
}

/* Caps outside the pad templates are refused by the base class; say why in the debug log, since
 * the pipeline only sees "not-negotiated". */
static gboolean gst_ts_overlay_accept_caps(GstBaseTransform *trans, GstPadDirection direction, GstCaps *caps) {
  gboolean ok = GST_BASE_TRANSFORM_CLASS(gst_ts_overlay_parent_class)->accept_caps(trans, direction, caps);
  if (!ok && caps && gst_caps_get_size(caps) > 0) {
    const GstStructure *s = gst_caps_get_structure(caps, 0);
    const char *format = gst_structure_get_string(s, "format");
    if (gst_structure_has_name(s, "video/x-raw") && format)
      GST_WARNING_OBJECT(trans, "format %s is not supported (%s): insert videoconvert before tsoverlay", format,
                         VIDEO_FORMATS);
  }
  return ok;
}

static gboolean gst_ts_overlay_start(GstBaseTransform *trans) {
  GstTsOverlay *self = GST_TS_OVERLAY(trans);
  *self->state = TsOverlayState();
  GST_OBJECT_LOCK(self);
  self->state->stats_interval = self->settings->stats_interval;
  GST_OBJECT_UNLOCK(self);
  if (!self->stats)
    self->stats = new tsv::ElementStats(GST_ELEMENT(self), "overlay");
  self->stats->reset();
  return TRUE;
}

static gboolean gst_ts_overlay_stop(GstBaseTransform *trans) {
  GstTsOverlay *self = GST_TS_OVERLAY(trans);
  const TsOverlayState &state = *self->state;
  GST_INFO_OBJECT(self, "drew %" G_GUINT64_FORMAT " objects on %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " frames",
                  state.objects_drawn, state.frames_drawn, state.frames);
  return TRUE;
}

/* ---------------------------------------------------------------------------------------------- */
/* GObject */

static void gst_ts_overlay_set_property(GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec) {
  GstTsOverlay *self = GST_TS_OVERLAY(object);
  GST_OBJECT_LOCK(self);
  TsOverlaySettings &s = *self->settings;
  switch (prop_id) {
  case PROP_COLOR_BY:
    s.color_by = (GstTsOverlayColorBy)g_value_get_enum(value);
    break;
  case PROP_DRAW_BOXES:
    s.draw_boxes = g_value_get_boolean(value);
    break;
  case PROP_DRAW_LABELS:
    s.draw_labels = g_value_get_boolean(value);
    break;
  case PROP_DRAW_CONFIDENCE:
    s.draw_confidence = g_value_get_boolean(value);
    break;
  case PROP_DRAW_TRACK_ID:
    s.draw_track_id = g_value_get_boolean(value);
    break;
  case PROP_DRAW_CLASSIFICATIONS:
    s.draw_classifications = g_value_get_boolean(value);
    break;
  case PROP_DRAW_ANALYTICS:
    s.draw_analytics = g_value_get_boolean(value);
    break;
  case PROP_DRAW_KEYPOINTS:
    s.draw_keypoints = g_value_get_boolean(value);
    break;
  case PROP_KEYPOINT_THRESHOLD:
    s.keypoint_threshold = g_value_get_double(value);
    break;
  case PROP_DRAW_MASKS:
    s.draw_masks = g_value_get_boolean(value);
    break;
  case PROP_MASK_OPACITY:
    s.mask_opacity = g_value_get_double(value);
    break;
  case PROP_DRAW_SEGMENTATION:
    s.draw_segmentation = g_value_get_boolean(value);
    break;
  case PROP_SEGMENTATION_OPACITY:
    s.segmentation_opacity = g_value_get_double(value);
    break;
  case PROP_DRAW_PREDICTED:
    s.draw_predicted = g_value_get_boolean(value);
    break;
  case PROP_THICKNESS:
    s.thickness = g_value_get_uint(value);
    break;
  case PROP_TEXT_SCALE:
    s.text_scale = g_value_get_uint(value);
    break;
  case PROP_TEXT_SIZE:
    s.text_size = g_value_get_uint(value);
    break;
  case PROP_FONT_DESC: {
    const char *font = g_value_get_string(value);
    s.font_desc = font && *font ? font : DEFAULT_FONT_DESC;
    break;
  }
  case PROP_STATS_INTERVAL:
    s.stats_interval = g_value_get_double(value);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK(self);
}

static void gst_ts_overlay_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec) {
  GstTsOverlay *self = GST_TS_OVERLAY(object);
  GST_OBJECT_LOCK(self);
  const TsOverlaySettings &s = *self->settings;
  switch (prop_id) {
  case PROP_COLOR_BY:
    g_value_set_enum(value, s.color_by);
    break;
  case PROP_DRAW_BOXES:
    g_value_set_boolean(value, s.draw_boxes);
    break;
  case PROP_DRAW_LABELS:
    g_value_set_boolean(value, s.draw_labels);
    break;
  case PROP_DRAW_CONFIDENCE:
    g_value_set_boolean(value, s.draw_confidence);
    break;
  case PROP_DRAW_TRACK_ID:
    g_value_set_boolean(value, s.draw_track_id);
    break;
  case PROP_DRAW_CLASSIFICATIONS:
    g_value_set_boolean(value, s.draw_classifications);
    break;
  case PROP_DRAW_ANALYTICS:
    g_value_set_boolean(value, s.draw_analytics);
    break;
  case PROP_DRAW_PREDICTED:
    g_value_set_boolean(value, s.draw_predicted);
    break;
  case PROP_DRAW_KEYPOINTS:
    g_value_set_boolean(value, s.draw_keypoints);
    break;
  case PROP_KEYPOINT_THRESHOLD:
    g_value_set_double(value, s.keypoint_threshold);
    break;
  case PROP_DRAW_MASKS:
    g_value_set_boolean(value, s.draw_masks);
    break;
  case PROP_MASK_OPACITY:
    g_value_set_double(value, s.mask_opacity);
    break;
  case PROP_DRAW_SEGMENTATION:
    g_value_set_boolean(value, s.draw_segmentation);
    break;
  case PROP_SEGMENTATION_OPACITY:
    g_value_set_double(value, s.segmentation_opacity);
    break;
  case PROP_THICKNESS:
    g_value_set_uint(value, s.thickness);
    break;
  case PROP_TEXT_SCALE:
    g_value_set_uint(value, s.text_scale);
    break;
  case PROP_TEXT_SIZE:
    g_value_set_uint(value, s.text_size);
    break;
  case PROP_FONT_DESC:
    g_value_set_string(value, s.font_desc.c_str());
    break;
  case PROP_STATS_INTERVAL:
    g_value_set_double(value, s.stats_interval);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK(self);
}

static void gst_ts_overlay_finalize(GObject *object) {
  GstTsOverlay *self = GST_TS_OVERLAY(object);
  delete self->stats;
  delete self->text;
  delete self->settings;
  delete self->state;
  G_OBJECT_CLASS(gst_ts_overlay_parent_class)->finalize(object);
}

static void gst_ts_overlay_class_init(GstTsOverlayClass *klass) {
  GObjectClass *gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS(klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS(klass);
  GstVideoFilterClass *filter_class = GST_VIDEO_FILTER_CLASS(klass);

  GST_DEBUG_CATEGORY_INIT(gst_ts_overlay_debug, "tsoverlay", 0, "tsvision object overlay");

  gobject_class->set_property = gst_ts_overlay_set_property;
  gobject_class->get_property = gst_ts_overlay_get_property;
  gobject_class->finalize = gst_ts_overlay_finalize;

  const GParamFlags flags = (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);
  g_object_class_install_property(
      gobject_class, PROP_COLOR_BY,
      g_param_spec_enum("color-by", "Colour by",
                        "What picks an object's colour from the fixed palette: its class (class id, or the label "
                        "when there is none) or its track id (objects without one are grey)",
                        GST_TYPE_TS_OVERLAY_COLOR_BY, DEFAULT_COLOR_BY, flags));
  g_object_class_install_property(
      gobject_class, PROP_DRAW_BOXES,
      g_param_spec_boolean("draw-boxes", "Draw boxes",
                           "Draw each object's box (dashed when tstrack predicted it on a frame without inference; an "
                           "oriented box as its rotated rectangle)",
                           DEFAULT_DRAW_BOXES, flags));
  g_object_class_install_property(
      gobject_class, PROP_DRAW_LABELS,
      g_param_spec_boolean("draw-labels", "Draw labels", "Write each object's label (class name) in its label box",
                           DEFAULT_DRAW_LABELS, flags));
  g_object_class_install_property(
      gobject_class, PROP_DRAW_CONFIDENCE,
      g_param_spec_boolean("draw-confidence", "Draw confidence",
                           "Write the detection confidence (0.00..1.00) after the label, and each classification's "
                           "confidence after it (objects without a DL Streamer detection param have none)",
                           DEFAULT_DRAW_CONFIDENCE, flags));
  g_object_class_install_property(
      gobject_class, PROP_DRAW_TRACK_ID,
      g_param_spec_boolean("draw-track-id", "Draw track id",
                           "Write the track id (#N, from tstrack's object_id param) before the label",
                           DEFAULT_DRAW_TRACK_ID, flags));
  g_object_class_install_property(
      gobject_class, PROP_DRAW_CLASSIFICATIONS,
      g_param_spec_boolean("draw-classifications", "Draw classifications",
                           "Write the classifications of each object (e.g. from tsclassify) on lines of their own "
                           "under its label, \"attribute: label confidence\" (the best class of each attribute), "
                           "and those of the whole frame (tsclassify inference-region=full-frame) in the top-left "
                           "corner",
                           DEFAULT_DRAW_CLASSIFICATIONS, flags));
  g_object_class_install_property(
      gobject_class, PROP_DRAW_PREDICTED,
      g_param_spec_boolean("draw-predicted", "Draw predicted",
                           "Draw the boxes tstrack predicted on frames without inference (predicted=true), dashed; "
                           "false: leave them out",
                           DEFAULT_DRAW_PREDICTED, flags));
  g_object_class_install_property(
      gobject_class, PROP_DRAW_ANALYTICS,
      g_param_spec_boolean("draw-analytics", "Draw analytics",
                           "Draw tsanalytics' rules (TsvisionAnalyticsMeta): each line with arrows towards its "
                           "\"in\" side and its in / out counts, each zone filled translucent (red while "
                           "overcrowded) with its occupancy, and a thick outline around objects on the frame they "
                           "cross a line",
                           DEFAULT_DRAW_ANALYTICS, flags));
  g_object_class_install_property(
      gobject_class, PROP_DRAW_KEYPOINTS,
      g_param_spec_boolean("draw-keypoints", "Draw keypoints",
                           "Draw the keypoints of pose models (a \"keypoints\" param on the ROI meta, DL Streamer's "
                           "form) as dots joined by their skeleton's lines, in the object's colour: the points whose "
                           "confidence reaches keypoint-threshold, the lines between two such points",
                           DEFAULT_DRAW_KEYPOINTS, flags));
  g_object_class_install_property(
      gobject_class, PROP_KEYPOINT_THRESHOLD,
      g_param_spec_double("keypoint-threshold", "Keypoint threshold",
                          "Least confidence (the model's visibility score) of a keypoint drawn (draw-keypoints)",
                          0.0, 1.0, DEFAULT_KEYPOINT_THRESHOLD, flags));
  g_object_class_install_property(
      gobject_class, PROP_DRAW_MASKS,
      g_param_spec_boolean("draw-masks", "Draw masks",
                           "Draw the instance masks of segmentation models (a \"mask\" param on the ROI meta, DL "
                           "Streamer's segmentation_mask form) under the boxes: filled in the object's colour at "
                           "mask-opacity, outlined opaque at the line thickness",
                           DEFAULT_DRAW_MASKS, flags));
  g_object_class_install_property(
      gobject_class, PROP_MASK_OPACITY,
      g_param_spec_double("mask-opacity", "Mask opacity",
                          "Opacity of the masks' fill (draw-masks): 0 draws only their outline, 1 paints them opaque",
                          0.0, 1.0, DEFAULT_MASK_OPACITY, flags));
  g_object_class_install_property(
      gobject_class, PROP_DRAW_SEGMENTATION,
      g_param_spec_boolean("draw-segmentation", "Draw segmentation",
                           "Blend the frame's semantic class map (tsclassify output-type=segmentation, full-frame) "
                           "under everything, in the PASCAL VOC palette; the background (class 0) is not drawn",
                           DEFAULT_DRAW_SEGMENTATION, flags));
  g_object_class_install_property(
      gobject_class, PROP_SEGMENTATION_OPACITY,
      g_param_spec_double("segmentation-opacity", "Segmentation opacity",
                          "Opacity of the class map (draw-segmentation): 0 draws nothing, 1 paints the classes opaque",
                          0.0, 1.0, DEFAULT_SEGMENTATION_OPACITY, flags));
  g_object_class_install_property(
      gobject_class, PROP_THICKNESS,
      g_param_spec_uint("thickness", "Thickness",
                        "Box line thickness in pixels, drawn inside the box's edges; 0: from the frame size "
                        "(1 below 540 lines, 2 at 720p, 3 at 1080p, 6 at 2160p)",
                        0, MAX_THICKNESS, DEFAULT_THICKNESS, flags));
  g_object_class_install_property(
      gobject_class, PROP_TEXT_SCALE,
      g_param_spec_uint("text-scale", "Text scale",
                        "Text size in steps of 10 pixels: a text line is 10 x text-scale pixels high (text-size, "
                        "when set, wins); 0: from the frame size (see text-size)",
                        0, MAX_TEXT_SCALE, DEFAULT_TEXT_SCALE, flags));
  g_object_class_install_property(
      gobject_class, PROP_TEXT_SIZE,
      g_param_spec_uint("text-size", "Text size",
                        "Height of a text line in pixels (the font's size is about 0.8 of it); 0: text-scale, or "
                        "when that is 0 too, from the frame size: 1/36 of its shorter side, at least 12 (20 "
                        "pixels at 720p, 30 at 1080p)",
                        0, MAX_TEXT_SIZE, DEFAULT_TEXT_SIZE, flags));
  g_object_class_install_property(
      gobject_class, PROP_FONT_DESC,
      g_param_spec_string("font-desc", "Font description",
                          "Pango font description of the text: family and style, e.g. \"Sans Bold\", \"DejaVu "
                          "Serif\", \"Noto Sans CJK SC Bold\" (a size in it is ignored: see text-size); "
                          "characters the font lacks come from other installed fonts (fontconfig fallback)",
                          DEFAULT_FONT_DESC, flags));
  /* Not the `flags` above: like every element's stats-interval, settable in NULL and READY only. */
  g_object_class_install_property(gobject_class, PROP_STATS_INTERVAL, tsv::stats_interval_param_spec());

  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(
      element_class, "tsvision object overlay", "Filter/Effect/Video",
      "Draws the region-of-interest metas on each frame (boxes, labels, confidences, track ids, "
      "classifications, keypoint skeletons) in place, in RGB, BGR, RGBx, BGRx, RGBA, BGRA, I420 or NV12",
      "tsvision developers");

  trans_class->prepare_output_buffer = GST_DEBUG_FUNCPTR(gst_ts_overlay_prepare_output_buffer);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR(gst_ts_overlay_transform_ip);
  trans_class->accept_caps = GST_DEBUG_FUNCPTR(gst_ts_overlay_accept_caps);
  trans_class->start = GST_DEBUG_FUNCPTR(gst_ts_overlay_start);
  trans_class->stop = GST_DEBUG_FUNCPTR(gst_ts_overlay_stop);
  filter_class->set_info = GST_DEBUG_FUNCPTR(gst_ts_overlay_set_info);

  gst_type_mark_as_plugin_api(GST_TYPE_TS_OVERLAY_COLOR_BY, (GstPluginAPIFlags)0);
}

static void gst_ts_overlay_init(GstTsOverlay *self) {
  self->settings = new TsOverlaySettings();
  self->state = new TsOverlayState();
  self->text = new tsv::overlay::TextRenderer();
  gst_base_transform_set_in_place(GST_BASE_TRANSFORM(self), TRUE);
  /* Drawing is cheap: never drop a frame for QoS (GstVideoFilter enables it). */
  gst_base_transform_set_qos_enabled(GST_BASE_TRANSFORM(self), FALSE);
}
