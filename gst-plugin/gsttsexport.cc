/**
 * SECTION:element-tsexport
 *
 * A pass-through element that writes each frame's objects (GstVideoRegionOfInterestMeta, from
 * tsvision or any other element using DL Streamer's convention) as JSON Lines:
 * |[
 * {"frame":0,"pts":0,"width":768,"height":432,"objects":[{"box":{"x":10,"y":20,"width":50,"height":120},
 *  "label":"person","class_id":0,"confidence":0.87,"track_id":null,
 *  "classifications":[{"attribute":"color","label":"red","class_id":2,"confidence":0.91}]}]}
 * ]|
 * Objects' `classifications` come from tsclassify (or any element writing DL Streamer-style
 * classification params); an `embedding` array is written when a classifier exposed one. Frames
 * classified as a whole (tsclassify inference-region=full-frame) get a top-level
 * `classifications` list of the same form.
 * `frame` counts from 0 at this element; boxes are in pixels of that frame. Every line is written
 * with a single write(), so a killed pipeline leaves only complete lines.
 *
 * ## Example
 * |[
 * gst-launch-1.0 … ! tsdetect model=m.onnx ! tsexport location=out.jsonl ! fakesink
 * ]|
 */
#include "gsttsexport.h"

#include <gst/video/video.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <unistd.h>
#include <vector>

#include "json-writer.h"
#include "roi-meta.h"

GST_DEBUG_CATEGORY_STATIC(gst_ts_export_debug);
#define GST_CAT_DEFAULT gst_ts_export_debug

enum {
  PROP_0,
  PROP_LOCATION,
};

struct TsExportSettings {
  std::string location;
};

struct TsExportState {
  int fd = -1;
  GstVideoInfo info;
  bool have_info = false;
  guint64 frame = 0;
  tsv::JsonWriter line;
};

struct _GstTsExport {
  GstBaseTransform parent;
  TsExportSettings *settings; /* guarded by the object lock */
  TsExportState *state;       /* streaming thread / state changes only */
};

G_DEFINE_TYPE(GstTsExport, gst_ts_export, GST_TYPE_BASE_TRANSFORM);
GST_ELEMENT_REGISTER_DEFINE(tsexport, "tsexport", GST_RANK_NONE, GST_TYPE_TS_EXPORT);

static GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS("video/x-raw(ANY)"));
static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS("video/x-raw(ANY)"));

static gboolean gst_ts_export_start(GstBaseTransform *trans) {
  GstTsExport *self = GST_TS_EXPORT(trans);
  std::string location;
  GST_OBJECT_LOCK(self);
  location = self->settings->location;
  GST_OBJECT_UNLOCK(self);
  self->state->frame = 0;
  self->state->have_info = false;
  if (location.empty())
    return TRUE;
  int fd = open(location.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    GST_ELEMENT_ERROR(self, RESOURCE, OPEN_WRITE,
                      ("Cannot write results to \"%s\" (property location): %s", location.c_str(),
                       g_strerror(errno)),
                      (nullptr));
    return FALSE;
  }
  self->state->fd = fd;
  return TRUE;
}

static gboolean gst_ts_export_stop(GstBaseTransform *trans) {
  GstTsExport *self = GST_TS_EXPORT(trans);
  if (self->state->fd >= 0) {
    fsync(self->state->fd);
    close(self->state->fd);
    self->state->fd = -1;
  }
  return TRUE;
}

static gboolean gst_ts_export_set_caps(GstBaseTransform *trans, GstCaps *incaps, GstCaps *) {
  GstTsExport *self = GST_TS_EXPORT(trans);
  self->state->have_info = gst_video_info_from_caps(&self->state->info, incaps);
  return TRUE;
}

static gboolean gst_ts_export_sink_event(GstBaseTransform *trans, GstEvent *event) {
  GstTsExport *self = GST_TS_EXPORT(trans);
  if (GST_EVENT_TYPE(event) == GST_EVENT_EOS && self->state->fd >= 0)
    fdatasync(self->state->fd);
  return GST_BASE_TRANSFORM_CLASS(gst_ts_export_parent_class)->sink_event(trans, event);
}

static bool write_all(int fd, const std::string &data) {
  const char *p = data.data();
  size_t left = data.size();
  while (left > 0) {
    ssize_t n = write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return false;
    }
    p += n;
    left -= (size_t)n;
  }
  return true;
}

/* "classifications": [{attribute, label, class_id, confidence[, embedding]}] */
static void write_classifications(tsv::JsonWriter &j, const std::vector<tsv::Classification> &classifications) {
  j.key("classifications").begin_array();
  for (const tsv::Classification &c : classifications) {
    j.begin_object();
    j.field("attribute", c.attribute).field("label", c.label).field("class_id", c.class_id);
    j.field("confidence", c.confidence);
    if (!c.embedding.empty()) {
      j.key("embedding").begin_array();
      for (float v : c.embedding)
        j.value((double)v);
      j.end_array();
    }
    j.end_object();
  }
  j.end_array();
}

