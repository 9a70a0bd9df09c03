#include "gsttsfilter.h"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>
#include <vector>

#include "element-stats.h"
#include "roi-meta.h"
#include "runtime-loader.h"
#include "ts-settings.h"

GST_DEBUG_CATEGORY_STATIC(gst_ts_filter_debug);
#define GST_CAT_DEFAULT gst_ts_filter_debug

/* The formats the preprocessing (ts-runtime/native) reads; api.d.ts's PixelFormat lists the same. */
#define TS_PIXEL_FORMATS "{ RGB, BGR, RGBx, BGRx, RGBA, BGRA, I420, NV12 }"

namespace {

class BusListener : public tsv::InstanceListener {
public:
  explicit BusListener(GstTsFilter *self) : self_(self) {}
  void on_message(const std::string &name, const std::vector<tsv::MessageField> &fields) override {
    GstStructure *s = gst_structure_new_empty(name.c_str());
    for (const auto &f : fields) {
      switch (f.kind) {
      case tsv::MessageField::STRING:
        gst_structure_set(s, f.name.c_str(), G_TYPE_STRING, f.s.c_str(), nullptr);
        break;
      case tsv::MessageField::DOUBLE:
        gst_structure_set(s, f.name.c_str(), G_TYPE_DOUBLE, f.d, nullptr);
        break;
      case tsv::MessageField::INT:
        gst_structure_set(s, f.name.c_str(), G_TYPE_INT64, (gint64)f.i, nullptr);
        break;
      case tsv::MessageField::BOOLEAN:
        gst_structure_set(s, f.name.c_str(), G_TYPE_BOOLEAN, (gboolean)f.b, nullptr);
        break;
      }
    }
    gst_element_post_message(GST_ELEMENT(self_), gst_message_new_element(GST_OBJECT(self_), s));
  }
  void on_log(tsv::LogLevel level, const std::string &message) override {
    GstDebugCategory *cat = GST_TS_FILTER_GET_CLASS(self_)->debug_category;
    if (!cat)
      cat = gst_ts_filter_debug;
    switch (level) {
    case tsv::LogLevel::ERROR:
      GST_CAT_ERROR_OBJECT(cat, self_, "%s", message.c_str());
      break;
    case tsv::LogLevel::WARNING:
      /* Hook warnings are user-facing (skipped frames, rejected input): put them on the bus. */
      GST_CAT_WARNING_OBJECT(cat, self_, "%s", message.c_str());
      GST_ELEMENT_WARNING(self_, LIBRARY, FAILED, ("%s", message.c_str()), (nullptr));
      break;
    case tsv::LogLevel::INFO:
      GST_CAT_INFO_OBJECT(cat, self_, "%s", message.c_str());
      break;
    default:
      GST_CAT_DEBUG_OBJECT(cat, self_, "%s", message.c_str());
    }
  }

