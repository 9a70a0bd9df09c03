/* tsvision — the interface between the GStreamer plugin and the Node host library.
 *
 * The plugin never links against libnode: on the first element start it dlopen()s
 * libtsvisionhost.so (which does) with RTLD_GLOBAL and calls tsv_host_get(). Everything that
 * crosses the boundary is plain C++ data or a virtual call, so no Node symbol has to be
 * resolved inside the plugin. */
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
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

/* One object (region of interest) of a frame. */
struct Object {
  Box box;
  std::string label;
  int class_id = -1;
  double confidence = 0;
  int64_t track_id = -1; /* -1: no track id */
  bool predicted = false;
  std::vector<Classification> classifications;
  /* In a Result: index into Frame::objects this object updates, or -1 for a new object. */
  int source_index = -1;
};

/* A frame handed to the runtime. The pixel memory must stay valid until the call completes. */
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
};

/* An object of an earlier frame, reported late on a later buffer (tstrack fill-gaps: the boxes of
 * the frames a track was missed on, filled in when it is found again). */
struct PastObject {
  Object object;
  uint32_t frames_ago = 0; /* how many frames before the buffer it is reported on */
  int64_t pts = -1;        /* that frame's pts (nanoseconds); -1 when unknown */
};

struct Result {
  bool ok = true;
  std::string error; /* message + the hook's stack when !ok */
  bool skipped = false; /* a hook failed and error-policy=skip: frame passes unchanged */
  bool inference_skipped = false; /* this element did not run inference on the frame (inference-interval) */
  std::vector<Object> objects;
  std::vector<Classification> frame_classifications;
  std::vector<PastObject> past_objects;
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

/* Called on the runtime thread; implementations must be thread-safe towards the element. */
class InstanceListener {
public:
  virtual ~InstanceListener() = default;
  virtual void on_message(const std::string &name, const std::vector<MessageField> &fields) = 0;
  virtual void on_log(LogLevel level, const std::string &message) = 0;
};

/* One element instance's logic in the runtime: its hook module, model sessions and state. */
class Instance {
public:
  virtual ~Instance() = default; /* runs the hook's teardown; blocks until done */
  /* Blocks the calling thread (without spinning) until the runtime has processed the frame. */
  virtual Result process(const Frame &frame) = 0;
  /* Returns at once; `done` runs on the runtime thread when the result is in. */
  virtual void process_async(const Frame &frame, std::function<void(Result &&)> done) = 0;
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
                                                    InstanceListener *listener,
                                                    std::string *error) = 0;
};

} // namespace tsv

/* Starts the runtime on first call (its own thread), then returns the same Host. Returns
 * nullptr and fills `error` when the runtime cannot start. */
extern "C" tsv::Host *tsv_host_get(const char *runtime_dir, std::string *error);
using TsvHostGetFunc = tsv::Host *(*)(const char *, std::string *);
