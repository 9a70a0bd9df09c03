/* tsvision — the interface between the GStreamer plugin and the Node host library.
 *
 * The plugin never links against libnode: on the first element start it dlopen()s
 * libtsvisionhost.so (which does) with RTLD_GLOBAL and calls tsv_host_get(). Everything that
 * crosses the boundary is plain C++ data or a virtual call, so no Node symbol has to be
 * resolved inside the plugin. */
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace tsv {

struct Box {
  double x = 0, y = 0, width = 0, height = 0;
};

struct Classification {
  std::string attribute;
  std::string label;
  int class_id = -1;
  double confidence = 0;
  std::vector<float> embedding;
};

/* One keypoint of an object (a pose model's joint), in frame pixels. */
struct Keypoint {
  std::string name;
  double x = 0, y = 0, confidence = 0;
};

/* An oriented box (an OBB model's): a width x height rectangle centred on (cx, cy), frame pixels, turned by `angle`
 * radians clockwise on screen (y down) about its centre; its width side runs along (cos angle, sin angle). The
 * object's box is then the axis-aligned box enclosing it. See Rotation in ts-runtime/api.d.ts. */
struct Rotation {
  double cx = 0, cy = 0, width = 0, height = 0, angle = 0;
  /* Corners in Ultralytics' order: centre + u + v, + u - v, - u - v, - u + v (u along the width, v the height). */
  void corners(double xy[8]) const {
    const double c = std::cos(angle), s = std::sin(angle);
    const double ux = width / 2 * c, uy = width / 2 * s, vx = -height / 2 * s, vy = height / 2 * c;
    const double sx[4] = {1, 1, -1, -1}, sv[4] = {1, -1, -1, 1};
    for (int k = 0; k < 4; k++) {
      xy[2 * k] = cx + sx[k] * ux + sv[k] * vx;
      xy[2 * k + 1] = cy + sx[k] * uy + sv[k] * vy;
    }
  }
};

/* An object's instance mask: width x height bytes (row-major, 1 inside, 0 outside) whose pixel (0, 0) is frame pixel
 * (x, y). Empty (width 0): none. */
struct Mask {
  int x = 0, y = 0, width = 0, height = 0;
  std::vector<uint8_t> data;
  bool empty() const { return width <= 0 || height <= 0; }
};

/* A frame's semantic segmentation at the model's resolution (SegmentationMap in ts-runtime/api.d.ts): width x height
 * class ids (row-major), labels[id] naming them, and the transform from frame pixels to map cells: frame pixel
 * (fx, fy) has the class of cell (floor((fx + 0.5) * scale_x + pad_x), floor((fy + 0.5) * scale_y + pad_y)),
 * clamped to the map. */
struct SegmentationMap {
  int width = 0, height = 0;
  std::vector<uint8_t> classes;
  std::vector<std::string> labels;
  double scale_x = 1, scale_y = 1, pad_x = 0, pad_y = 0;
  bool empty() const { return width <= 0 || height <= 0 || classes.size() != (size_t)width * height; }
  /* The map cell of frame column fx (cell_x) or row fy (cell_y). */
  int cell_x(int fx) const { return clamp_cell(std::floor((fx + 0.5) * scale_x + pad_x), width); }
  int cell_y(int fy) const { return clamp_cell(std::floor((fy + 0.5) * scale_y + pad_y), height); }
  static int clamp_cell(double c, int size) { return c < 0 ? 0 : c >= size ? size - 1 : (int)c; }
};

/* One object (region of interest) of a frame. */
struct Object {
  Box box;
  std::string label;
  int class_id = -1;
  double confidence = 0;
  int64_t track_id = -1; /* -1: no track id */
  bool predicted = false;
  std::vector<Classification> classifications;
  /* A pose model's keypoints (empty: none), and the skeleton joining them: pairs of indices into keypoints. */
  std::vector<Keypoint> keypoints;
  std::vector<std::pair<int, int>> skeleton;
  /* An oriented-box model's rectangle, when has_rotation. */
  bool has_rotation = false;
  Rotation rotation;
  /* An instance segmentation model's mask (empty: none). */
  Mask mask;
  /* In a Frame: the object's id on the buffer (its position among the buffer's ROI metas, set
   * when read). In a Result: the id of the Frame object this object updates, or -1 for a new one. */
  int source_id = -1;
};

/* A frame handed to the runtime. The pixel memory must stay valid while `keepalive` lives: the
 * host holds a reference to it until JavaScript is done with the frame, even when the call was
 * answered early (hook-timeout, cancel) and the element has moved on. */
/* An object of an earlier frame, reported late on a later buffer (tstrack fill-gaps: the boxes of
 * the frames a track was missed on, filled in when it is found again). */
struct PastObject {
  Object object;
  uint32_t frames_ago = 0; /* how many frames before the buffer it is reported on */
  int64_t pts = -1;        /* that frame's pts (nanoseconds); -1 when unknown */
};

struct Frame {
  uint64_t index = 0;
  int64_t pts = -1; /* nanoseconds; -1 when unknown */
  int width = 0, height = 0;
  std::string format; /* GStreamer format name: RGB, BGRx, I420, ... */
  /* YUV colorimetry from the caps: "bt709" (GST_VIDEO_COLOR_MATRIX_BT709) or "bt601" (any other
   * matrix), and full_range for GST_VIDEO_COLOR_RANGE_0_255 (e.g. jpegdec's 1:4:0:0). */
  std::string color_matrix = "bt601";
  bool full_range = false;
  const uint8_t *data = nullptr;
  size_t size = 0;
  int n_planes = 0;
  size_t offsets[4] = {0, 0, 0, 0};
  int strides[4] = {0, 0, 0, 0};
  std::vector<Object> objects; /* what is already on the buffer */
  std::vector<Classification> classifications; /* full-frame classifications already on the buffer */
  bool inference_skipped = false; /* an upstream detector did not run on this frame */
  std::vector<PastObject> past_objects; /* reported on the buffer by an upstream tstrack (fill-gaps) */
  /* The camera's move since the previous frame, a, b, tx, ty of x' = a·x − b·y + tx, y' = b·x + a·y + ty
   * (tstrack's motion compensation); empty when not estimated. */
  std::vector<double> camera_motion;
  /* The semantic class map already on the buffer (TsvisionSegmentationMeta); null when none. */
  std::shared_ptr<const SegmentationMap> segmentation;
  std::shared_ptr<void> keepalive; /* owns `data` (a mapped buffer) */
};

/* tsanalytics' results for a frame (see WireAnalytics in ts-runtime/src/wire.ts). */
struct AnalyticsResult {
  /* JSON text: the events array, the counts object, the motion object (track id → heading, speed). */
  std::string events_json, counts_json, motion_json;
  /* A rule's geometry in frame pixels (x0, y0, x1, y1, …) with its live figures. */
  struct Line {
    std::string name;
    std::vector<double> points;
    int64_t in = 0, out = 0;
  };
  struct Zone {
    std::string name;
    std::vector<double> points;
    int64_t occupancy = 0;
    bool overcrowded = false;
  };
  std::vector<Line> lines;
  std::vector<Zone> zones;
  std::vector<int64_t> crossed; /* track ids that crossed a line on this frame */
  /* From the runtime: the geometry comes only when it changed (has_geometry: `lines` and `zones` hold
   * names and points), the figures on every frame — in, out per line, then occupancy, overcrowded
   * (0/1) per zone (a meta reader gets them in lines and zones instead). */
  bool has_geometry = false;
  std::vector<double> figures;
};

struct Result {
  bool ok = true;
  std::string error; /* "CODE\nmessage\ndetails" (see ts-runtime/src/errors.ts) when !ok */
  /* !ok because the call ran past hook-timeout (error says which hook); the instance restarts
   * on its next call. */
  bool timed_out = false;
  /* !ok because the runtime was stopped (after another call's time-out) before it answered. */
  bool lost = false;
  /* !ok because the element cancelled its calls (state change to READY, flush). */
  bool cancelled = false;
  bool skipped = false; /* a hook failed and error-policy=skip: frame passes unchanged */
  bool inference_skipped = false; /* this element did not run inference on the frame (inference-interval) */
  std::vector<Object> objects;
  std::vector<Classification> frame_classifications;
  std::vector<PastObject> past_objects;
  std::shared_ptr<const AnalyticsResult> analytics; /* tsanalytics only */
  std::shared_ptr<const SegmentationMap> segmentation; /* tsclassify output-type=segmentation, full-frame */
  /* Milliseconds of this frame in the element's hooks, model runs, preprocessing and output decoding
   * (+ NMS) (-1: none). */
  double hook_ms = -1, model_ms = -1, preprocess_ms = -1, decode_ms = -1;
};

/* A field of a bus message posted from JavaScript. */
struct MessageField {
  enum Kind { STRING, DOUBLE, INT, BOOLEAN } kind = STRING;
  std::string name;
  std::string s;
  double d = 0;
  int64_t i = 0;
  bool b = false;
};

enum class LogLevel { ERROR = 1, WARNING = 2, INFO = 4, DEBUG = 5 };

/* Called on a runtime thread; implementations must be thread-safe towards the element. */
class InstanceListener {
public:
  virtual ~InstanceListener() = default;
  virtual void on_message(const std::string &name, const std::vector<MessageField> &fields) = 0;
  /* The element's own log lines (warnings are user-facing: skipped frames, rejected input). */
  virtual void on_log(LogLevel level, const std::string &message) = 0;
  /* A hook's console.* output (one line, already written to stdout/stderr with the element's
   * name in front): for the element's debug category. */
  virtual void on_console(LogLevel level, const std::string &line) = 0;
};

struct InstanceOptions {
  /* Instances with the same non-empty group share one runtime thread (and so their model
   * sessions: model-instance-id); an empty group gets a runtime of its own. */
  std::string group;
  /* Longest a frame call may take before it is answered with timed_out (0: no limit). */
  uint32_t call_timeout_ms = 0;
  /* Longest creation (hook compilation, model loading, setup()) may take (0: no limit). */
  uint32_t setup_timeout_ms = 0;
  /* The hook module file, for messages. */
  std::string module;
};

/* Figures a runtime instance keeps about itself. */
struct InstanceStats {
  uint32_t restarts = 0;  /* times the instance was re-created after a hook-timeout */
  uint32_t timeouts = 0;  /* calls answered with timed_out */
};

/* One element instance's logic in the runtime: its hook module, model sessions and state. */
class Instance {
public:
  /* Runs the hook's teardown, waiting a bounded time: a runtime that does not answer is stopped. */
  virtual ~Instance() = default;
  /* Returns at once; `done` runs on a runtime (or the watchdog, or a cancelling) thread when the result
   * is in, the call timed out or it was cancelled. A runtime stopped by a time-out is restarted here
   * first (its setup() runs again). */
  virtual void process_async(const Frame &frame, std::function<void(Result &&)> done) = 0;
  /* Answers every call in progress at once with cancelled (JavaScript may go on with them;
   * their frames stay alive until it is done). Never blocks on JavaScript. */
  virtual void cancel() = 0;
  /* Loads another hook module (or the same file again) at the next frame boundary. */
  virtual void set_module(const std::string &module) = 0;
  /* Hands the element's settings (the config JSON, as at creation) to it again at the next frame
   * boundary: one of its settings that may change while playing did. */
  virtual void configure(const std::string &config_json) = 0;
  virtual InstanceStats stats() const = 0;
};

class Host {
public:
  virtual ~Host() = default;
  /* Creates the JS side of an element: `kind` is "detect", "track", ...; `config_json` its
   * settings. Blocks until the hook is compiled, the model loaded and setup() has run.
   * Returns nullptr and fills `error` on failure. */
  virtual std::unique_ptr<Instance> create_instance(const std::string &kind,
                                                    const std::string &element_name,
                                                    const std::string &config_json,
                                                    const InstanceOptions &options,
                                                    InstanceListener *listener,
                                                    std::string *error) = 0;
};

} // namespace tsv

/* Starts the runtime on first call, then returns the same Host. Returns nullptr and fills
 * `error` when the runtime cannot start. */
extern "C" tsv::Host *tsv_host_get(const char *runtime_dir, std::string *error);
using TsvHostGetFunc = tsv::Host *(*)(const char *, std::string *);
