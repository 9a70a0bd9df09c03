/**
 * SECTION:element-tsexport
 *
 * A pass-through element that exports each frame's objects (GstVideoRegionOfInterestMeta, from
 * tsvision or any other element using DL Streamer's convention) as one JSON line per frame:
 * |[
 * {"frame":0,"pts":0,"width":768,"height":432,"objects":[{"box":{"x":10,"y":20,"width":50,"height":120},
 *  "label":"person","class_id":0,"confidence":0.87,"track_id":null,
 *  "classifications":[{"attribute":"color","label":"red","class_id":2,"confidence":0.91}]}]}
 * ]|
 * Objects' `classifications` come from tsclassify (or any element writing DL Streamer-style
 * classification params); an `embedding` array is written when a classifier exposed one. Frames
 * classified as a whole (tsclassify inference-region=full-frame) get a top-level
 * `classifications` list of the same form. Boxes of earlier frames reported late (tstrack
 * `fill-gaps`: a re-found track's boxes on the frames it was missed on) are listed in
 * `past_objects`, each with the `frame` (and `frames_ago`, `pts`) it belongs to and
 * `"interpolated":true`.
 * `frame` counts from 0 at this element; boxes are in pixels of that frame.
 *
 * The line goes to any of three outputs, each optional:
 *
 * - `location`: a JSON Lines file. Every line is written with a single write(), so a killed
 *   pipeline leaves only complete lines.
 * - `post-messages=true`: an element message named `tsexport` on the bus per frame, with the
 *   fields `frame` (guint64), `pts` and `running-time` (GstClockTime, GST_CLOCK_TIME_NONE when
 *   unknown), `object-count` (guint) and `json` (the line, a string).
 * - `mqtt-address`: an MQTT broker (libmosquitto) to which each line is published, in order, with
 *   QoS 1 on `mqtt-topic` (default `tsvision/<element name>`). A publisher thread of its own does
 *   all the networking; the streaming thread only queues. While the broker is unreachable (down
 *   at start, restarting, network loss) the results are queued, up to `mqtt-queue-size` (beyond it
 *   the oldest are dropped, with a warning that counts them), and sent in order once it is back:
 *   it reconnects by itself with an exponential backoff (0.25 s up to 5 s). A lost connection is
 *   a warning on the bus, its return an info message. Unacknowledged results are sent again after
 *   a reconnection, so a subscriber may get a result twice (QoS 1 is at-least-once), never out of
 *   order. At stop (e.g. after EOS) what is still queued is delivered for up to 2 s, then
 *   dropped with a warning: the pipeline never waits long for a broker that is gone.
 *
 * `stats-interval` (seconds, 0 = off): a `tsvision-stats` element message every N seconds with the
 * frames passed, fps and the percentiles of the element's own time per frame (as every tsvision
 * element); the figures are served to Prometheus too when TSVISION_METRICS_ADDRESS is set. Results
 * the MQTT queue drops are not dropped frames: every frame goes on downstream.
 *
 * ## Examples
 * |[
 * gst-launch-1.0 … ! tsdetect model=m.onnx ! tsexport location=out.jsonl ! fakesink
 * ]|
 * Results as bus messages (gst-launch-1.0 -m prints them):
 * |[
 * gst-launch-1.0 -m … ! tsdetect model=m.onnx ! tsexport post-messages=true ! fakesink
 * ]|
 * Results to an MQTT broker (read them with `mosquitto_sub -h broker -t 'tsvision/#' -q 1`):
 * |[
 * gst-launch-1.0 filesrc location=video.mp4 ! decodebin ! \
 *   tsdetect model=yolox_nano_416.onnx labels-file=coco_classes.txt ! \
 *   tsexport name=cam1 mqtt-address=mqtt://broker:1883 mqtt-topic=site/cam1/objects ! fakesink
 * ]|
 */
#include "gsttsexport.h"

#include <gst/video/video.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

#include "element-stats.h"
#include "json-writer.h"
#include "mqtt-publisher.h"
#include "roi-meta.h"

GST_DEBUG_CATEGORY_STATIC(gst_ts_export_debug);
#define GST_CAT_DEFAULT gst_ts_export_debug

enum {
  PROP_0,
  PROP_LOCATION,
  PROP_POST_MESSAGES,
  PROP_MQTT_ADDRESS,
  PROP_MQTT_TOPIC,
  PROP_MQTT_CLIENT_ID,
  PROP_MQTT_QUEUE_SIZE,
  PROP_STATS_INTERVAL,
};

#define DEFAULT_POST_MESSAGES FALSE
#define DEFAULT_MQTT_QUEUE_SIZE 1000
#define MQTT_FLUSH_TIMEOUT_MS 2000