  void on_console(tsv::LogLevel level, const std::string &line) override {
    GstDebugCategory *cat = GST_TS_FILTER_GET_CLASS(self_)->debug_category;
    if (!cat)
      cat = gst_ts_filter_debug;
    GstDebugLevel l = level == tsv::LogLevel::ERROR     ? GST_LEVEL_ERROR
                      : level == tsv::LogLevel::WARNING ? GST_LEVEL_WARNING
                      : level == tsv::LogLevel::INFO    ? GST_LEVEL_INFO
                                                        : GST_LEVEL_DEBUG;
    GST_CAT_LEVEL_LOG(cat, l, self_, "console: %s", line.c_str());
  }

private:
  GstTsFilter *self_;
};

/* A buffer's mapped memory, shared with the runtime while JavaScript may read it (a call answered
 * early, by hook-timeout or a cancel, leaves JavaScript holding the frame for a while). */
struct MappedFrame {
  GstVideoFrame vframe;
  std::vector<uint8_t> scratch; /* contiguous copy for multi-memory buffers */
  ~MappedFrame() { gst_video_frame_unmap(&vframe); }
};

/* A frame handed to the runtime and not yet pushed on (frames in flight). */
struct Pending {
  GstBuffer *buffer = nullptr;
  gint64 submitted_us = 0, done_us = 0; /* handed to the runtime; its result in */
  bool done = false;
  tsv::Result result;
};

/* The streaming thread's wait for the oldest frame: it sleeps in read() on a pipe, woken by the
 * thread that completes the frame. A pipe write is a "synchronous" wake-up for the scheduler,
 * which, with the runtime following its caller's CPU (gst-plugin/host/runtime.cc), keeps a
 * frame's hand-off on one CPU instead of paying a cross-CPU wake-up each way. */
class Wakeup {
public:
  Wakeup() {
    if (pipe2(fds_, O_CLOEXEC | O_NONBLOCK) != 0)
      fds_[0] = fds_[1] = -1;
  }
  ~Wakeup() {
    if (fds_[0] >= 0) {
      close(fds_[0]);
      close(fds_[1]);
    }
  }
  /* Called by the waker after it changed the state (the waiter checks it under the lock). */
  void signal() {
    char c = 1;
    if (fds_[1] >= 0)
      while (write(fds_[1], &c, 1) < 0 && errno == EINTR) {
      }
  }
  /* Waits until `ready()` (checked under `lock`). */
  template <typename Ready> void wait(std::unique_lock<std::mutex> &lock, std::condition_variable &cond, Ready ready) {
    if (fds_[0] < 0) {
      cond.wait(lock, ready);
      return;
    }
    while (!ready()) {
      lock.unlock();
      struct pollfd pfd = {fds_[0], POLLIN, 0};
      while (poll(&pfd, 1, -1) < 0 && errno == EINTR) {
      }
      char buf[64];
      while (read(fds_[0], buf, sizeof buf) > 0) {
      }
      lock.lock();
    }
  }

private:
  int fds_[2] = {-1, -1};
};

struct State {
  std::unique_ptr<tsv::Instance> instance;
  GstVideoInfo info;
  bool have_info = false;
  bool readable = false; /* frames can be mapped: system memory in one of TS_PIXEL_FORMATS */
  /* A metadata-only element maps its frames only for those who may look: a hook module (frame.data) or the
   * class's prepare_frame (tstrack's camera motion). Set at start() and when `module` changes. */
  std::atomic<bool> hook_module{false};
  uint64_t frame_index = 0;
  guint max_inflight = 2; /* the max-inflight setting, from start() */
  bool skip_hook_errors = false; /* hook-errors=skip, from start() */
  double stats_interval = 0;     /* stats-interval, from start() */
  size_t waiting = 0;            /* frames in flight after the one being completed */
  /* Frames in flight, oldest first; guarded by `lock`; the streaming thread waits on `wakeup`. */
  std::mutex lock;
  std::condition_variable cond; /* only when the wake-up pipe could not be made */
  Wakeup wakeup;
  std::deque<std::shared_ptr<Pending>> pending;
  bool flushing = false;
  /* The next frame follows a flush (a seek): prepare_frame is told it does not follow the one before. Streaming
   * thread only (set at FLUSH_STOP, which is serialized with the buffers). */
  bool after_flush = false;
  bool failed = false; /* a frame failed: nothing after it is pushed (until a flush or restart) */
  std::atomic<bool> main_loop_seen{false};
};

/* The element's settings: one value per property (GstTsFilterClass.settings), guarded by `lock`.
 * Filled with the defaults on first use (the instance's class is only final after its init). */
struct Settings {
  std::mutex lock;
  std::vector<tsv::SettingValue> values;
  /* Between a successful start() and stop(): a change of `module` reloads it. */
  bool started = false;
};

struct Private {
  Settings settings;
  State state;
  std::unique_ptr<BusListener> listener;
  std::unique_ptr<tsv::ElementStats> stats; /* from the first start() on (the class is final then) */
};

} // namespace

typedef struct {
  Private *p;
} GstTsFilterPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_CODE(GstTsFilter, gst_ts_filter, GST_TYPE_BASE_TRANSFORM,
                                 G_ADD_PRIVATE(GstTsFilter);
                                 GST_DEBUG_CATEGORY_INIT(gst_ts_filter_debug, "tsfilter", 0,
                                                         "tsvision runtime-hosted element base"))

static Private *priv(GstTsFilter *self) {
  return ((GstTsFilterPrivate *)gst_ts_filter_get_instance_private(self))->p;
}

/* gst-launch-1.0 (1.22) quits its main loop from a bus *sync* handler when an ERROR is posted; an
 * error posted by a streaming thread after set_state() returned but before g_main_loop_run() is
 * lost (quitting a loop that does not run yet does nothing) and gst-launch hangs. So before its
 * first streaming-thread error an element makes sure the default main context is being iterated,
 * if anyone iterates it: an idle source there signals the wait, which ends as soon as the loop
 * runs (at once in a running application) and after 500 ms at most (an application that does
 * not use the default context, where the race does not exist). */
struct MainLoopProbe {
  std::mutex mutex;
  std::condition_variable cond;
  bool ran = false;
};

static void wait_for_main_loop(GstTsFilter *self) {
  State &state = priv(self)->state;
  if (state.main_loop_seen.load())
    return;
  auto probe = std::make_shared<MainLoopProbe>();
  auto *ref = new std::shared_ptr<MainLoopProbe>(probe);
  /* An attached source (not g_main_context_invoke, which would run it here when nobody holds the context). */
  GSource *idle = g_idle_source_new();
  g_source_set_priority(idle, G_PRIORITY_HIGH);
  g_source_set_callback(
      idle,
      [](gpointer data) -> gboolean {
        auto &pr = *static_cast<std::shared_ptr<MainLoopProbe> *>(data);
        std::lock_guard<std::mutex> lock(pr->mutex);
        pr->ran = true;
        pr->cond.notify_all();
        return G_SOURCE_REMOVE;
      },
      ref, [](gpointer data) { delete static_cast<std::shared_ptr<MainLoopProbe> *>(data); });
  g_source_attach(idle, nullptr);
  g_source_unref(idle);
  std::unique_lock<std::mutex> lock(probe->mutex);
  if (probe->cond.wait_for(lock, std::chrono::milliseconds(500), [&] { return probe->ran; }))
    state.main_loop_seen = true;
  else
    GST_DEBUG_OBJECT(self, "no main loop iterates the default context; posting the error now");
}

