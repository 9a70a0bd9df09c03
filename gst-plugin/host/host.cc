/* tsvision — the embedded Node.js host.
 *
 * One Node runtime per process, on its own thread, started by the first tsv_host_get() call.
 * Streaming threads hand frames over through a Node-API thread-safe function (a mutex-guarded
 * queue plus one uv_async wake-up) and sleep on a condition variable until JavaScript calls
 * back with the result; nothing spins. The JavaScript side (ts-runtime/src/host.ts, bundled to
 * runtime/tsvision-runtime.cjs) reaches this file through process._linkedBinding('tsvision_host'). */
#include "host-api.h"

#include <node.h>
#include <node_api.h>
#include <uv.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <mutex>
#include <pthread.h>
#include <sched.h>
#include <thread>
#include <unistd.h>

namespace tsv {
namespace {

/* ---- calls into JavaScript ------------------------------------------------------------ */

enum class Op { CREATE, PROCESS, DESTROY, SHUTDOWN };

struct Call {
  Op op;
  int instance_id = 0;
  /* CREATE */
  std::string kind, element_name, config_json;
  InstanceListener *listener = nullptr;
  /* PROCESS */
  Frame frame;
  napi_ref pixels = nullptr; /* the frame's external ArrayBuffer, detached on completion */
  /* completion: exactly one of these runs, on the runtime thread */
  std::function<void(Result &&)> done;
  Result result;
};

/* A blocking wrapper: the caller sleeps until `done` fires. */
struct Waiter {
  std::mutex mutex;
  std::condition_variable cond;
  bool finished = false;
  Result result;

  std::function<void(Result &&)> callback() {
    return [this](Result &&r) {
      std::lock_guard<std::mutex> lock(mutex);
      result = std::move(r);
      finished = true;
      cond.notify_one();
    };
  }
  Result wait() {
    std::unique_lock<std::mutex> lock(mutex);
    cond.wait(lock, [this] { return finished; });
    return std::move(result);
  }
};

/* The streaming thread's wait for a frame's result: it sleeps in read() on a pipe of its own,
 * and the runtime thread writes one byte when the result is in. A pipe write is a "synchronous"
 * wake-up for the scheduler (the waker is about to sleep), which keeps the two threads on one
 * CPU instead of paying a cross-CPU wake-up (~60 µs on a virtual machine) on each hand-off. */
class ThreadWaiter {
public:
  static ThreadWaiter &current() {
    thread_local ThreadWaiter waiter;
    return waiter;
  }
  bool ok() const { return fds_[0] >= 0; }
  std::function<void(Result &&)> callback() {
    return [this](Result &&r) {
      result_ = std::move(r);
      char c = 1;
      while (write(fds_[1], &c, 1) < 0 && errno == EINTR) {
      }
    };
  }
  Result wait() {
    char c;
    while (read(fds_[0], &c, 1) < 0 && errno == EINTR) {
    }
    return std::move(result_);
  }

private:
  ThreadWaiter() {
    if (pipe2(fds_, O_CLOEXEC) != 0)
      fds_[0] = fds_[1] = -1;
  }
  ~ThreadWaiter() {
    if (fds_[0] >= 0) {
      close(fds_[0]);
      close(fds_[1]);
    }
  }
  int fds_[2] = {-1, -1};
  Result result_;
};

Result failure(std::string message) {
  Result r;
  r.ok = false;
  r.error = std::move(message);
  return r;
}

/* ---- N-API helpers (runtime thread only) ---------------------------------------------- */

std::string describe_pending_exception(napi_env env) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending)
    return "unknown JavaScript error";
  napi_value exc, str;
  napi_get_and_clear_last_exception(env, &exc);
  napi_value stack;
  napi_valuetype t;
  napi_typeof(env, exc, &t);
  if (t == napi_object && napi_get_named_property(env, exc, "stack", &stack) == napi_ok) {
    napi_valuetype st;
    napi_typeof(env, stack, &st);
    if (st == napi_string)
      exc = stack;
  }
  if (napi_coerce_to_string(env, exc, &str) != napi_ok)
    return "unprintable JavaScript error";
  size_t len = 0;
  napi_get_value_string_utf8(env, str, nullptr, 0, &len);
  std::string out(len, '\0');
  napi_get_value_string_utf8(env, str, out.data(), len + 1, &len);
  return out;
}