struct TsExportSettings {
  std::string location;
  gint post_messages = DEFAULT_POST_MESSAGES; /* atomic: read once per frame without the lock */
  std::string mqtt_address;                   /* "" = no MQTT */
  std::string mqtt_topic;                     /* "" = tsvision/<element name> */
  std::string mqtt_client_id;                 /* "" = generated at start */
  guint mqtt_queue_size = DEFAULT_MQTT_QUEUE_SIZE;
  double stats_interval = tsv::stats_interval_default();
};

struct TsExportState {
  int fd = -1;
  GstVideoInfo info;
  bool have_info = false;
  guint64 frame = 0;
  tsv::JsonWriter line;
  std::unique_ptr<tsv::MqttPublisher> mqtt;
  double stats_interval = 0; /* from start() */
  /* From the first start() on, until finalize: registered for the metrics endpoint while it lives. */
  std::unique_ptr<tsv::ElementStats> stats;
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

static std::string default_topic(GstTsExport *self) {
  gchar *name = gst_object_get_name(GST_OBJECT(self));
  std::string topic = std::string("tsvision/") + (name ? name : "tsexport");
  g_free(name);
  return topic;
}

/* Publisher-thread events → debug log, and the bus for the user-facing ones. */
static void on_mqtt_event(GstTsExport *self, tsv::MqttEventLevel level, const std::string &message) {
  switch (level) {
  case tsv::MqttEventLevel::WARNING:
    GST_WARNING_OBJECT(self, "%s", message.c_str());
    GST_ELEMENT_WARNING(self, RESOURCE, WRITE, ("%s", message.c_str()), (nullptr));
    break;
  case tsv::MqttEventLevel::INFO:
    GST_INFO_OBJECT(self, "%s", message.c_str());
    /* The text in the debug part too: that is what gst-launch-1.0 prints of an info message. */
    GST_ELEMENT_INFO(self, RESOURCE, WRITE, ("%s", message.c_str()), ("%s", message.c_str()));
    break;
  default:
    GST_DEBUG_OBJECT(self, "%s", message.c_str());
  }
}

static gboolean start_mqtt(GstTsExport *self) {
  TsExportSettings s;
  GST_OBJECT_LOCK(self);
  s = *self->settings;
  GST_OBJECT_UNLOCK(self);
  if (s.mqtt_address.empty())
    return TRUE;
  tsv::MqttPublisherConfig config;
  std::string error;
  if (!tsv::mqtt_parse_address(s.mqtt_address, config.address, error)) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS,
                      ("Invalid mqtt-address \"%s\": %s (expected host:port or mqtt://host:port)",
                       s.mqtt_address.c_str(), error.c_str()),
                      (nullptr));
    return FALSE;
  }
  config.topic = s.mqtt_topic.empty() ? default_topic(self) : s.mqtt_topic;
  if (s.mqtt_client_id.empty()) {
    gchar *name = gst_object_get_name(GST_OBJECT(self));
    gchar *id = g_strdup_printf("tsvision-%s-%08x", name ? name : "tsexport", g_random_int());
    config.client_id = id;
    g_free(id);
    g_free(name);
  } else {
    config.client_id = s.mqtt_client_id;
  }
  config.queue_size = s.mqtt_queue_size;
  config.flush_timeout_ms = MQTT_FLUSH_TIMEOUT_MS;
  GST_INFO_OBJECT(self, "publishing to MQTT broker %s:%d, topic \"%s\", client id \"%s\"",
                  config.address.host.c_str(), config.address.port, config.topic.c_str(), config.client_id.c_str());
  self->state->mqtt = tsv::MqttPublisher::start(
      config, [self](tsv::MqttEventLevel level, const std::string &message) { on_mqtt_event(self, level, message); },
      error);
  if (!self->state->mqtt) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("Cannot publish to MQTT: %s", error.c_str()), (nullptr));
    return FALSE;
  }
  return TRUE;
}

static void stop_mqtt(GstTsExport *self) {
  if (self->state->mqtt) {
    self->state->mqtt->stop(); /* delivers what it can within MQTT_FLUSH_TIMEOUT_MS */
    self->state->mqtt.reset();
  }
}