/* The settings' values; call with settings.lock held. */
static std::vector<tsv::SettingValue> &settings_values(GstTsFilter *self) {
  GstTsFilterClass *klass = GST_TS_FILTER_GET_CLASS(self);
  auto &values = priv(self)->settings.values;
  while (values.size() < klass->n_settings)
    values.push_back(tsv::setting_default(*klass->settings[values.size()]));
  return values;
}

double gst_ts_filter_get_setting_number(GstTsFilter *self, const char *key) {
  GstTsFilterClass *klass = GST_TS_FILTER_GET_CLASS(self);
  std::lock_guard<std::mutex> lock(priv(self)->settings.lock);
  const auto &values = settings_values(self);
  for (guint i = 0; i < klass->n_settings; i++)
    if (strcmp(klass->settings[i]->key, key) == 0)
      return values[i].number;
  return 0;
}

/* The runtime's config: every setting, by its canonical name (settings.lock held). */
static std::string config_json(GstTsFilter *self) {
  GstTsFilterClass *klass = GST_TS_FILTER_GET_CLASS(self);
  const auto &values = settings_values(self);
  tsv::JsonWriter json;
  json.begin_object();
  for (guint i = 0; i < klass->n_settings; i++)
    tsv::setting_write_json(*klass->settings[i], values[i], json);
  json.end_object();
  return json.str();
}

/* Called, without locks held, when `module` is set to a new value between a successful start() and
 * stop() (the property is mutable in PLAYING): the runtime loads it and swaps it in before a frame,
 * as module-reload does for a changed file. */
static void gst_ts_filter_module_changed(GstTsFilter *self) {
  Private *p = priv(self);
  std::string module;
  {
    std::lock_guard<std::mutex> lock(p->settings.lock);
    const tsv::SettingValue &v = settings_values(self)[tsv::generated::BASE_MODULE];
    module = v.null ? std::string() : v.string;
  }
  GST_INFO_OBJECT(self, "module changed while running: loading %s", module.c_str());
  p->state.hook_module = !module.empty();
  if (p->state.instance && !module.empty())
    p->state.instance->set_module(module);
}

/* The parts of an error from the runtime, "CODE\nmessage\ndetails" (see ts-runtime/src/errors.ts; a bare
 * message has neither code nor details). */
struct RuntimeError {
  std::string code, message, details;
  explicit RuntimeError(const std::string &error) {
    size_t a = error.find('\n');
    if (a == std::string::npos) {
      message = error;
      return;
    }
    code = error.substr(0, a);
    size_t b = error.find('\n', a + 1);
    message = error.substr(a + 1, b == std::string::npos ? std::string::npos : b - a - 1);
    if (b != std::string::npos)
      details = error.substr(b + 1);
  }
};

static void post_runtime_error(GstTsFilter *self, const std::string &error, bool streaming = true) {
  if (streaming)
    wait_for_main_loop(self);
  const RuntimeError e(error);
  const std::string &code = e.code, &message = e.message, &details = e.details;
  const char *dbg = details.empty() ? nullptr : details.c_str();
  if (code == "NOT_FOUND")
    GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND, ("%s", message.c_str()), ("%s", dbg ? dbg : ""));
  else if (code == "SETTINGS")
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("%s", message.c_str()), ("%s", dbg ? dbg : ""));
  else if (code == "MODEL")
    GST_ELEMENT_ERROR(self, RESOURCE, READ, ("%s", message.c_str()), ("%s", dbg ? dbg : ""));
  else
    GST_ELEMENT_ERROR(self, LIBRARY, FAILED, ("%s", message.c_str()), ("%s", dbg ? dbg : ""));
}

static gboolean gst_ts_filter_start(GstBaseTransform *trans) {
  GstTsFilter *self = GST_TS_FILTER(trans);
  GstTsFilterClass *klass = GST_TS_FILTER_GET_CLASS(self);
  Private *p = priv(self);

  std::string json;
  tsv::SettingValue config_module;
  tsv::InstanceOptions options;
  {
    std::lock_guard<std::mutex> lock(p->settings.lock);
    const auto &values = settings_values(self);
    json = config_json(self);
    config_module = values[tsv::generated::BASE_MODULE];
    p->state.max_inflight = (guint)values[tsv::generated::BASE_MAX_INFLIGHT].number;
    p->state.skip_hook_errors = values[tsv::generated::BASE_HOOK_ERRORS].number == 1; /* HOOK_ERRORS: fail, skip */
    p->state.stats_interval = values[tsv::generated::BASE_STATS_INTERVAL].number;
    options.module = config_module.null ? std::string() : config_module.string;
    p->state.hook_module = !options.module.empty();
    options.call_timeout_ms = (uint32_t)values[tsv::generated::BASE_HOOK_TIMEOUT].number;
  }

  std::string error;
  tsv::Host *host = tsv::runtime_get(&error);
  if (!host) {
    GST_ELEMENT_ERROR(self, LIBRARY, INIT, ("%s", error.c_str()), (nullptr));
    return FALSE;
  }
  /* setup() compiles the hook and loads models: it gets longer than a frame. */
  options.setup_timeout_ms = options.call_timeout_ms * 6;
  /* Elements sharing a model session (model-instance-id) share a runtime; others get their own. */
  if (g_object_class_find_property(G_OBJECT_GET_CLASS(self), "model-instance-id")) {
    gchar *id = nullptr;
    g_object_get(self, "model-instance-id", &id, nullptr);
    if (id && *id)
      options.group = std::string("model:") + id;
    g_free(id);
  }
  GST_DEBUG_OBJECT(self, "creating %s instance with %s", klass->kind, json.c_str());
  gchar *name = gst_object_get_name(GST_OBJECT(self));
  p->listener = std::make_unique<BusListener>(self);
  p->state.instance = host->create_instance(klass->kind, name, json, options, p->listener.get(), &error);
  g_free(name);
  if (!p->state.instance) {
    post_runtime_error(self, error, false);
    return FALSE;
  }
  p->state.frame_index = 0;
  if (!p->stats)
    p->stats = std::make_unique<tsv::ElementStats>(GST_ELEMENT(self), klass->kind);
  p->stats->reset();
  bool module_changed;
  {
    std::lock_guard<std::mutex> lock(p->settings.lock);
    p->settings.started = true;
    module_changed = settings_values(self)[tsv::generated::BASE_MODULE] != config_module;
  }
  if (module_changed)
    gst_ts_filter_module_changed(self);
  p->state.flushing = false;
  p->state.failed = false;
  return TRUE;
}