std::string get_string(napi_env env, napi_value v) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_string)
    return {};
  size_t len = 0;
  napi_get_value_string_utf8(env, v, nullptr, 0, &len);
  std::string out(len, '\0');
  napi_get_value_string_utf8(env, v, out.data(), len + 1, &len);
  return out;
}

napi_value prop(napi_env env, napi_value obj, const char *name) {
  napi_value v = nullptr;
  if (napi_get_named_property(env, obj, name, &v) != napi_ok)
    return nullptr;
  return v;
}

bool is_type(napi_env env, napi_value v, napi_valuetype want) {
  napi_valuetype t;
  return v && napi_typeof(env, v, &t) == napi_ok && t == want;
}

double get_number(napi_env env, napi_value obj, const char *name, double fallback) {
  napi_value v = prop(env, obj, name);
  double d;
  if (is_type(env, v, napi_number) && napi_get_value_double(env, v, &d) == napi_ok)
    return d;
  return fallback;
}

bool get_bool(napi_env env, napi_value obj, const char *name, bool fallback) {
  napi_value v = prop(env, obj, name);
  bool b;
  if (is_type(env, v, napi_boolean) && napi_get_value_bool(env, v, &b) == napi_ok)
    return b;
  return fallback;
}

std::string get_string_prop(napi_env env, napi_value obj, const char *name) {
  napi_value v = prop(env, obj, name);
  return v ? get_string(env, v) : std::string();
}

uint32_t array_length(napi_env env, napi_value v) {
  bool is_array = false;
  uint32_t n = 0;
  if (v && napi_is_array(env, v, &is_array) == napi_ok && is_array)
    napi_get_array_length(env, v, &n);
  return n;
}

/* Calls fn(element) for each element of the array property `name` of `obj` that is an object. */
template <typename Fn> void for_each_object(napi_env env, napi_value obj, const char *name, Fn fn) {
  napi_value array = prop(env, obj, name);
  uint32_t n = array_length(env, array);
  for (uint32_t i = 0; i < n; i++) {
    napi_value e;
    napi_get_element(env, array, i, &e);
    if (is_type(env, e, napi_object))
      fn(e);
  }
}

void set_number(napi_env env, napi_value obj, const char *name, double d) {
  napi_value v;
  napi_create_double(env, d, &v);
  napi_set_named_property(env, obj, name, v);
}

void set_string(napi_env env, napi_value obj, const char *name, const std::string &s) {
  napi_value v;
  napi_create_string_utf8(env, s.data(), s.size(), &v);
  napi_set_named_property(env, obj, name, v);
}

Classification classification_from_js(napi_env env, napi_value c) {
  Classification out;
  out.attribute = get_string_prop(env, c, "attribute");
  out.label = get_string_prop(env, c, "label");
  out.class_id = (int)get_number(env, c, "classId", -1);
  out.confidence = get_number(env, c, "confidence", 0);
  napi_value emb = prop(env, c, "embedding");
  bool is_typed = false;
  if (emb && napi_is_typedarray(env, emb, &is_typed) == napi_ok && is_typed) {
    napi_typedarray_type type;
    size_t length;
    void *data;
    if (napi_get_typedarray_info(env, emb, &type, &length, &data, nullptr, nullptr) == napi_ok &&
        type == napi_float32_array)
      out.embedding.assign((float *)data, (float *)data + length);
  }
  return out;
}

