/**
 * SECTION:element-tsexport
 *
 * A pass-through element that exports each frame's objects (GstVideoRegionOfInterestMeta, from
 * tsvision or any other element using DL Streamer's convention) as one JSON line per frame:
 * |[
 * {"frame":0,"pts":0,"time":"2026-12-01T11:05:03.123Z","source":"file:///data/cam1.mp4","width":768,"height":432,
 *  "objects":[{"box":{"x":10,"y":20,"width":50,"height":120},
 *  "label":"person","class_id":0,"confidence":0.87,"track_id":null,
 *  "classifications":[{"attribute":"color","label":"red","class_id":2,"confidence":0.91}]}]}
 * ]|
 * Objects of pose models also have `keypoints`: `[{"name":"nose","x":312.4,"y":80.2,"confidence":0.97}, …]`
 * (frame pixels; names as the model description gives them).
 * Oriented boxes (OBB models) also have `rotation`: `{"angle":0.52,"cx":200,"cy":100,"width":80,"height":20,
 * "corners":[[x,y],…]}` — the rotated rectangle in frame pixels, `angle` in radians clockwise on screen (y down)
 * about its centre, its `width` side along (cos angle, sin angle); `corners` centre ± u ± v in Ultralytics' order
 * (+u+v, +u−v, −u−v, −u+v; u half the width axis, v half the height axis). `box` is the axis-aligned box
 * enclosing it (clipped to the frame).
 * (frame pixels; names as the model description gives them). Objects of instance segmentation models also have
 * `mask`: `{"size":[h,w],"counts":"…"}`, COCO's compressed RLE of the mask in frame coordinates (what
 * pycocotools' mask.decode reads).
 * With `export-masks=true` a frame's semantic class map (tsclassify output-type=segmentation, full-frame:
 * TsvisionSegmentationMeta) is written too, as a top-level `segmentation` list of one COCO RLE per class on the
 * frame (the background, class 0, left out), in frame coordinates:
 * `"segmentation":[{"label":"person","class_id":15,"mask":{"size":[h,w],"counts":"…"}}]` (off by default: a
 * map is kilobytes a frame).
 * Objects' `classifications` come from tsclassify (or any element writing DL Streamer-style
 * classification params); an `embedding` array is written when a classifier exposed one. Frames
 * classified as a whole (tsclassify inference-region=full-frame) get a top-level
 * `classifications` list of the same form. Boxes of earlier frames reported late (tstrack
 * `fill-gaps`: a re-found track's boxes on the frames it was missed on) are listed in
 * `past_objects`, each with the `frame` (and `frames_ago`, `pts`) it belongs to and
 * `"interpolated":true`.
 * `frame` counts from 0 at this element; boxes are in pixels of that frame. `time` is the wall clock
 * when the line was made (ISO 8601, UTC, milliseconds). `source` is `source-id`, else the URI that
 * upstream answers a URI query with (e.g. filesrc, uridecodebin; without any user:password),
 * else null. `tags` (a JSON object) is added to every line when set.
 *
 * `format=dlstreamer` writes Intel DL Streamer gvametaconvert's JSON instead, so that what reads
 * DL Streamer's output reads ours:
 * |[
 * {"resolution":{"width":768,"height":432},"source":"cam1","timestamp":0,"objects":[{"x":10,"y":20,"w":50,
 *  "h":120,"region_id":0,"id":3,"roi_type":"person","detection":{"bounding_box":{"x_min":0.013,"y_min":0.046,
 *  "x_max":0.078,"y_max":0.32},"confidence":0.87,"label_id":0,"label":"person"},
 *  "color":{"label":"red","confidence":0.91,"label_id":2}}]}
 * ]|
 * (x/y/w/h in pixels, the bounding box normalised, `id` the track id, each classification under its
 * attribute's name — the most confident one per attribute —, `timestamp` the stream time in ns; a
 * frame's own classifications as one more object covering the frame; keypoints as gvametaconvert's
 * add-tensor-data=true writes gvadetect's pose tensor, under the object's `tensors`; an oriented box as
 * gvadetect's OBB converter describes it: `detection.bounding_box` the rotated rectangle's own extent about its
 * centre (normalised, not clipped) and `detection.rotation` its angle (radians), x/y/w/h the enclosing box; no `past_objects` or
 * embeddings; unlike gvametaconvert, a line for every frame, `objects` empty when there are none).
 *
 * The line goes to any of three outputs, each optional:
 *
 * - `location`: a JSON Lines file. Every line is written with a single write(), so a killed
 *   pipeline leaves only complete lines. Truncated at start, or with `append=true` appended to (a
 *   pipeline restarted by a supervisor keeps the lines of its earlier runs).
 * - `post-messages=true`: an element message named `tsexport` on the bus per frame, with the
 *   fields `frame` (guint64), `pts` and `running-time` (GstClockTime, GST_CLOCK_TIME_NONE when
 *   unknown), `object-count` (guint) and `json` (the line, a string).
 * - `mqtt-address`: an MQTT broker (libmosquitto) to which each line is published, in order, with
 *   QoS 1 on `mqtt-topic` (default `tsvision/<element name>`). A publisher thread of its own does
 *   all the networking; the streaming thread only queues. TLS with `mqtts://` (port 8883) or a
 *   `mqtt-ca-file`; `mqtt-cert-file`/`mqtt-key-file` for brokers that require a client certificate;
 *   `mqtt-username` with `mqtt-password` or, to keep it out of `ps`, `mqtt-password-file`.
 *   While the broker is unreachable (down
 *   at start, restarting, network loss) the results are queued, up to `mqtt-queue-size` (beyond it
 *   the oldest are dropped, with a warning that counts them), and sent in order once it is back:
 *   it reconnects by itself with an exponential backoff (0.25 s up to 5 s). A lost connection is
 *   a warning on the bus, its return an info message. Unacknowledged results are sent again after
 *   a reconnection, so a subscriber may get a result twice (QoS 1 is at-least-once), never out of
 *   order. At stop (e.g. after EOS) what is still queued is delivered for up to 2 s, then
 *   dropped with a warning: the pipeline never waits long for a broker that is gone. A failure that
 *   trying again cannot mend — the broker refuses the credentials (or the client id), its
 *   certificate does not verify against `mqtt-ca-file`, it rejects ours — is an error naming the
 *   property, after one attempt: nothing more is published and the stream stops (the file output
 *   keeps whole lines). TLS files that cannot be read or parsed are an error at start.
 *
 * - `database`: a PostgreSQL database (`postgresql://user@host:port/dbname`, or a libpq key=value
 *   string; libpq) or an SQLite file (`sqlite:PATH`), into whose tables `frames`, `objects` (one row
 *   per object per frame) and `events` (tsanalytics') each line is written, created if missing. The
 *   rows are read out of the tsvision-schema line itself by the database's JSON functions, so they
 *   hold what the JSON Lines hold (also with format=dlstreamer: the database gets tsvision's line).
 *   A writer thread of its own writes batches of up to `database-batch-size` lines, one transaction
 *   each; while the server is away the lines are queued up to `database-queue-size` (beyond it the
 *   oldest are dropped, one warning per outage saying how many), and it reconnects by itself (0.25
 *   s up to 5 s). At EOS and stop what is queued is written for up to 5 s. A login the server
 *   refuses, an unknown database, tables of other columns, an SQLite file that cannot be opened are
 *   errors naming the property. Schema and queries: README, "Results in a database".
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
 * Over TLS, logged in, as DL Streamer's JSON:
 * |[
 * gst-launch-1.0 … ! tsexport format=dlstreamer source-id=cam1 mqtt-address=mqtts://broker \
 *   mqtt-ca-file=ca.crt mqtt-username=cam1 mqtt-password-file=/run/secrets/mqtt ! fakesink
 * ]|
 */