static void drop_pending(State &state);

static gboolean gst_ts_filter_stop(GstBaseTransform *trans) {
  Private *p = priv(GST_TS_FILTER(trans));
  /* Never blocks on JavaScript: calls in progress are answered at once, teardown is bounded. */
  if (p->state.instance)
    p->state.instance->cancel();
  {
    std::lock_guard<std::mutex> lock(p->settings.lock);
    p->settings.started = false;
  }
  drop_pending(p->state);
  p->state.instance.reset();
  p->state.have_info = false;
  return TRUE;
}

static bool is_pixel_format(GstVideoFormat format) {
  switch (format) {
  case GST_VIDEO_FORMAT_RGB:
  case GST_VIDEO_FORMAT_BGR:
  case GST_VIDEO_FORMAT_RGBx:
  case GST_VIDEO_FORMAT_BGRx:
  case GST_VIDEO_FORMAT_RGBA:
  case GST_VIDEO_FORMAT_BGRA:
  case GST_VIDEO_FORMAT_I420:
  case GST_VIDEO_FORMAT_NV12:
    return true;
  default:
    return false;
  }
}

static gboolean gst_ts_filter_set_caps(GstBaseTransform *trans, GstCaps *incaps, GstCaps *outcaps) {
  GstTsFilter *self = GST_TS_FILTER(trans);
  Private *p = priv(self);
  GstVideoInfo info;
  if (!gst_video_info_from_caps(&info, incaps)) {
    GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("Cannot parse caps %" GST_PTR_FORMAT, incaps), (nullptr));
    return FALSE;
  }
  /* The pad templates keep other formats (and other memory) away from elements that read pixels;
   * the others see pixels only where they can be mapped. */
  GstCapsFeatures *features = gst_caps_get_features(incaps, 0);
  p->state.readable = (!features || gst_caps_features_is_equal(features, GST_CAPS_FEATURES_MEMORY_SYSTEM_MEMORY)) &&
                      is_pixel_format(GST_VIDEO_INFO_FORMAT(&info));
  GST_DEBUG_OBJECT(self, "caps %" GST_PTR_FORMAT, incaps);
  p->state.info = info;
  p->state.have_info = true;
  return TRUE;
}

const GstVideoInfo *gst_ts_filter_get_video_info(GstTsFilter *self) {
  Private *p = priv(self);
  return p->state.have_info ? &p->state.info : nullptr;
}

/* A frame whose pixels the element does not read (no data, no planes): only its geometry. */
static void describe_unreadable_frame(const GstVideoInfo *info, tsv::Frame &frame) {
  frame.width = GST_VIDEO_INFO_WIDTH(info);
  frame.height = GST_VIDEO_INFO_HEIGHT(info);
  frame.format = GST_VIDEO_INFO_NAME(info);
}