Object object_from_js(napi_env env, napi_value d) {
  Object o;
  napi_value box = prop(env, d, "box");
  if (is_type(env, box, napi_object)) {
    o.box.x = get_number(env, box, "x", 0);
    o.box.y = get_number(env, box, "y", 0);
    o.box.width = get_number(env, box, "width", 0);
    o.box.height = get_number(env, box, "height", 0);
  }
  o.label = get_string_prop(env, d, "label");
  o.class_id = (int)get_number(env, d, "classId", -1);
  o.confidence = get_number(env, d, "confidence", 0);
  o.track_id = (int64_t)get_number(env, d, "trackId", -1);
  o.predicted = get_bool(env, d, "predicted", false);
  o.source_index = (int)get_number(env, d, "sourceIndex", -1);
  for_each_object(env, d, "classifications",
                  [&](napi_value c) { o.classifications.push_back(classification_from_js(env, c)); });
  return o;
}

napi_value classification_to_js(napi_env env, const Classification &c) {
  napi_value obj;
  napi_create_object(env, &obj);
  set_string(env, obj, "attribute", c.attribute);
  set_string(env, obj, "label", c.label);
  set_number(env, obj, "classId", c.class_id);
  set_number(env, obj, "confidence", c.confidence);
  if (!c.embedding.empty()) {
    napi_value ab, ta;
    void *data;
    napi_create_arraybuffer(env, c.embedding.size() * sizeof(float), &data, &ab);
    memcpy(data, c.embedding.data(), c.embedding.size() * sizeof(float));
    napi_create_typedarray(env, napi_float32_array, c.embedding.size(), ab, 0, &ta);
    napi_set_named_property(env, obj, "embedding", ta);
  }
  return obj;
}

napi_value object_to_js(napi_env env, const Object &o) {
  napi_value obj, box, v;
  napi_create_object(env, &obj);
  napi_create_object(env, &box);
  set_number(env, box, "x", o.box.x);
  set_number(env, box, "y", o.box.y);
  set_number(env, box, "width", o.box.width);
  set_number(env, box, "height", o.box.height);
  napi_set_named_property(env, obj, "box", box);
  set_string(env, obj, "label", o.label);
  set_number(env, obj, "classId", o.class_id);
  set_number(env, obj, "confidence", o.confidence);
  if (o.track_id >= 0)
    set_number(env, obj, "trackId", (double)o.track_id);
  else {
    napi_get_null(env, &v);
    napi_set_named_property(env, obj, "trackId", v);
  }
  if (o.predicted) {
    napi_get_boolean(env, true, &v);
    napi_set_named_property(env, obj, "predicted", v);
  }
  napi_value arr;
  napi_create_array_with_length(env, o.classifications.size(), &arr);
  for (size_t i = 0; i < o.classifications.size(); i++)
    napi_set_element(env, arr, i, classification_to_js(env, o.classifications[i]));
  napi_set_named_property(env, obj, "classifications", arr);
  return obj;
}

/* ---- the host ---------------------------------------------------------------------------- */

class HostImpl;
HostImpl *g_host = nullptr;

class InstanceImpl : public Instance {
public:
  InstanceImpl(HostImpl *host, int id) : host_(host), id_(id) {}
  ~InstanceImpl() override;
  Result process(const Frame &frame) override;
  void process_async(const Frame &frame, std::function<void(Result &&)> done) override;

private:
  HostImpl *host_;
  int id_;
};

class HostImpl : public Host {
public:
  explicit HostImpl(std::string runtime_dir) : runtime_dir_(std::move(runtime_dir)) {}

  bool start(std::string *error) {
    thread_ = std::thread([this] { run(); });
    std::unique_lock<std::mutex> lock(state_mutex_);
    state_cond_.wait(lock, [this] { return state_ != State::STARTING; });
    if (state_ != State::RUNNING) {
      *error = start_error_;
      lock.unlock();
      if (thread_.joinable())
        thread_.join();
      return false;
    }
    return true;
  }

  std::unique_ptr<Instance> create_instance(const std::string &kind, const std::string &element_name,
                                            const std::string &config_json, InstanceListener *listener,
                                            std::string *error) override {
    int id = next_instance_id_.fetch_add(1);
    auto call = new Call();
    call->op = Op::CREATE;
    call->instance_id = id;
    call->kind = kind;
    call->element_name = element_name;
    call->config_json = config_json;
    call->listener = listener;
    Waiter waiter;
    call->done = waiter.callback();
    submit(call);
    Result r = waiter.wait();
    if (!r.ok) {
      *error = r.error;
      return nullptr;
    }
    return std::make_unique<InstanceImpl>(this, id);
  }