#include "gsttsexport.h"

#include <gst/video/video.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

#include "analytics-results.h"
#include "coco-rle.h"
#include "database-writer.h"
#include "element-stats.h"
#include "json-writer.h"
#include "mqtt-publisher.h"
#include "roi-meta.h"

GST_DEBUG_CATEGORY_STATIC(gst_ts_export_debug);
#define GST_CAT_DEFAULT gst_ts_export_debug

enum {
  PROP_0,
  PROP_LOCATION,
  PROP_APPEND,
  PROP_POST_MESSAGES,
  PROP_MQTT_ADDRESS,
  PROP_MQTT_TOPIC,
  PROP_MQTT_CLIENT_ID,
  PROP_MQTT_QUEUE_SIZE,
  PROP_MQTT_CA_FILE,
  PROP_MQTT_CERT_FILE,
  PROP_MQTT_KEY_FILE,
  PROP_MQTT_USERNAME,
  PROP_MQTT_PASSWORD,
  PROP_MQTT_PASSWORD_FILE,
  PROP_FORMAT,
  PROP_SOURCE_ID,
  PROP_TAGS,
  PROP_STATS_INTERVAL,
  PROP_EXPORT_MASKS,
  PROP_DATABASE,
  PROP_DATABASE_PASSWORD_FILE,
  PROP_DATABASE_QUEUE_SIZE,
  PROP_DATABASE_BATCH_SIZE,
};

typedef enum {
  GST_TS_EXPORT_FORMAT_TSVISION,
  GST_TS_EXPORT_FORMAT_DLSTREAMER,
} GstTsExportFormat;

#define DEFAULT_APPEND FALSE
#define DEFAULT_POST_MESSAGES FALSE
#define DEFAULT_EXPORT_MASKS FALSE
#define DEFAULT_MQTT_QUEUE_SIZE 1000
#define DEFAULT_FORMAT GST_TS_EXPORT_FORMAT_TSVISION
#define MQTT_FLUSH_TIMEOUT_MS 2000
#define DEFAULT_DATABASE_QUEUE_SIZE 10000
#define DEFAULT_DATABASE_BATCH_SIZE 100
#define DATABASE_FLUSH_TIMEOUT_MS 5000

#define GST_TYPE_TS_EXPORT_FORMAT (gst_ts_export_format_get_type())
static GType gst_ts_export_format_get_type(void) {
  static GType type = 0;
  static const GEnumValue values[] = {
      {GST_TS_EXPORT_FORMAT_TSVISION, "tsvision's schema: boxes in pixels, every field on every line",
       "tsvision"},
      {GST_TS_EXPORT_FORMAT_DLSTREAMER,
       "Intel DL Streamer gvametaconvert's JSON: detection.bounding_box normalised, classifications under "
       "their attribute's name",
       "dlstreamer"},
      {0, nullptr, nullptr}};
  if (g_once_init_enter(&type))
    g_once_init_leave(&type, g_enum_register_static("GstTsExportFormat", values));
  return type;
}

struct TsExportSettings {
  std::string location;
  bool append = DEFAULT_APPEND;
  gint post_messages = DEFAULT_POST_MESSAGES; /* atomic: read once per frame without the lock */
  gint export_masks = DEFAULT_EXPORT_MASKS;   /* atomic, likewise */
  std::string mqtt_address;                   /* "" = no MQTT */
  std::string mqtt_topic;                     /* "" = tsvision/<element name> */
  std::string mqtt_client_id;                 /* "" = generated at start */
  guint mqtt_queue_size = DEFAULT_MQTT_QUEUE_SIZE;
  std::string mqtt_ca_file, mqtt_cert_file, mqtt_key_file;
  std::string mqtt_username;
  std::string mqtt_password;
  bool mqtt_has_password = false; /* an empty mqtt-password is one */
  std::string mqtt_password_file;
  GstTsExportFormat format = DEFAULT_FORMAT;
  std::string source_id; /* "" = the upstream URI */
  std::string tags;      /* "" = none; a JSON object, checked at start */
  std::string database;  /* "" = none */
  std::string database_password_file;
  guint database_queue_size = DEFAULT_DATABASE_QUEUE_SIZE;
  guint database_batch_size = DEFAULT_DATABASE_BATCH_SIZE;
  double stats_interval = tsv::stats_interval_default();
};