/* Fills `frame` with a zero-copy view of `vframe` (a copy only for multi-memory buffers). */
static void describe_frame(std::vector<uint8_t> &scratch, GstVideoFrame *vframe, tsv::Frame &frame) {
  const GstVideoInfo *info = &vframe->info;
  int n = GST_VIDEO_FRAME_N_PLANES(vframe);
  frame.width = GST_VIDEO_INFO_WIDTH(info);
  frame.height = GST_VIDEO_INFO_HEIGHT(info);
  frame.format = GST_VIDEO_INFO_NAME(info);
  /* YUV conversion follows the caps, as videoconvert does (jpegdec: full range; HD: BT.709). */
  frame.color_matrix = GST_VIDEO_INFO_COLORIMETRY(info).matrix == GST_VIDEO_COLOR_MATRIX_BT709 ? "bt709" : "bt601";
  frame.full_range = GST_VIDEO_INFO_COLORIMETRY(info).range == GST_VIDEO_COLOR_RANGE_0_255;
  frame.n_planes = n;
  const guint8 *base = (const guint8 *)vframe->map[0].data;
  bool contiguous = true;
  for (int i = 0; i < n; i++) {
    const guint8 *plane = (const guint8 *)GST_VIDEO_FRAME_PLANE_DATA(vframe, i);
    if (plane < base || plane >= base + vframe->map[0].size)
      contiguous = false;
  }
  if (contiguous) {
    frame.data = base;
    frame.size = vframe->map[0].size;
    for (int i = 0; i < n; i++) {
      frame.offsets[i] = (const guint8 *)GST_VIDEO_FRAME_PLANE_DATA(vframe, i) - base;
      frame.strides[i] = GST_VIDEO_FRAME_PLANE_STRIDE(vframe, i);
    }
    return;
  }
  size_t total = 0;
  for (int i = 0; i < n; i++)
    total += (size_t)GST_VIDEO_FRAME_PLANE_STRIDE(vframe, i) * GST_VIDEO_FRAME_COMP_HEIGHT(vframe, i);
  scratch.resize(total);
  size_t offset = 0;
  for (int i = 0; i < n; i++) {
    size_t bytes = (size_t)GST_VIDEO_FRAME_PLANE_STRIDE(vframe, i) * GST_VIDEO_FRAME_COMP_HEIGHT(vframe, i);
    memcpy(scratch.data() + offset, GST_VIDEO_FRAME_PLANE_DATA(vframe, i), bytes);
    frame.offsets[i] = offset;
    frame.strides[i] = GST_VIDEO_FRAME_PLANE_STRIDE(vframe, i);
    offset += bytes;
  }
  frame.data = scratch.data();
  frame.size = total;
}

void gst_ts_filter_apply_objects(GstTsFilter *self, GstBuffer *buffer, const tsv::Result &result) {
  gst_ts_filter_apply_objects_full(self, buffer, result, nullptr);
}

void gst_ts_filter_apply_objects_full(GstTsFilter *self, GstBuffer *buffer, const tsv::Result &result,
                                      tsv::TrackTimes *tracks) {
  const GstVideoInfo *info = gst_ts_filter_get_video_info(self);
  tsv::objects_apply(buffer, result.objects, GST_VIDEO_INFO_WIDTH(info), GST_VIDEO_INFO_HEIGHT(info), tracks);
  tsv::frame_set_classifications(buffer, result.frame_classifications);
}

/* ---- frames in flight ------------------------------------------------------------------------
 * The streaming thread hands a frame to the runtime and returns to fetch the next one instead of
 * waiting; finished frames are pushed on in their original order. It waits only when max-inflight
 * frames are in progress (with max-inflight=1: for each frame), and drains every frame before a
 * serialized event (EOS, caps, segment…), so events never overtake the frames before them. */

/* Waits until the runtime is done with every frame in flight (cancel() answers them at once when
 * the element stops or flushes), then drops them. */
static void drop_pending(State &state) {
  std::unique_lock<std::mutex> lock(state.lock);
  state.wakeup.wait(lock, state.cond, [&] {
    for (auto &pd : state.pending)
      if (!pd->done)
        return false;
    return true;
  });
  for (auto &pd : state.pending)
    gst_buffer_unref(pd->buffer);
  state.pending.clear();
}

static GstFlowReturn gst_ts_filter_submit_input_buffer(GstBaseTransform *trans, gboolean is_discont, GstBuffer *input) {
  GstTsFilter *self = GST_TS_FILTER(trans);
  Private *p = priv(self);
  State &state = p->state;
  if (!state.instance || !state.have_info) {
    gst_buffer_unref(input);
    GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("No caps or runtime instance before the first buffer"), (nullptr));
    return GST_FLOW_NOT_NEGOTIATED;
  }
  auto pending = std::make_shared<Pending>();
  pending->submitted_us = g_get_monotonic_time();
  /* Metas are added when the result is in: the buffer must be writable (a shallow copy at most). */
  pending->buffer = gst_buffer_make_writable(input);
  tsv::Frame frame;
  /* Before mapping (which takes a reference): every object gets an ROI meta with a unique id. */
  frame.objects =
      tsv::objects_read_for_results(pending->buffer, GST_VIDEO_INFO_WIDTH(&state.info), GST_VIDEO_INFO_HEIGHT(&state.info));
  frame.classifications = tsv::frame_read_classifications(pending->buffer);
  frame.inference_skipped = tsv::frame_inference_skipped(pending->buffer);
  frame.past_objects = tsv::frame_read_past_objects(pending->buffer);
  frame.segmentation = tsv::frame_read_segmentation(pending->buffer);
  GstTsFilterClass *klass = GST_TS_FILTER_GET_CLASS(self);
  /* Mapping costs little, but handing the mapping to JavaScript does (an external ArrayBuffer made and
   * detached per frame): metadata-only elements skip it when nobody reads the pixels. */
  bool map = state.readable &&
             (klass->pixels == GST_TS_FILTER_READS_PIXELS || klass->prepare_frame || state.hook_module.load());
  if (map) {
    auto mapped = std::make_shared<MappedFrame>();
    if (!gst_video_frame_map(&mapped->vframe, &state.info, pending->buffer, GST_MAP_READ)) {
      mapped.reset(); /* nothing to unmap */
      gst_buffer_unref(pending->buffer);
      GST_ELEMENT_ERROR(self, STREAM, FAILED, ("Cannot map video frame %" G_GUINT64_FORMAT, state.frame_index), (nullptr));
      return GST_FLOW_ERROR;
    }
    describe_frame(mapped->scratch, &mapped->vframe, frame);
    /* The runtime owns the mapping now: it is undone when JavaScript is done with the frame. */
    frame.keepalive = std::move(mapped);
  } else {
    describe_unreadable_frame(&state.info, frame);
  }
  frame.index = state.frame_index++;
  frame.pts = GST_BUFFER_PTS_IS_VALID(pending->buffer) ? (int64_t)GST_BUFFER_PTS(pending->buffer) : -1;
  if (klass->prepare_frame)
    /* The buffer's own DISCONT flag (basetransform's is_discont stays set until a buffer is pushed, which with
     * max-inflight > 1 is after the next submit). */
    klass->prepare_frame(self, frame,
                                                 GST_BUFFER_IS_DISCONT(pending->buffer) || state.after_flush || frame.index == 0);
  state.after_flush = false;
  {
    std::lock_guard<std::mutex> lock(state.lock);
    state.pending.push_back(pending);
  }
  std::weak_ptr<Pending> weak = pending;
  State *st = &state;
  state.instance->process_async(frame, [st, weak](tsv::Result &&r) {
    {
      std::lock_guard<std::mutex> lock(st->lock);
      if (auto pd = weak.lock()) {
        pd->result = std::move(r);
        pd->done = true;
        pd->done_us = g_get_monotonic_time();
      }
    }
    /* After unlocking: the woken thread may run at once on this CPU and would block on the lock. */
    st->wakeup.signal();
    st->cond.notify_all();
  });
  return GST_FLOW_OK;
}