  /* Hand-off latency: a wake-up of a thread sleeping on another, idle CPU costs ~60 µs each way
   * on a virtual machine (an IPI and a halted vCPU), a same-CPU switch ~5 µs. So the runtime
   * thread follows the CPU of the streaming thread that hands it a frame: while that thread
   * sleeps waiting for the result, the runtime thread runs where it was. TSVISION_CPU_FOLLOW=0
   * turns this off. */
  void follow_caller_cpu() {
    if (!cpu_follow_)
      return;
    int cpu = sched_getcpu();
    if (cpu < 0 || cpu == runtime_cpu_.load(std::memory_order_relaxed))
      return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (pthread_setaffinity_np(thread_.native_handle(), sizeof set, &set) == 0)
      runtime_cpu_.store(cpu, std::memory_order_relaxed);
  }

  /* Queues a call for the runtime thread. Takes ownership. */
  void submit(Call *call) {
    if (call->op == Op::PROCESS)
      follow_caller_cpu();
    std::lock_guard<std::mutex> lock(state_mutex_);
    if (state_ != State::RUNNING ||
        napi_call_threadsafe_function(tsfn_, call, napi_tsfn_blocking) != napi_ok) {
      auto done = std::move(call->done);
      delete call;
      done(failure("the tsvision runtime has stopped"));
    }
  }

  /* ---- binding entry points (runtime thread) ---- */

  static napi_value init_binding(napi_env env, napi_value exports) {
    g_host->env_ = env;
    napi_property_descriptor props[] = {
        {"start", nullptr, js_start, nullptr, nullptr, nullptr, napi_default, nullptr},
        {"startFailed", nullptr, js_start_failed, nullptr, nullptr, nullptr, napi_default, nullptr},
        {"complete", nullptr, js_complete, nullptr, nullptr, nullptr, napi_default, nullptr},
        {"postMessage", nullptr, js_post_message, nullptr, nullptr, nullptr, napi_default, nullptr},
        {"log", nullptr, js_log, nullptr, nullptr, nullptr, napi_default, nullptr},
    };
    napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
    return exports;
  }