struct TsExportState {
  int fd = -1;
  GstVideoInfo info;
  bool have_info = false;
  guint64 frame = 0;
  tsv::JsonWriter line;
  std::unique_ptr<tsv::MqttPublisher> mqtt;
  std::unique_ptr<tsv::DatabaseWriter> db;
  tsv::JsonWriter db_line; /* format=dlstreamer: the tsvision line the database gets */
  /* Set by the MQTT publisher or the database writer thread once it gave up (the error is on the
   * bus): frames stop here. */
  gint output_failed = 0;
  GstTsExportFormat format = DEFAULT_FORMAT; /* from start() */
  /* `source`: source-id, or the URI upstream answers (asked at the first frame of each stream). */
  std::string source_id;
  std::string source;
  bool source_known = false;
  std::string tags; /* tags, compacted; "" = none */
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

/* MQTT publisher and database writer events → debug log, and the bus for the user-facing ones. */
static void on_output_event(GstTsExport *self, tsv::OutputEventLevel level, const std::string &message) {
  switch (level) {
  case tsv::OutputEventLevel::WARNING:
    GST_WARNING_OBJECT(self, "%s", message.c_str());
    GST_ELEMENT_WARNING(self, RESOURCE, WRITE, ("%s", message.c_str()), (nullptr));
    break;
  case tsv::OutputEventLevel::ERROR:
    GST_ERROR_OBJECT(self, "%s", message.c_str());
    GST_ELEMENT_ERROR(self, RESOURCE, OPEN_WRITE, ("%s", message.c_str()), (nullptr));
    /* After the error is posted, so that it comes first, before upstream's flow error. */
    g_atomic_int_set(&self->state->output_failed, 1);
    break;
  case tsv::OutputEventLevel::INFO:
    GST_INFO_OBJECT(self, "%s", message.c_str());
    /* The text in the debug part too: that is what gst-launch-1.0 prints of an info message. */
    GST_ELEMENT_INFO(self, RESOURCE, WRITE, ("%s", message.c_str()), ("%s", message.c_str()));
    break;
  default:
    GST_DEBUG_OBJECT(self, "%s", message.c_str());
  }
}

/* The first line of a password file, without its line ending (`echo secret > file` works). */
static bool read_password_file(GstTsExport *self, const char *property, const std::string &file, std::string &out) {
  gchar *contents = nullptr;
  GError *err = nullptr;
  if (!g_file_get_contents(file.c_str(), &contents, nullptr, &err)) {
    GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ, ("Cannot read %s \"%s\": %s", property, file.c_str(), err->message),
                      (nullptr));
    g_error_free(err);
    return false;
  }
  out = std::string(contents, strcspn(contents, "\r\n"));
  g_free(contents);
  return true;
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
                      ("Invalid mqtt-address \"%s\": %s (expected host:port, mqtt://host:port or "
                       "mqtts://host:port)",
                       s.mqtt_address.c_str(), error.c_str()),
                      (nullptr));
    return FALSE;
  }
  /* TLS with mqtts://, or with host:port and a TLS file set. */
  config.tls = config.address.scheme == tsv::MqttAddress::Scheme::TLS ||
               (config.address.scheme == tsv::MqttAddress::Scheme::NONE &&
                !(s.mqtt_ca_file.empty() && s.mqtt_cert_file.empty() && s.mqtt_key_file.empty()));
  config.ca_file = s.mqtt_ca_file;
  config.cert_file = s.mqtt_cert_file;
  config.key_file = s.mqtt_key_file;
  config.username = s.mqtt_username;
  if (s.mqtt_has_password && !s.mqtt_password_file.empty()) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS,
                      ("Both mqtt-password and mqtt-password-file are set: set one of them "
                       "(mqtt-password-file keeps the password off the command line)"),
                      (nullptr));
    return FALSE;
  }
  if (!s.mqtt_password_file.empty()) {
    if (!read_password_file(self, "mqtt-password-file", s.mqtt_password_file, config.password))
      return FALSE;
    config.has_password = true;
  } else {
    config.password = s.mqtt_password;
    config.has_password = s.mqtt_has_password;
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
  GST_INFO_OBJECT(self, "publishing to MQTT broker %s:%d (%s), topic \"%s\", client id \"%s\"%s%s",
                  config.address.host.c_str(), config.address.port, config.tls ? "TLS" : "plain TCP",
                  config.topic.c_str(), config.client_id.c_str(), config.username.empty() ? "" : ", user ",
                  config.username.c_str());
  self->state->mqtt = tsv::MqttPublisher::start(
      config, [self](tsv::OutputEventLevel level, const std::string &message) { on_output_event(self, level, message); },
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

static gboolean start_database(GstTsExport *self) {
  std::string database, password_file;
  tsv::DatabaseWriterConfig config;
  GST_OBJECT_LOCK(self);
  database = self->settings->database;
  password_file = self->settings->database_password_file;
  config.queue_size = self->settings->database_queue_size;
  config.batch_size = self->settings->database_batch_size;
  GST_OBJECT_UNLOCK(self);
  if (database.empty()) {
    if (!password_file.empty())
      GST_WARNING_OBJECT(self, "database-password-file is set without database: ignored");
    return TRUE;
  }
  std::string error;
  if (!tsv::database_parse(database, config.kind, config.target, error)) {
    /* Not the value itself: it may hold a password. */
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS,
                      ("Invalid database: %s (expected postgresql://user@host:port/dbname or sqlite:PATH)",
                       error.c_str()),
                      (nullptr));
    return FALSE;
  }
  if (!password_file.empty()) {
    if (config.kind == tsv::DatabaseKind::SQLITE) {
      GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS,
                        ("database-password-file is set, and database is an SQLite file (which has no password): "
                         "unset database-password-file"),
                        (nullptr));
      return FALSE;
    }
    if (!read_password_file(self, "database-password-file", password_file, config.password))
      return FALSE;
    config.has_password = true;
  }
  gchar *name = gst_object_get_name(GST_OBJECT(self));
  gchar *uuid = g_uuid_string_random();
  config.run = uuid;
  config.application_name = std::string("tsvision-") + (name ? name : "tsexport");
  g_free(uuid);
  g_free(name);
  config.flush_timeout_ms = DATABASE_FLUSH_TIMEOUT_MS;
  self->state->db = tsv::DatabaseWriter::start(
      config,
      [self](tsv::OutputEventLevel level, const std::string &message) { on_output_event(self, level, message); },
      error);
  if (!self->state->db) {
    GST_ELEMENT_ERROR(self, RESOURCE, OPEN_WRITE, ("Cannot write to the database (property database): %s",
                                                   error.c_str()),
                      (nullptr));
    return FALSE;
  }
  return TRUE;
}