/* Takes the oldest frame if it is done, or waits for it when `wait` (or max-inflight is reached). */
static std::shared_ptr<Pending> take_finished(State &state, bool wait, GstFlowReturn *flow) {
  std::unique_lock<std::mutex> lock(state.lock);
  *flow = GST_FLOW_OK;
  if (state.pending.empty())
    return nullptr;
  bool must_wait = wait || state.pending.size() >= state.max_inflight;
  if (must_wait)
    state.wakeup.wait(lock, state.cond, [&] { return state.pending.front()->done || state.flushing; });
  if (state.flushing) {
    *flow = GST_FLOW_FLUSHING;
    return nullptr;
  }
  if (!state.pending.front()->done)
    return nullptr;
  auto pd = state.pending.front();
  state.pending.pop_front();
  state.waiting = state.pending.size();
  return pd;
}

/* Applies a finished frame's result; returns the buffer to push (nullptr on error). */
static GstBuffer *complete_pending(GstTsFilter *self, Pending &pd, GstFlowReturn *flow) {
  GstTsFilterClass *klass = GST_TS_FILTER_GET_CLASS(self);
  Private *p = priv(self);
  State &state = p->state;
  *flow = GST_FLOW_OK;
  if (!pd.result.ok && pd.result.cancelled) {
    p->stats->frame_dropped();
    gst_buffer_unref(pd.buffer);
    *flow = GST_FLOW_FLUSHING;
    return nullptr;
  }
  tsv::FrameFigures figures;
  /* The element's time for the frame: from its hand-over to its result (not the wait for the next frame). */
  figures.ms[tsv::PHASE_FRAME] = (double)(pd.done_us - pd.submitted_us) / 1000.0;
  figures.ms[tsv::PHASE_HOOK] = pd.result.hook_ms;
  figures.ms[tsv::PHASE_MODEL] = pd.result.model_ms;
  figures.ms[tsv::PHASE_PREPROCESS] = pd.result.preprocess_ms;
  figures.ms[tsv::PHASE_DECODE] = pd.result.decode_ms;
  /* A frame that goes on: counted, and the figures posted when stats-interval says so. */
  auto passed = [&] {
    p->stats->frame_done(figures);
    p->stats->set_waiting((uint32_t)state.waiting);
    if (state.instance)
      p->stats->set_restarts(state.instance->stats().restarts);
    p->stats->maybe_post(state.stats_interval);
  };
  if (!pd.result.ok && (pd.result.timed_out || pd.result.lost) && state.skip_hook_errors) {
    /* The frame goes on without results; the instance restarts (setup() again) on the next frame. */
    GST_ELEMENT_WARNING(self, LIBRARY, FAILED,
                        ("%s (hook-errors=skip: frame passed on without results; the hook restarts)",
                         RuntimeError(pd.result.error).message.c_str()),
                        (nullptr));
    passed();
    return pd.buffer;
  }
  if (!pd.result.ok) {
    state.failed = true;
    post_runtime_error(self, pd.result.error);
    gst_buffer_unref(pd.buffer);
    *flow = GST_FLOW_ERROR;
    return nullptr;
  }
  if (pd.result.inference_skipped)
    tsv::frame_mark_inference_skipped(pd.buffer, GST_OBJECT_NAME(self));
  if (!pd.result.skipped) {
    gint64 t0 = g_get_monotonic_time();
    klass->apply_result(self, pd.buffer, pd.result);
    figures.ms[tsv::PHASE_META] = (double)(g_get_monotonic_time() - t0) / 1000.0;
  }
  passed();
  return pd.buffer;
}