static GstFlowReturn gst_ts_export_transform_ip(GstBaseTransform *trans, GstBuffer *buffer) {
  GstTsExport *self = GST_TS_EXPORT(trans);
  TsExportState &st = *self->state;
  guint64 frame = st.frame++;
  if (st.fd < 0)
    return GST_FLOW_OK;
  int width = st.have_info ? GST_VIDEO_INFO_WIDTH(&st.info) : 0;
  int height = st.have_info ? GST_VIDEO_INFO_HEIGHT(&st.info) : 0;
  tsv::JsonWriter &j = st.line;
  j.clear();
  j.begin_object();
  j.field("frame", (uint64_t)frame);
  if (GST_BUFFER_PTS_IS_VALID(buffer))
    j.field("pts", (uint64_t)GST_BUFFER_PTS(buffer));
  else
    j.key("pts").null();
  j.field("width", width);
  j.field("height", height);
  j.key("objects").begin_array();
  for (const tsv::Object &o : tsv::roi_read_all(buffer, width, height)) {
    j.begin_object();
    j.key("box").begin_object();
    j.field("x", o.box.x).field("y", o.box.y).field("width", o.box.width).field("height", o.box.height);
    j.end_object();
    j.field("label", o.label);
    j.field("class_id", o.class_id);
    j.field("confidence", o.confidence);
    if (o.track_id >= 0)
      j.field("track_id", o.track_id);
    else
      j.key("track_id").null();
    if (o.predicted)
      j.field("predicted", true);
    write_classifications(j, o.classifications);
    j.end_object();
  }
  j.end_array();
  std::vector<tsv::Classification> frame_classifications = tsv::frame_read_classifications(buffer);
  if (!frame_classifications.empty())
    write_classifications(j, frame_classifications);
  j.end_object();
  std::string out = j.str() + "\n";
  if (!write_all(st.fd, out)) {
    GST_ELEMENT_ERROR(self, RESOURCE, WRITE, ("Cannot write results (property location): %s", g_strerror(errno)),
                      (nullptr));
    return GST_FLOW_ERROR;
  }
  return GST_FLOW_OK;
}

static void gst_ts_export_set_property(GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec) {
  GstTsExport *self = GST_TS_EXPORT(object);
  GST_OBJECT_LOCK(self);
  switch (prop_id) {
  case PROP_LOCATION:
    self->settings->location = g_value_get_string(value) ? g_value_get_string(value) : "";
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK(self);
}

static void gst_ts_export_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec) {
  GstTsExport *self = GST_TS_EXPORT(object);
  GST_OBJECT_LOCK(self);
  switch (prop_id) {
  case PROP_LOCATION:
    g_value_set_string(value, self->settings->location.empty() ? nullptr : self->settings->location.c_str());
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
  }
  GST_OBJECT_UNLOCK(self);
}

static void gst_ts_export_finalize(GObject *object) {
  GstTsExport *self = GST_TS_EXPORT(object);
  delete self->settings;
  delete self->state;
  G_OBJECT_CLASS(gst_ts_export_parent_class)->finalize(object);
}

static void gst_ts_export_class_init(GstTsExportClass *klass) {
  GObjectClass *gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS(klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS(klass);

  GST_DEBUG_CATEGORY_INIT(gst_ts_export_debug, "tsexport", 0, "tsvision results export");

  gobject_class->set_property = gst_ts_export_set_property;
  gobject_class->get_property = gst_ts_export_get_property;
  gobject_class->finalize = gst_ts_export_finalize;

  g_object_class_install_property(
      gobject_class, PROP_LOCATION,
      g_param_spec_string("location", "Location",
                          "JSON Lines file to write, one line per frame (created or truncated at start)", nullptr,
                          (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));

  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(element_class, "tsvision results export", "Filter/Video",
                                        "Writes each frame's objects (region-of-interest metas) as JSON Lines",
                                        "tsvision developers");

  trans_class->start = GST_DEBUG_FUNCPTR(gst_ts_export_start);
  trans_class->stop = GST_DEBUG_FUNCPTR(gst_ts_export_stop);
  trans_class->set_caps = GST_DEBUG_FUNCPTR(gst_ts_export_set_caps);
  trans_class->sink_event = GST_DEBUG_FUNCPTR(gst_ts_export_sink_event);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR(gst_ts_export_transform_ip);
  trans_class->transform_ip_on_passthrough = TRUE;
}

static void gst_ts_export_init(GstTsExport *self) {
  self->settings = new TsExportSettings();
  self->state = new TsExportState();
  gst_base_transform_set_passthrough(GST_BASE_TRANSFORM(self), TRUE);
}