  /* start(dispatch): dispatch(op, token, instanceId, payload) is how C++ calls JavaScript. */
  static napi_value js_start(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1];
    napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
    napi_value name;
    napi_create_string_utf8(env, "tsvision-dispatch", NAPI_AUTO_LENGTH, &name);
    HostImpl *h = g_host;
    napi_status st = napi_create_threadsafe_function(env, argv[0], nullptr, name, 0, 1, nullptr, nullptr,
                                                     h, call_js, &h->tsfn_);
    std::lock_guard<std::mutex> lock(h->state_mutex_);
    if (st != napi_ok) {
      h->start_error_ = "could not create the dispatch function";
      h->state_ = State::FAILED;
    } else {
      h->state_ = State::RUNNING;
    }
    h->state_cond_.notify_all();
    return nullptr;
  }

  static napi_value js_start_failed(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1];
    napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
    std::lock_guard<std::mutex> lock(g_host->state_mutex_);
    g_host->start_error_ = get_string(env, argv[0]);
    g_host->state_ = State::FAILED;
    g_host->state_cond_.notify_all();
    return nullptr;
  }

  /* complete(token, error: string | null, result) */
  static napi_value js_complete(napi_env env, napi_callback_info info) {
    size_t argc = 3;
    napi_value argv[3];
    napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
    int64_t token = 0;
    napi_get_value_int64(env, argv[0], &token);
    HostImpl *h = g_host;
    auto it = h->calls_.find(token);
    if (it == h->calls_.end())
      return nullptr;
    Call *call = it->second;
    h->calls_.erase(it);
    Result r;
    if (argc >= 2 && is_type(env, argv[1], napi_string)) {
      r = failure(get_string(env, argv[1]));
    } else if (argc >= 3 && is_type(env, argv[2], napi_object)) {
      r.skipped = get_bool(env, argv[2], "skipped", false);
      r.inference_skipped = get_bool(env, argv[2], "inferenceSkipped", false);
      for_each_object(env, argv[2], "objects", [&](napi_value d) { r.objects.push_back(object_from_js(env, d)); });
      for_each_object(env, argv[2], "frameClassifications",
                      [&](napi_value c) { r.frame_classifications.push_back(classification_from_js(env, c)); });
      for_each_object(env, argv[2], "pastObjects", [&](napi_value d) {
        PastObject p;
        p.object = object_from_js(env, d);
        p.frames_ago = (uint32_t)get_number(env, d, "framesAgo", 0);
        p.pts = (int64_t)get_number(env, d, "pts", -1);
        r.past_objects.push_back(std::move(p));
      });
    }
    h->finish(env, call, std::move(r));
    return nullptr;
  }

  /* postMessage(instanceId, name, fields) */
  static napi_value js_post_message(napi_env env, napi_callback_info info) {
    size_t argc = 3;
    napi_value argv[3];
    napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
    int32_t id = 0;
    napi_get_value_int32(env, argv[0], &id);
    auto it = g_host->listeners_.find(id);
    if (it == g_host->listeners_.end() || argc < 3)
      return nullptr;
    std::vector<MessageField> fields;
    napi_value keys;
    if (is_type(env, argv[2], napi_object) && napi_get_property_names(env, argv[2], &keys) == napi_ok) {
      uint32_t n = array_length(env, keys);
      for (uint32_t i = 0; i < n; i++) {
        napi_value k, v;
        napi_get_element(env, keys, i, &k);
        napi_get_property(env, argv[2], k, &v);
        MessageField f;
        f.name = get_string(env, k);
        napi_valuetype t;
        napi_typeof(env, v, &t);
        if (t == napi_number) {
          double d;
          napi_get_value_double(env, v, &d);
          if (d == (double)(int64_t)d && d > -9.0e15 && d < 9.0e15) {
            f.kind = MessageField::INT;
            f.i = (int64_t)d;
          } else {
            f.kind = MessageField::DOUBLE;
            f.d = d;
          }
        } else if (t == napi_boolean) {
          f.kind = MessageField::BOOLEAN;
          napi_get_value_bool(env, v, &f.b);
        } else {
          napi_value s;
          napi_coerce_to_string(env, v, &s);
          f.kind = MessageField::STRING;
          f.s = get_string(env, s);
        }
        fields.push_back(std::move(f));
      }
    }
    it->second->on_message(get_string(env, argv[1]), fields);
    return nullptr;
  }

  /* log(instanceId, level, message) */
  static napi_value js_log(napi_env env, napi_callback_info info) {
    size_t argc = 3;
    napi_value argv[3];
    napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
    int32_t id = 0, level = 4;
    napi_get_value_int32(env, argv[0], &id);
    napi_get_value_int32(env, argv[1], &level);
    auto it = g_host->listeners_.find(id);
    std::string message = get_string(env, argv[2]);
    if (it != g_host->listeners_.end())
      it->second->on_log((LogLevel)level, message);
    else if (level <= (int)LogLevel::WARNING)
      fprintf(stderr, "tsvision: %s\n", message.c_str());
    return nullptr;
  }

  /* The thread-safe function's callback: runs one queued Call on the runtime thread. */
  static void call_js(napi_env env, napi_value dispatch, void *context, void *data) {
    HostImpl *h = static_cast<HostImpl *>(context);
    Call *call = static_cast<Call *>(data);
    if (env == nullptr) { /* the runtime is going away */
      h->finish(nullptr, call, failure("the tsvision runtime has stopped"));
      return;
    }
    int64_t token = h->next_token_++;
    h->calls_[token] = call;
    napi_value args[4], op, payload = nullptr;
    const char *op_name = "process";
    switch (call->op) {
    case Op::CREATE:
      op_name = "create";
      h->listeners_[call->instance_id] = call->listener;
      napi_create_object(env, &payload);
      set_string(env, payload, "kind", call->kind);
      set_string(env, payload, "elementName", call->element_name);
      set_string(env, payload, "config", call->config_json);
      break;
    case Op::PROCESS:
      op_name = "process";
      payload = h->frame_to_js(env, call);
      break;
    case Op::DESTROY:
      op_name = "destroy";
      napi_get_undefined(env, &payload);
      break;
    case Op::SHUTDOWN:
      op_name = "shutdown";
      napi_get_undefined(env, &payload);
      break;
    }
    napi_create_string_utf8(env, op_name, NAPI_AUTO_LENGTH, &op);
    args[0] = op;
    napi_create_int64(env, token, &args[1]);
    napi_create_int32(env, call->instance_id, &args[2]);
    args[3] = payload;
    napi_value global, ret;
    napi_get_global(env, &global);
    if (napi_call_function(env, global, dispatch, 4, args, &ret) != napi_ok) {
      std::string message = describe_pending_exception(env);
      auto it = h->calls_.find(token);
      if (it != h->calls_.end()) {
        h->calls_.erase(it);
        h->finish(env, call, failure(message));
      }
    }
  }

  napi_value frame_to_js(napi_env env, Call *call) {
    const Frame &f = call->frame;
    napi_value obj, ab, data, planes;
    napi_create_object(env, &obj);
    set_number(env, obj, "index", (double)f.index);
    if (f.pts >= 0)
      set_number(env, obj, "pts", (double)f.pts);
    else {
      napi_value null_value;
      napi_get_null(env, &null_value);
      napi_set_named_property(env, obj, "pts", null_value);
    }
    set_number(env, obj, "width", f.width);
    set_number(env, obj, "height", f.height);
    set_string(env, obj, "format", f.format);
    napi_value colorimetry;
    napi_create_object(env, &colorimetry);
    set_string(env, colorimetry, "matrix", f.color_matrix == "bt709" ? "bt709" : "bt601");
    set_string(env, colorimetry, "range", f.full_range ? "full" : "limited");
    napi_set_named_property(env, obj, "colorimetry", colorimetry);
    /* Zero-copy: the buffer's mapped memory, detached as soon as the call completes. */
    if (napi_create_external_arraybuffer(env, (void *)f.data, f.size, nullptr, nullptr, &ab) == napi_ok) {
      napi_create_reference(env, ab, 1, &call->pixels);
      napi_create_typedarray(env, napi_uint8_array, f.size, ab, 0, &data);
      napi_set_named_property(env, obj, "data", data);
    }
    napi_create_array_with_length(env, f.n_planes, &planes);
    for (int i = 0; i < f.n_planes; i++) {
      napi_value p;
      napi_create_object(env, &p);
      set_number(env, p, "offset", (double)f.offsets[i]);
      set_number(env, p, "stride", f.strides[i]);
      napi_set_element(env, planes, i, p);
    }
    napi_set_named_property(env, obj, "planes", planes);
    napi_value dets;
    napi_create_array_with_length(env, f.objects.size(), &dets);
    for (size_t i = 0; i < f.objects.size(); i++)
      napi_set_element(env, dets, i, object_to_js(env, f.objects[i]));
    napi_set_named_property(env, obj, "detections", dets);
    napi_value classes;
    napi_create_array_with_length(env, f.classifications.size(), &classes);
    for (size_t i = 0; i < f.classifications.size(); i++)
      napi_set_element(env, classes, i, classification_to_js(env, f.classifications[i]));
    napi_set_named_property(env, obj, "classifications", classes);
    napi_value skipped;
    napi_get_boolean(env, f.inference_skipped, &skipped);
    napi_set_named_property(env, obj, "inferenceSkipped", skipped);
    return obj;
  }

  /* Completes a call (runtime thread): detaches its pixels, runs its callback, frees it. */
  void finish(napi_env env, Call *call, Result &&r) {
    if (call->pixels && env) {
      napi_value ab;
      if (napi_get_reference_value(env, call->pixels, &ab) == napi_ok && ab)
        napi_detach_arraybuffer(env, ab);
      napi_delete_reference(env, call->pixels);
    }
    if (call->op == Op::DESTROY)
      listeners_.erase(call->instance_id);
    if (call->op == Op::CREATE && !r.ok)
      listeners_.erase(call->instance_id);
    auto done = std::move(call->done);
    delete call;
    if (done)
      done(std::move(r));
  }

  /* Stops the runtime at process exit so no JavaScript runs while the process tears down. */
  void shutdown() {
    {
      std::lock_guard<std::mutex> lock(state_mutex_);
      if (state_ != State::RUNNING)
        return;
    }
    /* Let JavaScript release sessions and child processes, then stop the loop. */
    auto call = new Call();
    call->op = Op::SHUTDOWN;
    Waiter waiter;
    call->done = waiter.callback();
    submit(call);
    {
      std::unique_lock<std::mutex> lock(waiter.mutex);
      waiter.cond.wait_for(lock, std::chrono::seconds(2), [&] { return waiter.finished; });
    }
    {
      std::lock_guard<std::mutex> lock(state_mutex_);
      state_ = State::STOPPING;
      if (tsfn_)
        napi_release_threadsafe_function(tsfn_, napi_tsfn_abort);
    }
    if (node_env_)
      node::Stop(node_env_);
    /* Never hang the exit: give the thread a moment, then leave it. */
    std::unique_lock<std::mutex> lock(state_mutex_);
    if (state_cond_.wait_for(lock, std::chrono::seconds(3), [this] { return thread_finished_; })) {
      lock.unlock();
      thread_.join();
    } else {
      thread_.detach();
    }
  }