static GstFlowReturn gst_ts_filter_generate_output(GstBaseTransform *trans, GstBuffer **outbuf) {
  GstTsFilter *self = GST_TS_FILTER(trans);
  State &state = priv(self)->state;
  *outbuf = nullptr;
  if (state.failed) {
    drop_pending(state);
    return GST_FLOW_ERROR;
  }
  GstFlowReturn flow;
  auto pd = take_finished(state, false, &flow);
  if (!pd)
    return flow;
  *outbuf = complete_pending(self, *pd, &flow);
  return flow;
}

/* Pushes every frame in flight (waiting for each), in order. */
static GstFlowReturn drain(GstTsFilter *self) {
  State &state = priv(self)->state;
  GstFlowReturn flow = GST_FLOW_OK;
  if (state.failed) {
    drop_pending(state);
    return GST_FLOW_ERROR;
  }
  while (auto pd = take_finished(state, true, &flow)) {
    GstBuffer *out = complete_pending(self, *pd, &flow);
    if (!out)
      break;
    flow = gst_pad_push(GST_BASE_TRANSFORM_SRC_PAD(self), out);
    if (flow != GST_FLOW_OK)
      break;
  }
  if (flow != GST_FLOW_OK)
    drop_pending(state);
  return flow;
}

/* Wakes a streaming thread waiting for frames and answers the runtime calls in progress, so that
 * flushing and stopping never wait on JavaScript (a hook that hangs included). */
static void unblock(GstTsFilter *self) {
  State &state = priv(self)->state;
  {
    std::lock_guard<std::mutex> lock(state.lock);
    state.flushing = true;
    state.wakeup.signal();
    state.cond.notify_all();
  }
  if (state.instance)
    state.instance->cancel();
}

static gboolean gst_ts_filter_sink_event(GstBaseTransform *trans, GstEvent *event) {
  GstTsFilter *self = GST_TS_FILTER(trans);
  State &state = priv(self)->state;
  switch (GST_EVENT_TYPE(event)) {
  case GST_EVENT_FLUSH_START:
    unblock(self);
    break;
  case GST_EVENT_FLUSH_STOP:
    drop_pending(state);
    {
      std::lock_guard<std::mutex> lock(state.lock);
      state.flushing = false;
      state.failed = false;
    }
    state.after_flush = true;
    break;
  default:
    /* Serialized events (EOS, caps, segment, gap, …) must not overtake the frames before them. */
    if (GST_EVENT_IS_SERIALIZED(event))
      drain(self);
    break;
  }
  return GST_BASE_TRANSFORM_CLASS(gst_ts_filter_parent_class)->sink_event(trans, event);
}

static GstStateChangeReturn gst_ts_filter_change_state(GstElement *element, GstStateChange transition) {
  GstTsFilter *self = GST_TS_FILTER(element);
  /* Before the pads deactivate (which waits for the streaming thread to leave this element). */
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    unblock(self);
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
    std::lock_guard<std::mutex> lock(priv(self)->state.lock);
    priv(self)->state.flushing = false;
  }
  return GST_ELEMENT_CLASS(gst_ts_filter_parent_class)->change_state(element, transition);
}

/* Frames in flight add up to (max-inflight - 1) frame durations of latency. */
static gboolean gst_ts_filter_query(GstBaseTransform *trans, GstPadDirection direction, GstQuery *query) {
  GstTsFilter *self = GST_TS_FILTER(trans);
  State &state = priv(self)->state;
  gboolean ok = GST_BASE_TRANSFORM_CLASS(gst_ts_filter_parent_class)->query(trans, direction, query);
  if (ok && direction == GST_PAD_SRC && GST_QUERY_TYPE(query) == GST_QUERY_LATENCY && state.max_inflight > 1 &&
      state.have_info && GST_VIDEO_INFO_FPS_N(&state.info) > 0) {
    gboolean live;
    GstClockTime min, max;
    gst_query_parse_latency(query, &live, &min, &max);
    GstClockTime frame = gst_util_uint64_scale_int(GST_SECOND, GST_VIDEO_INFO_FPS_D(&state.info),
                                                   GST_VIDEO_INFO_FPS_N(&state.info));
    GstClockTime extra = frame * (state.max_inflight - 1);
    GST_DEBUG_OBJECT(self, "adding %" GST_TIME_FORMAT " of latency for %u frames in flight", GST_TIME_ARGS(extra),
                     state.max_inflight);
    gst_query_set_latency(query, live, min + extra, GST_CLOCK_TIME_IS_VALID(max) ? max + extra : max);
  }
  return ok;
}