static gboolean gst_ts_export_start(GstBaseTransform *trans) {
  GstTsExport *self = GST_TS_EXPORT(trans);
  std::string location;
  GST_OBJECT_LOCK(self);
  location = self->settings->location;
  self->state->stats_interval = self->settings->stats_interval;
  GST_OBJECT_UNLOCK(self);
  self->state->frame = 0;
  self->state->have_info = false;
  if (!self->state->stats)
    self->state->stats = std::make_unique<tsv::ElementStats>(GST_ELEMENT(self), "export");
  self->state->stats->reset();
  if (!location.empty()) {
    int fd = open(location.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      GST_ELEMENT_ERROR(self, RESOURCE, OPEN_WRITE,
                        ("Cannot write results to \"%s\" (property location): %s", location.c_str(),
                         g_strerror(errno)),
                        (nullptr));
      return FALSE;
    }
    self->state->fd = fd;
  }
  if (!start_mqtt(self)) {
    if (self->state->fd >= 0) {
      close(self->state->fd);
      self->state->fd = -1;
    }
    return FALSE;
  }
  return TRUE;
}

static gboolean gst_ts_export_stop(GstBaseTransform *trans) {
  GstTsExport *self = GST_TS_EXPORT(trans);
  stop_mqtt(self);
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

/* One object's fields (inside an object the caller opened). */
static void write_object_fields(tsv::JsonWriter &j, const tsv::Object &o) {
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
}

/* "past_objects": boxes of earlier frames reported on this one (tstrack fill-gaps), each with the
 * frame it belongs to (`frame` as counted here, `frames_ago`, that frame's `pts`). */
static void write_past_objects(tsv::JsonWriter &j, guint64 frame, const std::vector<tsv::PastObject> &past) {
  j.key("past_objects").begin_array();
  for (const tsv::PastObject &p : past) {
    j.begin_object();
    if (p.frames_ago <= frame)
      j.field("frame", (uint64_t)(frame - p.frames_ago));
    else
      j.key("frame").null();
    j.field("frames_ago", (uint64_t)p.frames_ago);
    if (p.pts >= 0)
      j.field("pts", (uint64_t)p.pts);
    else
      j.key("pts").null();
    write_object_fields(j, p.object);
    j.field("interpolated", true);
    j.end_object();
  }
  j.end_array();
}

static GstFlowReturn export_frame(GstTsExport *self, GstBuffer *buffer) {
  GstBaseTransform *trans = GST_BASE_TRANSFORM(self);
  TsExportState &st = *self->state;
  guint64 frame = st.frame++;
  const bool post = g_atomic_int_get(&self->settings->post_messages);
  if (st.fd < 0 && !post && !st.mqtt)
    return GST_FLOW_OK; /* nothing to export to */
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
  const std::vector<tsv::Object> objects = tsv::objects_read(buffer, width, height);
  for (const tsv::Object &o : objects) {
    j.begin_object();
    write_object_fields(j, o);
    if (o.predicted)
      j.field("predicted", true);
    write_classifications(j, o.classifications);
    j.end_object();
  }
  j.end_array();
  std::vector<tsv::Classification> frame_classifications = tsv::frame_read_classifications(buffer);
  if (!frame_classifications.empty())
    write_classifications(j, frame_classifications);
  const std::vector<tsv::PastObject> past = tsv::frame_read_past_objects(buffer);
  if (!past.empty())
    write_past_objects(j, frame, past);
  j.end_object();
  if (st.fd >= 0 && !write_all(st.fd, j.str() + "\n")) {
    GST_ELEMENT_ERROR(self, RESOURCE, WRITE, ("Cannot write results (property location): %s", g_strerror(errno)),
                      (nullptr));
    return GST_FLOW_ERROR;
  }
  if (post) {
    GstClockTime pts = GST_BUFFER_PTS(buffer);
    GstClockTime running_time =
        GST_CLOCK_TIME_IS_VALID(pts) && trans->segment.format == GST_FORMAT_TIME
            ? gst_segment_to_running_time(&trans->segment, GST_FORMAT_TIME, pts)
            : GST_CLOCK_TIME_NONE;
    GstStructure *s = gst_structure_new("tsexport", "frame", G_TYPE_UINT64, (guint64)frame, "pts", G_TYPE_UINT64,
                                        (guint64)pts, "running-time", G_TYPE_UINT64, (guint64)running_time,
                                        "object-count", G_TYPE_UINT, (guint)objects.size(), "json", G_TYPE_STRING,
                                        j.str().c_str(), nullptr);
    gst_element_post_message(GST_ELEMENT(self), gst_message_new_element(GST_OBJECT(self), s));
  }
  if (st.mqtt)
    st.mqtt->publish(j.str()); /* queued; the publisher thread sends it */
  return GST_FLOW_OK;
}

static GstFlowReturn gst_ts_export_transform_ip(GstBaseTransform *trans, GstBuffer *buffer) {
  GstTsExport *self = GST_TS_EXPORT(trans);
  const gint64 started_us = g_get_monotonic_time();
  GstFlowReturn flow = export_frame(self, buffer);
  if (flow == GST_FLOW_OK) {
    self->state->stats->frame_done((double)(g_get_monotonic_time() - started_us) / 1000.0);
    self->state->stats->maybe_post(self->state->stats_interval);
  }
  return flow;
}

static void gst_ts_export_set_property(GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec) {
  GstTsExport *self = GST_TS_EXPORT(object);
  GST_OBJECT_LOCK(self);
  switch (prop_id) {
  case PROP_LOCATION:
    self->settings->location = g_value_get_string(value) ? g_value_get_string(value) : "";
    break;
  case PROP_POST_MESSAGES:
    g_atomic_int_set(&self->settings->post_messages, g_value_get_boolean(value));
    break;
  case PROP_MQTT_ADDRESS:
    self->settings->mqtt_address = g_value_get_string(value) ? g_value_get_string(value) : "";
    break;
  case PROP_MQTT_TOPIC:
    self->settings->mqtt_topic = g_value_get_string(value) ? g_value_get_string(value) : "";
    break;
  case PROP_MQTT_CLIENT_ID:
    self->settings->mqtt_client_id = g_value_get_string(value) ? g_value_get_string(value) : "";
    break;
  case PROP_MQTT_QUEUE_SIZE:
    self->settings->mqtt_queue_size = g_value_get_uint(value);
    break;
  case PROP_STATS_INTERVAL:
    self->settings->stats_interval = g_value_get_double(value);
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
  case PROP_POST_MESSAGES:
    g_value_set_boolean(value, g_atomic_int_get(&self->settings->post_messages));
    break;
  case PROP_MQTT_ADDRESS:
    g_value_set_string(value, self->settings->mqtt_address.empty() ? nullptr : self->settings->mqtt_address.c_str());
    break;
  case PROP_MQTT_TOPIC:
    g_value_set_string(value, self->settings->mqtt_topic.empty() ? nullptr : self->settings->mqtt_topic.c_str());
    break;
  case PROP_MQTT_CLIENT_ID:
    g_value_set_string(value,
                       self->settings->mqtt_client_id.empty() ? nullptr : self->settings->mqtt_client_id.c_str());
    break;
  case PROP_MQTT_QUEUE_SIZE:
    g_value_set_uint(value, self->settings->mqtt_queue_size);
    break;
  case PROP_STATS_INTERVAL:
    g_value_set_double(value, self->settings->stats_interval);
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
  g_object_class_install_property(
      gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean("post-messages", "Post messages",
                           "Post an element message \"tsexport\" on the bus per frame with the fields frame "
                           "(guint64), pts, running-time (GstClockTime), object-count (guint) and json (the frame's "
                           "JSON line)",
                           DEFAULT_POST_MESSAGES,
                           (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING)));
  g_object_class_install_property(
      gobject_class, PROP_MQTT_ADDRESS,
      g_param_spec_string("mqtt-address", "MQTT address",
                          "MQTT broker to publish each frame's JSON line to (QoS 1, in order), as host:port or "
                          "mqtt://host:port (port 1883 when left out; IPv6 as [address]:port); empty: no MQTT",
                          nullptr,
                          (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
  g_object_class_install_property(
      gobject_class, PROP_MQTT_TOPIC,
      g_param_spec_string("mqtt-topic", "MQTT topic",
                          "Topic to publish the results on (no wildcards); null: \"tsvision/<element name>\"",
                          nullptr,
                          (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
  g_object_class_install_property(
      gobject_class, PROP_MQTT_CLIENT_ID,
      g_param_spec_string("mqtt-client-id", "MQTT client id",
                          "MQTT client identifier (unique per broker: a broker disconnects a client when another "
                          "one connects with its id); null: \"tsvision-<element name>-<random hex>\", new at "
                          "each start",
                          nullptr,
                          (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
  g_object_class_install_property(
      gobject_class, PROP_MQTT_QUEUE_SIZE,
      g_param_spec_uint("mqtt-queue-size", "MQTT queue size",
                        "Most results held for the MQTT broker (queued or awaiting its acknowledgement) while it "
                        "is unreachable or slow; beyond it the oldest are dropped, with a warning",
                        1, G_MAXINT, DEFAULT_MQTT_QUEUE_SIZE,
                        (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
  g_object_class_install_property(gobject_class, PROP_STATS_INTERVAL, tsv::stats_interval_param_spec());

  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(element_class, "tsvision results export", "Filter/Video",
                                        "Exports each frame's objects (region-of-interest metas) as JSON Lines: to a file, "
                                        "bus messages and/or an MQTT broker",
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