private:
  enum class State { STARTING, RUNNING, FAILED, STOPPING };

  void run() {
    std::string bundle = runtime_dir_ + "/runtime/tsvision-runtime.cjs";
    std::vector<std::string> args = {"tsvision", bundle};
    /* Leave signals and stdio to the host application (gst-launch handles SIGINT itself). */
    auto init = node::InitializeOncePerProcess(
        args, {node::ProcessInitializationFlags::kNoInitializeV8,
               node::ProcessInitializationFlags::kNoInitializeNodeV8Platform,
               node::ProcessInitializationFlags::kNoDefaultSignalHandling,
               node::ProcessInitializationFlags::kNoStdioInitialization,
               node::ProcessInitializationFlags::kDisableNodeOptionsEnv});
    if (init->early_return() || init->exit_code() != 0) {
      std::string msg = "Node.js failed to initialise:";
      for (auto &e : init->errors())
        msg += " " + e;
      fail_start(msg);
      return;
    }
    auto platform = node::MultiIsolatePlatform::Create(2);
    v8::V8::InitializePlatform(platform.get());
    v8::V8::Initialize();
    std::vector<std::string> errors;
    auto setup = node::CommonEnvironmentSetup::Create(platform.get(), &errors, init->args(),
                                                      init->exec_args(),
                                                      node::EnvironmentFlags::kNoFlags);
    if (!setup) {
      std::string msg = "could not create the Node.js environment:";
      for (auto &e : errors)
        msg += " " + e;
      fail_start(msg);
      return;
    }
    v8::Isolate *isolate = setup->isolate();
    node::Environment *env = setup->env();
    {
      v8::Locker locker(isolate);
      v8::Isolate::Scope isolate_scope(isolate);
      v8::HandleScope handle_scope(isolate);
      v8::Context::Scope context_scope(setup->context());
      node_env_ = env;
      node::AddLinkedBinding(env, "tsvision_host", init_binding, NAPI_VERSION);
      /* A hook calling process.exit() must not end the user's pipeline behind GStreamer's back. */
      node::SetProcessExitHandler(env, [](node::Environment *, int code) {
        fprintf(stderr, "tsvision: ignoring process.exit(%d) called from JavaScript\n", code);
      });
      std::string script =
          "const bundle = process.argv[1];\n"
          "const binding = process._linkedBinding('tsvision_host');\n"
          "try {\n"
          "  require('module').createRequire(bundle)(bundle);\n"
          "} catch (e) {\n"
          "  binding.startFailed('cannot load the tsvision runtime ' + bundle + ': ' + (e && e.stack || e));\n"
          "}\n";
      v8::MaybeLocal<v8::Value> ret = node::LoadEnvironment(env, script.c_str());
      if (ret.IsEmpty())
        fail_start("the tsvision runtime bootstrap threw");
      {
        std::lock_guard<std::mutex> lock(state_mutex_);
        if (state_ == State::STARTING) {
          start_error_ = "the tsvision runtime " + bundle + " did not start";
          state_ = State::FAILED;
          state_cond_.notify_all();
        }
      }
      if (state_ == State::RUNNING || state_ == State::STOPPING)
        node::SpinEventLoop(env).FromMaybe(1);
      node::Stop(env);
      node_env_ = nullptr;
    }
    {
      std::lock_guard<std::mutex> lock(state_mutex_);
      if (state_ != State::FAILED)
        state_ = State::STOPPING;
      thread_finished_ = true;
      state_cond_.notify_all();
    }
    /* The environment and V8 are left to the process exit: tearing V8 down here would race
     * with other libraries' exit handlers and buys nothing. */
    setup.release();
    platform.release();
  }

  void fail_start(const std::string &msg) {
    std::lock_guard<std::mutex> lock(state_mutex_);
    start_error_ = msg;
    state_ = State::FAILED;
    thread_finished_ = true;
    state_cond_.notify_all();
  }

  std::string runtime_dir_;
  std::thread thread_;
  std::mutex state_mutex_;
  std::condition_variable state_cond_;
  State state_ = State::STARTING;
  bool thread_finished_ = false;
  std::string start_error_;
  std::atomic<int> next_instance_id_{1};
  std::atomic<int> runtime_cpu_{-1};
  bool cpu_follow_ = getenv("TSVISION_CPU_FOLLOW") == nullptr || strcmp(getenv("TSVISION_CPU_FOLLOW"), "0") != 0;

  /* runtime thread only */
  napi_env env_ = nullptr;
  node::Environment *node_env_ = nullptr;
  napi_threadsafe_function tsfn_ = nullptr;
  int64_t next_token_ = 1;
  std::map<int64_t, Call *> calls_;
  std::map<int, InstanceListener *> listeners_;

  friend class InstanceImpl;
};