static void stop_database(GstTsExport *self) {
  if (self->state->db) {
    self->state->db->stop(); /* writes what it can within DATABASE_FLUSH_TIMEOUT_MS */
    self->state->db.reset();
  }
}

static gboolean gst_ts_export_start(GstBaseTransform *trans) {
  GstTsExport *self = GST_TS_EXPORT(trans);
  std::string location;
  GST_OBJECT_LOCK(self);
  location = self->settings->location;
  const bool append = self->settings->append;
  self->state->stats_interval = self->settings->stats_interval;
  self->state->format = self->settings->format;
  self->state->source_id = self->settings->source_id;
  std::string tags = self->settings->tags;
  GST_OBJECT_UNLOCK(self);
  self->state->tags.clear();
  if (!tags.empty()) {
    std::string error;
    if (!g_utf8_validate(tags.c_str(), -1, nullptr))
      error = "not UTF-8";
    else if (!tsv::JsonCompactor::compact(tags, self->state->tags, error))
      ;
    else if (self->state->tags[0] != '{')
      error = "not an object";
    if (!error.empty()) {
      self->state->tags.clear();
      GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS,
                        ("Invalid tags: %s (expected a JSON object, e.g. tags='{\"site\":\"north\"}')", error.c_str()),
                        (nullptr));
      return FALSE;
    }
  }
  self->state->frame = 0;
  self->state->have_info = false;
  self->state->source_known = false;
  g_atomic_int_set(&self->state->output_failed, 0);
  if (!self->state->stats)
    self->state->stats = std::make_unique<tsv::ElementStats>(GST_ELEMENT(self), "export");
  self->state->stats->reset();
  if (!location.empty()) {
    int fd = open(location.c_str(), O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC) | O_CLOEXEC, 0644);
    if (fd < 0) {
      GST_ELEMENT_ERROR(self, RESOURCE, OPEN_WRITE,
                        ("Cannot write results to \"%s\" (property location): %s", location.c_str(),
                         g_strerror(errno)),
                        (nullptr));
      return FALSE;
    }
    self->state->fd = fd;
  }
  if (!start_mqtt(self) || !start_database(self)) {
    stop_mqtt(self);
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
  stop_database(self);
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
  /* The rows are in the database when EOS reaches the application (a bounded wait). */
  if (GST_EVENT_TYPE(event) == GST_EVENT_EOS && self->state->db && !self->state->db->flush())
    GST_INFO_OBJECT(self, "EOS: not everything queued was written to the database within %d ms",
                    DATABASE_FLUSH_TIMEOUT_MS);
  if (GST_EVENT_TYPE(event) == GST_EVENT_STREAM_START)
    self->state->source_known = false; /* a new stream may come from elsewhere */
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

/* "keypoints": [{name, x, y, confidence}] in frame pixels (pose models), when the object has any. */
static void write_keypoints(tsv::JsonWriter &j, const tsv::Object &o) {
  if (o.keypoints.empty())
    return;
  j.key("keypoints").begin_array();
  for (const tsv::Keypoint &p : o.keypoints) {
    j.begin_object();
    j.field("name", p.name).field("x", p.x).field("y", p.y).field("confidence", p.confidence);
    j.end_object();
  }
  j.end_array();
}

/* "rotation": the oriented box (OBB models) in frame pixels with its corners, when the object has one. */
static void write_rotation(tsv::JsonWriter &j, const tsv::Object &o) {
  if (!o.has_rotation)
    return;
  const tsv::Rotation &r = o.rotation;
  j.key("rotation").begin_object();
  j.field("angle", r.angle).field("cx", r.cx).field("cy", r.cy).field("width", r.width).field("height", r.height);
  double xy[8];
  r.corners(xy);
  j.key("corners").begin_array();
  for (int k = 0; k < 4; k++)
    j.begin_array().value(xy[2 * k]).value(xy[2 * k + 1]).end_array();
  j.end_array();
  j.end_object();
}

/* "mask": the object's instance mask as COCO RLE in frame coordinates, {"size": [h, w], "counts": "..."}, the
 * compressed string pycocotools' decode / frPyObjects read (coco-rle.h). */
static void write_mask(tsv::JsonWriter &j, const tsv::Object &o, int width, int height) {
  if (o.mask.empty() || width <= 0 || height <= 0)
    return;
  j.key("mask").begin_object();
  j.key("size").begin_array().value((int64_t)height).value((int64_t)width).end_array();
  j.field("counts", tsv::coco_rle_string(tsv::coco_rle_counts(o.mask, width, height)));
  j.end_object();
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
  write_keypoints(j, o);
  write_rotation(j, o);
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

/* Wall-clock time, ISO 8601 UTC with milliseconds: "2026-12-01T11:05:03.123Z". */
static std::string iso8601_now() {
  gint64 us = g_get_real_time();
  time_t secs = (time_t)(us / G_USEC_PER_SEC);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[64];
  snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
           tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(us % G_USEC_PER_SEC / 1000));
  return buf;
}

/* `source`: source-id, else the URI an upstream element answers a URI query with (filesrc,
 * uridecodebin, souphttpsrc…: the elements in between pass the query on), without any user:password
 * it holds; "" when none answers (videotestsrc, appsrc). */
static void update_source(GstTsExport *self) {
  TsExportState &st = *self->state;
  st.source_known = true;
  st.source = st.source_id;
  if (!st.source.empty())
    return;
  GstQuery *query = gst_query_new_uri();
  if (gst_pad_peer_query(GST_BASE_TRANSFORM_SINK_PAD(self), query)) {
    gchar *text = nullptr;
    gst_query_parse_uri(query, &text);
    GstUri *uri = text ? gst_uri_from_string(text) : nullptr;
    if (uri && gst_uri_get_userinfo(uri)) { /* rebuilt only then: it would write file:/x for file:///x */
      gst_uri_set_userinfo(uri, nullptr);
      gchar *clean = gst_uri_to_string(uri);
      st.source = clean;
      g_free(clean);
    } else if (text) {
      st.source = text;
    }
    if (uri)
      gst_uri_unref(uri);
    g_free(text);
  }
  gst_query_unref(query);
  GST_DEBUG_OBJECT(self, "source: \"%s\"", st.source.c_str());
}

/* "segmentation": the frame's semantic class map, one COCO RLE per class in frame coordinates (export-masks). */
static void write_segmentation(tsv::JsonWriter &j, const tsv::SegmentationMap &map, int width, int height) {
  j.key("segmentation").begin_array();
  for (const auto &[id, counts] : tsv::coco_rle_class_counts(map, width, height)) {
    j.begin_object();
    j.field("label", id < map.labels.size() ? map.labels[id] : std::to_string(id));
    j.field("class_id", (int)id);
    j.key("mask").begin_object();
    j.key("size").begin_array().value((int64_t)height).value((int64_t)width).end_array();
    j.field("counts", tsv::coco_rle_string(counts));
    j.end_object();
    j.end_object();
  }
  j.end_array();
}

/* tsvision's schema (see the top of the file). */
static void write_tsvision_line(tsv::JsonWriter &j, guint64 frame, GstBuffer *buffer, int width, int height,
                                const std::string &source, const std::string &tags,
                                const std::vector<tsv::Object> &objects,
                                const std::vector<tsv::Classification> &frame_classifications,
                                const std::vector<tsv::PastObject> &past, const tsv::AnalyticsResult *analytics,
                                const tsv::SegmentationMap *segmentation) {
  j.begin_object();
  j.field("frame", (uint64_t)frame);
  if (GST_BUFFER_PTS_IS_VALID(buffer))
    j.field("pts", (uint64_t)GST_BUFFER_PTS(buffer));
  else
    j.key("pts").null();
  j.field("time", iso8601_now());
  if (!source.empty())
    j.field("source", source);
  else
    j.key("source").null();
  if (!tags.empty())
    j.key("tags").raw(tags);
  j.field("width", width);
  j.field("height", height);
  j.key("objects").begin_array();
  for (const tsv::Object &o : objects) {
    j.begin_object();
    write_object_fields(j, o);
    write_mask(j, o, width, height);
    if (o.predicted)
      j.field("predicted", true);
    write_classifications(j, o.classifications);
    j.end_object();
  }
  j.end_array();
  if (!frame_classifications.empty())
    write_classifications(j, frame_classifications);
  if (!past.empty())
    write_past_objects(j, frame, past);
  if (segmentation)
    write_segmentation(j, *segmentation, width, height);
  if (analytics) {
    /* tsanalytics' JSON, as it wrote it (ts-runtime/src/wire.ts encodeAnalytics). */
    j.key("events").raw(analytics->events_json);
    j.key("counts").raw(analytics->counts_json);
    if (analytics->motion_json != "{}")
      j.key("motion").raw(analytics->motion_json);
  }
  j.end_object();
}

/* DL Streamer writes a classification as a key of its object named after the attribute (its
 * tensor's name), one result per attribute: the most confident one of each here. Keys the object
 * itself uses are left alone. */
static void write_dlstreamer_classifications(tsv::JsonWriter &j, const std::vector<tsv::Classification> &all) {
  static const char *const reserved[] = {"x", "y", "w", "h", "region_id", "id", "roi_type", "detection", "tensors"};
  std::vector<const tsv::Classification *> best;
  for (const tsv::Classification &c : all) {
    const std::string &name = c.attribute.empty() ? "classification" : c.attribute;
    if (std::find(std::begin(reserved), std::end(reserved), name) != std::end(reserved))
      continue;
    auto same = std::find_if(best.begin(), best.end(), [&](const tsv::Classification *b) {
      return (b->attribute.empty() ? "classification" : b->attribute) == name;
    });
    if (same == best.end())
      best.push_back(&c);
    else if (c.confidence > (*same)->confidence)
      *same = &c;
  }
  for (const tsv::Classification *c : best) {
    j.key(c->attribute.empty() ? "classification" : c->attribute.c_str()).begin_object();
    j.field("label", c->label);
    j.field("confidence", c->confidence);
    if (c->class_id >= 0)
      j.field("label_id", c->class_id);
    j.end_object();
  }
}

/* Keypoints as gvametaconvert add-tensor-data=true writes gvadetect's pose tensor: under the object's "tensors",
 * {"name":"keypoints","format":"keypoints","precision":"FP32","layout":"ANY","dims":[K,2],"data":[x,y,…] relative
 * to the box (0..1 inside it),"point_names":[…],"point_connections":[a,b,…]}. gvametaconvert writes the tensor's
 * "confidence" through a scalar getter that reads 0 for DL Streamer's per-point array; here "confidence" is that
 * array, so that a reader gets the visibilities. */
static void write_dlstreamer_keypoints(tsv::JsonWriter &j, const tsv::Object &o) {
  const double w = o.box.width > 0 ? o.box.width : 1, h = o.box.height > 0 ? o.box.height : 1;
  j.key("tensors").begin_array().begin_object();
  j.field("precision", "FP32").field("layout", "ANY");
  j.key("dims").begin_array().value((int64_t)o.keypoints.size()).value(2).end_array();
  j.field("name", "keypoints").field("format", "keypoints");
  j.key("confidence").begin_array();
  for (const tsv::Keypoint &p : o.keypoints)
    j.value(p.confidence);
  j.end_array();
  j.key("data").begin_array();
  for (const tsv::Keypoint &p : o.keypoints)
    j.value((p.x - o.box.x) / w).value((p.y - o.box.y) / h);
  j.end_array();
  j.key("point_connections").begin_array();
  for (const auto &[a, b] : o.skeleton)
    j.value(o.keypoints[a].name).value(o.keypoints[b].name);
  j.end_array();
  j.key("point_names").begin_array();
  for (const tsv::Keypoint &p : o.keypoints)
    j.value(p.name);
  j.end_array();
  j.end_object().end_array();
}

/* DL Streamer gvametaconvert's JSON: x/y/w/h in pixels, `detection.bounding_box` normalised to
 * the frame, `timestamp` the stream time in ns; a frame's own classifications as one more object
 * covering the whole frame. No `past_objects` (the schema has no place for them). */
static void write_dlstreamer_line(tsv::JsonWriter &j, const GstSegment &segment, GstBuffer *buffer, int width,
                                  int height, const std::string &source, const std::string &tags,
                                  const std::vector<tsv::Object> &objects,
                                  const std::vector<tsv::Classification> &frame_classifications) {
  j.begin_object();
  j.key("resolution").begin_object().field("width", width).field("height", height).end_object();
  if (!source.empty())
    j.field("source", source);
  GstClockTime pts = GST_BUFFER_PTS(buffer);
  GstClockTime timestamp = GST_CLOCK_TIME_IS_VALID(pts) && segment.format == GST_FORMAT_TIME
                               ? gst_segment_to_stream_time(&segment, GST_FORMAT_TIME, pts)
                               : GST_CLOCK_TIME_NONE;
  if (GST_CLOCK_TIME_IS_VALID(timestamp))
    j.field("timestamp", (uint64_t)timestamp);
  if (!tags.empty())
    j.key("tags").raw(tags);
  j.key("objects").begin_array();
  for (const tsv::Object &o : objects) {
    j.begin_object();
    j.field("x", (int64_t)std::lround(o.box.x)).field("y", (int64_t)std::lround(o.box.y));
    j.field("w", (int64_t)std::lround(o.box.width)).field("h", (int64_t)std::lround(o.box.height));
    j.field("region_id", o.source_id);
    if (o.track_id >= 0)
      j.field("id", o.track_id);
    if (!o.label.empty())
      j.field("roi_type", o.label);
    if (width > 0 && height > 0) {
      j.key("detection").begin_object();
      j.key("bounding_box").begin_object();
      if (o.has_rotation) {
        /* gvadetect's OBB converter: the rectangle's own extent, and its angle beside. */
        const tsv::Rotation &r = o.rotation;
        j.field("x_min", (r.cx - r.width / 2) / width).field("y_min", (r.cy - r.height / 2) / height);
        j.field("x_max", (r.cx + r.width / 2) / width).field("y_max", (r.cy + r.height / 2) / height);
      } else {
        j.field("x_min", o.box.x / width).field("y_min", o.box.y / height);
        j.field("x_max", (o.box.x + o.box.width) / width).field("y_max", (o.box.y + o.box.height) / height);
      }
      j.end_object();
      if (o.has_rotation)
        j.field("rotation", o.rotation.angle);
      j.field("confidence", o.confidence);
      if (o.class_id >= 0)
        j.field("label_id", o.class_id);
      if (!o.label.empty())
        j.field("label", o.label);
      j.end_object();
    }
    write_dlstreamer_classifications(j, o.classifications);
    if (!o.keypoints.empty())
      write_dlstreamer_keypoints(j, o);
    j.end_object();
  }
  if (!frame_classifications.empty()) {
    j.begin_object();
    j.field("x", 0).field("y", 0).field("w", width).field("h", height);
    write_dlstreamer_classifications(j, frame_classifications);
    j.end_object();
  }
  j.end_array();
  j.end_object();
}

static GstFlowReturn export_frame(GstTsExport *self, GstBuffer *buffer) {
  GstBaseTransform *trans = GST_BASE_TRANSFORM(self);
  TsExportState &st = *self->state;
  if (g_atomic_int_get(&st.output_failed))
    return GST_FLOW_ERROR; /* the MQTT publisher or the database writer gave up; its error is on the bus */
  guint64 frame = st.frame++;
  const bool post = g_atomic_int_get(&self->settings->post_messages);
  if (st.fd < 0 && !post && !st.mqtt && !st.db)
    return GST_FLOW_OK; /* nothing to export to */
  int width = st.have_info ? GST_VIDEO_INFO_WIDTH(&st.info) : 0;
  int height = st.have_info ? GST_VIDEO_INFO_HEIGHT(&st.info) : 0;
  if (!st.source_known)
    update_source(self);
  const std::vector<tsv::Object> objects = tsv::objects_read(buffer, width, height);
  std::vector<tsv::Classification> frame_classifications = tsv::frame_read_classifications(buffer);
  const std::vector<tsv::PastObject> past = tsv::frame_read_past_objects(buffer);
  const std::shared_ptr<const tsv::AnalyticsResult> analytics = tsv::frame_read_analytics(buffer);
  tsv::JsonWriter &j = st.line;
  j.clear();
  if (st.format == GST_TS_EXPORT_FORMAT_DLSTREAMER)
    write_dlstreamer_line(j, trans->segment, buffer, width, height, st.source, st.tags, objects,
                          frame_classifications);
  else
  {
    const std::shared_ptr<const tsv::SegmentationMap> segmentation =
        g_atomic_int_get(&self->settings->export_masks) ? tsv::frame_read_segmentation(buffer) : nullptr;
    write_tsvision_line(j, frame, buffer, width, height, st.source, st.tags, objects, frame_classifications, past,
                        analytics.get(), segmentation.get());
  }
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
  if (st.db) {
    /* The database reads tsvision's line (queued; the writer thread writes it). */
    if (st.format == GST_TS_EXPORT_FORMAT_TSVISION) {
      st.db->write(j.str());
    } else {
      st.db_line.clear();
      write_tsvision_line(st.db_line, frame, buffer, width, height, st.source, st.tags, objects,
                          frame_classifications, past, analytics.get(), nullptr);
      st.db->write(st.db_line.str());
    }
  }
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
  case PROP_APPEND:
    self->settings->append = g_value_get_boolean(value);
    break;
  case PROP_EXPORT_MASKS:
    g_atomic_int_set(&self->settings->export_masks, g_value_get_boolean(value));
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
  case PROP_MQTT_CA_FILE:
    self->settings->mqtt_ca_file = g_value_get_string(value) ? g_value_get_string(value) : "";
    break;
  case PROP_MQTT_CERT_FILE:
    self->settings->mqtt_cert_file = g_value_get_string(value) ? g_value_get_string(value) : "";
    break;
  case PROP_MQTT_KEY_FILE:
    self->settings->mqtt_key_file = g_value_get_string(value) ? g_value_get_string(value) : "";
    break;
  case PROP_MQTT_USERNAME:
    self->settings->mqtt_username = g_value_get_string(value) ? g_value_get_string(value) : "";
    break;
  case PROP_MQTT_PASSWORD:
    self->settings->mqtt_has_password = g_value_get_string(value) != nullptr;
    self->settings->mqtt_password = g_value_get_string(value) ? g_value_get_string(value) : "";
    break;
  case PROP_MQTT_PASSWORD_FILE:
    self->settings->mqtt_password_file = g_value_get_string(value) ? g_value_get_string(value) : "";
    break;
  case PROP_FORMAT:
    self->settings->format = (GstTsExportFormat)g_value_get_enum(value);
    break;
  case PROP_SOURCE_ID:
    self->settings->source_id = g_value_get_string(value) ? g_value_get_string(value) : "";
    break;
  case PROP_TAGS:
    self->settings->tags = g_value_get_string(value) ? g_value_get_string(value) : "";
    break;
  case PROP_STATS_INTERVAL:
    self->settings->stats_interval = g_value_get_double(value);
    break;
  case PROP_DATABASE:
    self->settings->database = g_value_get_string(value) ? g_value_get_string(value) : "";
    break;
  case PROP_DATABASE_PASSWORD_FILE:
    self->settings->database_password_file = g_value_get_string(value) ? g_value_get_string(value) : "";
    break;
  case PROP_DATABASE_QUEUE_SIZE:
    self->settings->database_queue_size = g_value_get_uint(value);
    break;
  case PROP_DATABASE_BATCH_SIZE:
    self->settings->database_batch_size = g_value_get_uint(value);
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
  case PROP_APPEND:
    g_value_set_boolean(value, self->settings->append);
    break;
  case PROP_POST_MESSAGES:
    g_value_set_boolean(value, g_atomic_int_get(&self->settings->post_messages));
    break;
  case PROP_EXPORT_MASKS:
    g_value_set_boolean(value, g_atomic_int_get(&self->settings->export_masks));
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
  case PROP_MQTT_CA_FILE:
    g_value_set_string(value, self->settings->mqtt_ca_file.empty() ? nullptr : self->settings->mqtt_ca_file.c_str());
    break;
  case PROP_MQTT_CERT_FILE:
    g_value_set_string(value,
                       self->settings->mqtt_cert_file.empty() ? nullptr : self->settings->mqtt_cert_file.c_str());
    break;
  case PROP_MQTT_KEY_FILE:
    g_value_set_string(value, self->settings->mqtt_key_file.empty() ? nullptr : self->settings->mqtt_key_file.c_str());
    break;
  case PROP_MQTT_USERNAME:
    g_value_set_string(value,
                       self->settings->mqtt_username.empty() ? nullptr : self->settings->mqtt_username.c_str());
    break;
  case PROP_MQTT_PASSWORD_FILE:
    g_value_set_string(value, self->settings->mqtt_password_file.empty() ? nullptr
                                                                          : self->settings->mqtt_password_file.c_str());
    break;
  case PROP_FORMAT:
    g_value_set_enum(value, self->settings->format);
    break;
  case PROP_SOURCE_ID:
    g_value_set_string(value, self->settings->source_id.empty() ? nullptr : self->settings->source_id.c_str());
    break;
  case PROP_TAGS:
    g_value_set_string(value, self->settings->tags.empty() ? nullptr : self->settings->tags.c_str());
    break;
  case PROP_STATS_INTERVAL:
    g_value_set_double(value, self->settings->stats_interval);
    break;
  case PROP_DATABASE:
    g_value_set_string(value, self->settings->database.empty() ? nullptr : self->settings->database.c_str());
    break;
  case PROP_DATABASE_PASSWORD_FILE:
    g_value_set_string(value, self->settings->database_password_file.empty()
                                  ? nullptr
                                  : self->settings->database_password_file.c_str());
    break;
  case PROP_DATABASE_QUEUE_SIZE:
    g_value_set_uint(value, self->settings->database_queue_size);
    break;
  case PROP_DATABASE_BATCH_SIZE:
    g_value_set_uint(value, self->settings->database_batch_size);
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
  tsv::database_writer_debug_init();

  gobject_class->set_property = gst_ts_export_set_property;
  gobject_class->get_property = gst_ts_export_get_property;
  gobject_class->finalize = gst_ts_export_finalize;

  g_object_class_install_property(
      gobject_class, PROP_LOCATION,
      g_param_spec_string("location", "Location",
                          "JSON Lines file to write, one line per frame (created or truncated at start, unless append=true)", nullptr,
                          (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
  g_object_class_install_property(
      gobject_class, PROP_APPEND,
      g_param_spec_boolean("append", "Append",
                           "Append to the location file instead of truncating it at start (a restarted pipeline "
                           "keeps the lines of its earlier runs; frame counts from 0 again)",
                           DEFAULT_APPEND,
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
      gobject_class, PROP_EXPORT_MASKS,
      g_param_spec_boolean("export-masks", "Export masks",
                           "Write the frame's semantic class map (tsclassify output-type=segmentation, full-frame) as "
                           "\"segmentation\": one COCO RLE per class in frame coordinates (tsvision format; off: "
                           "kilobytes a frame)",
                           DEFAULT_EXPORT_MASKS,
                           (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING)));
  g_object_class_install_property(
      gobject_class, PROP_MQTT_ADDRESS,
      g_param_spec_string("mqtt-address", "MQTT address",
                          "MQTT broker to publish each frame's JSON line to (QoS 1, in order), as host:port or "
                          "mqtt://host:port (port 1883 when left out; IPv6 as [address]:port), or mqtts://host:port "
                          "for TLS (port 8883 when left out); empty: no MQTT",
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
  g_object_class_install_property(
      gobject_class, PROP_MQTT_CA_FILE,
      g_param_spec_string("mqtt-ca-file", "MQTT CA file",
                          "PEM file of the CA certificate(s) the MQTT broker's certificate must be signed by; "
                          "setting it turns TLS on (with host:port; mqtts:// turns it on too); null: the system's "
                          "CA certificates when TLS is on",
                          nullptr,
                          (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
  g_object_class_install_property(
      gobject_class, PROP_MQTT_CERT_FILE,
      g_param_spec_string("mqtt-cert-file", "MQTT client certificate file",
                          "PEM file of the client certificate to present to an MQTT broker that requires one "
                          "(with mqtt-key-file; turns TLS on); null: none",
                          nullptr,
                          (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
  g_object_class_install_property(
      gobject_class, PROP_MQTT_KEY_FILE,
      g_param_spec_string("mqtt-key-file", "MQTT client key file",
                          "PEM file of mqtt-cert-file's private key (unencrypted: keep the file readable only by "
                          "the pipeline's user); null: none",
                          nullptr,
                          (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
  g_object_class_install_property(
      gobject_class, PROP_MQTT_USERNAME,
      g_param_spec_string("mqtt-username", "MQTT username",
                          "User name to log in to the MQTT broker with; null: none (anonymous)", nullptr,
                          (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
  /* Write-only: a readable secret would show in pipeline graph dumps (GST_DEBUG_DUMP_DOT_DIR). */
  g_object_class_install_property(
      gobject_class, PROP_MQTT_PASSWORD,
      g_param_spec_string("mqtt-password", "MQTT password",
                          "Password of mqtt-username (write-only; on a command line it shows in ps: prefer "
                          "mqtt-password-file); null: none",
                          nullptr,
                          (GParamFlags)(G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
  g_object_class_install_property(
      gobject_class, PROP_MQTT_PASSWORD_FILE,
      g_param_spec_string("mqtt-password-file", "MQTT password file",
                          "File whose first line (without its line ending) is mqtt-username's password, read at "
                          "start; null: none",
                          nullptr,
                          (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
  g_object_class_install_property(
      gobject_class, PROP_FORMAT,
      g_param_spec_enum("format", "Format",
                        "Schema of the JSON lines: tsvision's own, or DL Streamer gvametaconvert's (for consumers "
                        "of DL Streamer's output)",
                        GST_TYPE_TS_EXPORT_FORMAT, DEFAULT_FORMAT,
                        (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
  g_object_class_install_property(
      gobject_class, PROP_SOURCE_ID,
      g_param_spec_string("source-id", "Source id",
                          "What the lines' \"source\" names (e.g. a camera id); null: the URI upstream answers a "
                          "URI query with (e.g. filesrc, uridecodebin; without user:password), else none",
                          nullptr,
                          (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
  g_object_class_install_property(
      gobject_class, PROP_TAGS,
      g_param_spec_string("tags", "Tags",
                          "A JSON object written as \"tags\" on every line (both formats, as DL Streamer "
                          "gvametaconvert's tags), e.g. {\"site\":\"north\",\"camera\":3}; null: none",
                          nullptr,
                          (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
  g_object_class_install_property(
      gobject_class, PROP_DATABASE,
      g_param_spec_string("database", "Database",
                          "Database to write each frame's results to, as rows of the tables frames, objects and "
                          "events (created if missing): postgresql://user:password@host:port/dbname (or "
                          "postgres://…, or a libpq key=value string: host=… dbname=…) for PostgreSQL, "
                          "sqlite:PATH for an SQLite file; null: none",
                          nullptr,
                          (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
  g_object_class_install_property(
      gobject_class, PROP_DATABASE_PASSWORD_FILE,
      g_param_spec_string("database-password-file", "Database password file",
                          "File whose first line (without its line ending) is the PostgreSQL password, read at "
                          "start (overrides one in database; keeps it out of ps); null: the one in database, "
                          "else PGPASSWORD or ~/.pgpass as libpq finds them",
                          nullptr,
                          (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
  g_object_class_install_property(
      gobject_class, PROP_DATABASE_QUEUE_SIZE,
      g_param_spec_uint("database-queue-size", "Database queue size",
                        "Most results (frames) waiting for the database (besides the batch being written) while it "
                        "is unreachable or slow; beyond it the oldest are dropped, with a warning that counts them",
                        1, G_MAXINT, DEFAULT_DATABASE_QUEUE_SIZE,
                        (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
  g_object_class_install_property(
      gobject_class, PROP_DATABASE_BATCH_SIZE,
      g_param_spec_uint("database-batch-size", "Database batch size",
                        "Most results (frames) written in one transaction; the writer takes what is queued, "
                        "so batches are small while it keeps up",
                        1, G_MAXINT, DEFAULT_DATABASE_BATCH_SIZE,
                        (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
  g_object_class_install_property(gobject_class, PROP_STATS_INTERVAL, tsv::stats_interval_param_spec());

  gst_type_mark_as_plugin_api(GST_TYPE_TS_EXPORT_FORMAT, (GstPluginAPIFlags)0);
  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(element_class, "tsvision results export", "Filter/Video",
                                        "Exports each frame's objects (region-of-interest metas) as JSON Lines: to a file, "
                                        "bus messages and/or an MQTT broker; as rows to PostgreSQL or SQLite",
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