static void gst_ts_filter_set_property(GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec) {
  GstTsFilter *self = GST_TS_FILTER(object);
  GstTsFilterClass *klass = GST_TS_FILTER_GET_CLASS(self);
  if (prop_id == 0 || prop_id > klass->n_settings) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    return;
  }
  Settings &settings = priv(self)->settings;
  bool module_changed = false;
  std::string reconfigure; /* the new config, when another setting that may change while playing did */
  {
    std::lock_guard<std::mutex> lock(settings.lock);
    const tsv::SettingSpec &spec = *klass->settings[prop_id - 1];
    tsv::SettingValue &v = settings_values(self)[prop_id - 1];
    const tsv::SettingValue before = v;
    tsv::setting_from_gvalue(spec, value, v);
    bool changed = settings.started && v != before;
    module_changed = changed && prop_id - 1 == tsv::generated::BASE_MODULE;
    if (changed && !module_changed && spec.mutable_playing)
      reconfigure = config_json(self);
  }
  if (module_changed)
    gst_ts_filter_module_changed(self);
  Private *p = priv(self);
  if (!reconfigure.empty() && p->state.instance) {
    GST_INFO_OBJECT(self, "%s changed while running", pspec->name);
    p->state.instance->configure(reconfigure);
  }
}

static void gst_ts_filter_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec) {
  GstTsFilter *self = GST_TS_FILTER(object);
  GstTsFilterClass *klass = GST_TS_FILTER_GET_CLASS(self);
  if (prop_id == 0 || prop_id > klass->n_settings) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    return;
  }
  std::lock_guard<std::mutex> lock(priv(self)->settings.lock);
  tsv::setting_to_gvalue(*klass->settings[prop_id - 1], settings_values(self)[prop_id - 1], value);
}

/* Appends `table` to the class's settings and installs them as properties (ids after the inherited ones). */
static void add_settings(GstTsFilterClass *klass, const tsv::SettingsTable &table) {
  /* GObject does not inherit these: each class that installs properties names them. */
  G_OBJECT_CLASS(klass)->set_property = gst_ts_filter_set_property;
  G_OBJECT_CLASS(klass)->get_property = gst_ts_filter_get_property;
  /* The inherited array is the parent class's: the class gets its own copy (kept for the process). */
  guint n = klass->n_settings + table.n;
  auto **all = g_new(const tsv::SettingSpec *, n);
  for (guint i = 0; i < klass->n_settings; i++)
    all[i] = klass->settings[i];
  for (guint i = 0; i < table.n; i++) {
    all[klass->n_settings + i] = &table.specs[i];
    g_object_class_install_property(G_OBJECT_CLASS(klass), klass->n_settings + i + 1,
                                    tsv::setting_param_spec(table.specs[i]));
  }
  klass->settings = all;
  klass->n_settings = n;
}

void gst_ts_filter_class_set_kind(GstTsFilterClass *klass, const char *kind, GstTsFilterPixels pixels) {
  klass->kind = kind;
  klass->pixels = pixels;
  GstElementClass *element_class = GST_ELEMENT_CLASS(klass);
  GstCaps *caps = gst_caps_from_string(pixels == GST_TS_FILTER_READS_PIXELS ? GST_VIDEO_CAPS_MAKE(TS_PIXEL_FORMATS)
                                                                           : "video/x-raw(ANY)");
  gst_element_class_add_pad_template(element_class, gst_pad_template_new("sink", GST_PAD_SINK, GST_PAD_ALWAYS, caps));
  gst_element_class_add_pad_template(element_class, gst_pad_template_new("src", GST_PAD_SRC, GST_PAD_ALWAYS, caps));
  gst_caps_unref(caps);
  for (const auto &e : tsv::generated::kElements) {
    if (strcmp(e.kind, kind) == 0) {
      add_settings(klass, *e.table);
      return;
    }
  }
  g_error("tsfilter: no settings declared for element kind %s (ts-runtime/src/settings)", kind);
}

static void gst_ts_filter_finalize(GObject *object) {
  delete priv(GST_TS_FILTER(object));
  G_OBJECT_CLASS(gst_ts_filter_parent_class)->finalize(object);
}

static void gst_ts_filter_class_init(GstTsFilterClass *klass) {
  GObjectClass *gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS(klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS(klass);

  gobject_class->finalize = gst_ts_filter_finalize;

  add_settings(klass, tsv::generated::kBase);


  element_class->change_state = GST_DEBUG_FUNCPTR(gst_ts_filter_change_state);
  trans_class->start = GST_DEBUG_FUNCPTR(gst_ts_filter_start);
  trans_class->stop = GST_DEBUG_FUNCPTR(gst_ts_filter_stop);
  trans_class->set_caps = GST_DEBUG_FUNCPTR(gst_ts_filter_set_caps);
  trans_class->submit_input_buffer = GST_DEBUG_FUNCPTR(gst_ts_filter_submit_input_buffer);
  trans_class->generate_output = GST_DEBUG_FUNCPTR(gst_ts_filter_generate_output);
  trans_class->sink_event = GST_DEBUG_FUNCPTR(gst_ts_filter_sink_event);
  trans_class->query = GST_DEBUG_FUNCPTR(gst_ts_filter_query);
  trans_class->passthrough_on_same_caps = FALSE;
  trans_class->transform_ip_on_passthrough = FALSE;
  klass->apply_result = gst_ts_filter_apply_objects;

  gst_type_mark_as_plugin_api(GST_TYPE_TS_FILTER, (GstPluginAPIFlags)0);
}

static void gst_ts_filter_init(GstTsFilter *self) {
  auto *pp = (GstTsFilterPrivate *)gst_ts_filter_get_instance_private(self);
  pp->p = new Private();
  gst_base_transform_set_in_place(GST_BASE_TRANSFORM(self), TRUE);
}