InstanceImpl::~InstanceImpl() {
  auto call = new Call();
  call->op = Op::DESTROY;
  call->instance_id = id_;
  Waiter waiter;
  call->done = waiter.callback();
  host_->submit(call);
  waiter.wait();
}

Result InstanceImpl::process(const Frame &frame) {
  ThreadWaiter &waiter = ThreadWaiter::current();
  if (!waiter.ok()) { /* out of file descriptors: fall back to a condition variable */
    Waiter fallback;
    process_async(frame, fallback.callback());
    return fallback.wait();
  }
  process_async(frame, waiter.callback());
  return waiter.wait();
}

void InstanceImpl::process_async(const Frame &frame, std::function<void(Result &&)> done) {
  auto call = new Call();
  call->op = Op::PROCESS;
  call->instance_id = id_;
  call->frame = frame;
  call->done = std::move(done);
  host_->submit(call);
}

std::mutex g_start_mutex;
std::string g_start_error;

void shutdown_at_exit() {
  if (g_host)
    g_host->shutdown();
}

} // namespace
} // namespace tsv

extern "C" __attribute__((visibility("default"))) tsv::Host *tsv_host_get(const char *runtime_dir,
                                                                          std::string *error) {
  using namespace tsv;
  std::lock_guard<std::mutex> lock(g_start_mutex);
  if (g_host)
    return g_host;
  if (!g_start_error.empty()) { /* Node cannot be initialised twice in one process */
    *error = g_start_error;
    return nullptr;
  }
  auto host = new HostImpl(runtime_dir);
  g_host = host;
  if (!host->start(error)) {
    g_start_error = *error;
    g_host = nullptr;
    return nullptr;
  }
  atexit(shutdown_at_exit);
  return g_host;
}
