#include "runtime.h"

#include <node.h>
#include <uv.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <pthread.h>
#include <sched.h>

#include "marshal.h"

namespace tsv {

const char *const HOOK_NAMES[] = {"",        "setup",  "filter",  "detect",   "postprocess",
                                  "update",  "onEvent", "teardown", "classify", "preprocess", "rules"};
const int N_HOOK_NAMES = sizeof(HOOK_NAMES) / sizeof(HOOK_NAMES[0]);

namespace {

std::mutex g_init_mutex;
bool g_initialised = false;
std::string g_init_error;
std::vector<std::string> g_args, g_exec_args;
node::MultiIsolatePlatform *g_platform = nullptr;

/* The CPUs the process may run on (a runtime thread that followed a caller goes back to these). */
cpu_set_t g_all_cpus;

/* The runtime whose thread this is: each runtime thread runs exactly one environment. */
thread_local Runtime *t_runtime = nullptr;

} // namespace

bool node_process_init(std::string *error) {
  std::lock_guard<std::mutex> lock(g_init_mutex);
  if (g_initialised)
    return true;
  if (!g_init_error.empty()) { /* Node cannot be initialised twice in one process */
    *error = g_init_error;
    return false;
  }
  /* Leave signals and stdio to the host application (gst-launch handles SIGINT itself). */
  auto init = node::InitializeOncePerProcess(
      {"tsvision"}, {node::ProcessInitializationFlags::kNoInitializeV8,
                     node::ProcessInitializationFlags::kNoInitializeNodeV8Platform,
                     node::ProcessInitializationFlags::kNoDefaultSignalHandling,
                     node::ProcessInitializationFlags::kNoStdioInitialization,
                     node::ProcessInitializationFlags::kDisableNodeOptionsEnv});
  if (init->early_return() || init->exit_code() != 0) {
    g_init_error = "Node.js failed to initialise:";
    for (auto &e : init->errors())
      g_init_error += " " + e;
    *error = g_init_error;
    return false;
  }
  if (sched_getaffinity(0, sizeof g_all_cpus, &g_all_cpus) != 0) {
    CPU_ZERO(&g_all_cpus);
    for (int i = 0; i < CPU_SETSIZE; i++)
      CPU_SET(i, &g_all_cpus);
  }
  g_args = init->args();
  g_exec_args = init->exec_args();
  /* For profiling and debugging the runtimes, e.g. TSVISION_V8_FLAGS=--perf-basic-prof (NODE_OPTIONS
   * is ignored: the host application's environment is not meant for its embedded runtime). */
  if (const char *flags = getenv("TSVISION_V8_FLAGS"))
    v8::V8::SetFlagsFromString(flags);
  /* V8's background threads (GC, compilation) are shared by every isolate. */
  int workers = std::clamp((int)std::thread::hardware_concurrency(), 2, 4);
  g_platform = node::MultiIsolatePlatform::Create(workers).release();
  v8::V8::InitializePlatform(g_platform);
  v8::V8::Initialize();
  g_initialised = true;
  return true;
}

Runtime::Runtime(int id, std::string runtime_dir, RuntimeOwner *owner)
    : id_(id), runtime_dir_(std::move(runtime_dir)), owner_(owner) {}

Runtime::~Runtime() {
  terminate();
  if (thread_.joinable() && thread_.get_id() == std::this_thread::get_id()) {
    thread_.detach();
    return;
  }
  if (!join(std::chrono::milliseconds(2000)) && thread_.joinable())
    thread_.detach(); /* never hang: a runtime that does not stop is left to the process exit */
}

bool Runtime::start(std::string *error) {
  thread_ = std::thread([this] { run(); });
  std::unique_lock<std::mutex> lock(mutex_);
  cond_.wait(lock, [this] { return state_ != State::STARTING; });
  if (state_ != State::RUNNING) {
    *error = start_error_;
    return false;
  }
  return true;
}

void Runtime::finish_start(bool ok, const std::string &error) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (state_ != State::STARTING)
    return;
  state_ = ok ? State::RUNNING : State::FAILED;
  start_error_ = error;
  cond_.notify_all();
}

/* Hand-off latency: a wake-up of a thread sleeping on another, idle CPU costs ~60 µs each way
 * on a virtual machine (an IPI and a halted vCPU), a same-CPU switch ~5 µs. So the runtime
 * thread follows the CPU of the streaming thread that hands it a frame: while that thread
 * sleeps waiting for the result, the runtime thread runs where it was. Each runtime follows its
 * own caller, so two streams still use two CPUs. TSVISION_CPU_FOLLOW=0 turns this off. */
void Runtime::follow_caller_cpu() {
  static const bool enabled = !getenv("TSVISION_CPU_FOLLOW") || strcmp(getenv("TSVISION_CPU_FOLLOW"), "0") != 0;
  if (!enabled)
    return;
  /* Frames that take milliseconds (a model run) gain nothing from a cheaper hand-off and lose when the
   * scheduler cannot move this thread — it is one of onnxruntime's intra-op threads during a run —
   * next to the others: then the runtime runs where the scheduler puts it. */
  if (heavy_.load(std::memory_order_relaxed)) {
    if (cpu_.load(std::memory_order_relaxed) >= 0 &&
        pthread_setaffinity_np(thread_.native_handle(), sizeof g_all_cpus, &g_all_cpus) == 0)
      cpu_.store(-1, std::memory_order_relaxed);
    return;
  }
  int cpu = sched_getcpu();
  if (cpu < 0 || cpu == cpu_.load(std::memory_order_relaxed))
    return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (pthread_setaffinity_np(thread_.native_handle(), sizeof set, &set) == 0)
    cpu_.store(cpu, std::memory_order_relaxed);
}

bool Runtime::submit(std::shared_ptr<Call> call) {
  if (call->op == Op::PROCESS)
    follow_caller_cpu();
  std::lock_guard<std::mutex> lock(mutex_);
  if (state_ != State::RUNNING || stopped_)
    return false;
  auto *boxed = new std::shared_ptr<Call>(std::move(call));
  js_pending_++;
  if (napi_call_threadsafe_function(tsfn_, boxed, napi_tsfn_nonblocking) != napi_ok) {
    js_pending_--;
    delete boxed;
    return false;
  }
  return true;
}

void Runtime::terminate() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (stopped_.exchange(true))
    return;
  if (state_ == State::RUNNING && tsfn_)
    napi_release_threadsafe_function(tsfn_, napi_tsfn_abort);
  if (node_env_)
    node::Stop(node_env_);
}

bool Runtime::join(std::chrono::milliseconds grace) {
  if (!thread_.joinable())
    return true;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!cond_.wait_for(lock, grace, [this] { return thread_done_; }))
      return false;
  }
  thread_.join();
  return true;
}

int Runtime::running_hook(int instance_id) const {
  int code = __atomic_load_n(&hook_slots_[instance_id % N_SLOTS], __ATOMIC_RELAXED);
  return code >= 0 && code < N_HOOK_NAMES ? code : 0;
}

void Runtime::run() {
  t_runtime = this;
  char name[16];
  snprintf(name, sizeof name, "tsv-runtime-%d", id_);
  pthread_setname_np(pthread_self(), name);
  std::string bundle = runtime_dir_ + "/runtime/tsvision-runtime.cjs";
  std::vector<std::string> args = g_args;
  args.resize(1);
  args.push_back(bundle);
  std::vector<std::string> errors;
  auto setup = node::CommonEnvironmentSetup::Create(g_platform, &errors, args, g_exec_args,
                                                    node::EnvironmentFlags::kNoFlags);
  if (!setup) {
    std::string msg = "could not create a Node.js environment:";
    for (auto &e : errors)
      msg += " " + e;
    finish_start(false, msg);
  } else {
    v8::Isolate *isolate = setup->isolate();
    node::Environment *env = setup->env();
    {
      v8::Locker locker(isolate);
      v8::Isolate::Scope isolate_scope(isolate);
      v8::HandleScope handle_scope(isolate);
      v8::Context::Scope context_scope(setup->context());
      node::AddLinkedBinding(env, "tsvision_host", init_binding, NAPI_VERSION);
      /* A hook calling process.exit() must not end the user's pipeline behind GStreamer's back. */
      node::SetProcessExitHandler(env, [](node::Environment *, int code) {
        fprintf(stderr, "tsvision: ignoring process.exit(%d) called from JavaScript\n", code);
      });
      {
        std::lock_guard<std::mutex> lock(mutex_);
        node_env_ = env;
      }
      std::string script =
          "const bundle = process.argv[1];\n"
          "const binding = process._linkedBinding('tsvision_host');\n"
          "try {\n"
          "  require('module').createRequire(bundle)(bundle);\n"
          "} catch (e) {\n"
          "  binding.startFailed('cannot load the tsvision runtime ' + bundle + ': ' + (e && e.stack || e));\n"
          "}\n";
      if (!stopped_ && node::LoadEnvironment(env, script.c_str()).IsEmpty())
        finish_start(false, "the tsvision runtime bootstrap threw");
      finish_start(false, "the tsvision runtime " + bundle + " did not start");
      if (state_ == State::RUNNING && !stopped_)
        node::SpinEventLoop(env).FromMaybe(1);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        stopped_ = true;
        node_env_ = nullptr;
        if (state_ == State::RUNNING)
          state_ = State::STOPPED;
      }
      node::Stop(env);
      /* JavaScript is over: every call it still held will never be answered. */
      for (auto &entry : in_flight_)
        owner_->abandoned(entry.second.call, "the tsvision runtime stopped");
      in_flight_.clear();
      js_pending_ = 0;
      owner_->runtime_stopped(this);
    }
    /* Frees the isolate and the environment (the runtime may be one of many over the process's life). */
    setup.reset();
  }
  std::lock_guard<std::mutex> lock(mutex_);
  stopped_ = true;
  thread_done_ = true;
  cond_.notify_all();
}

/* ---- binding entry points (runtime thread) ------------------------------------------------ */

/* Detaches a call's zero-copy pixel ArrayBuffer and lets go of the frame's memory. */
void Runtime::release_pixels(napi_env env, InFlight *entry) {
  if (entry->pixels) {
    napi_value ab;
    if (napi_get_reference_value(env, entry->pixels, &ab) == napi_ok && ab)
      napi_detach_arraybuffer(env, ab);
    napi_delete_reference(env, entry->pixels);
    entry->pixels = nullptr;
  }
  entry->call->frame.keepalive.reset();
}

napi_value Runtime::init_binding(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"start", nullptr, js_start, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"startFailed", nullptr, js_start_failed, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"complete", nullptr, js_complete, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"postMessage", nullptr, js_post_message, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"log", nullptr, js_log, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"console", nullptr, js_console, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  /* hookSlots: Int32Array over this runtime's slots (instance id % length → running hook). */
  Runtime *rt = t_runtime;
  napi_value ab, slots;
  napi_create_external_arraybuffer(env, rt->hook_slots_, sizeof rt->hook_slots_, nullptr, nullptr, &ab);
  napi_create_typedarray(env, napi_int32_array, N_SLOTS, ab, 0, &slots);
  napi_set_named_property(env, exports, "hookSlots", slots);
  return exports;
}

/* start(dispatch): dispatch(op, token, instanceId, payload) is how C++ calls JavaScript. */
napi_value Runtime::js_start(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  napi_value name;
  napi_create_string_utf8(env, "tsvision-dispatch", NAPI_AUTO_LENGTH, &name);
  Runtime *rt = t_runtime;
  napi_status st = napi_create_threadsafe_function(env, argv[0], nullptr, name, 0, 1, nullptr, nullptr, rt,
                                                   call_js, &rt->tsfn_);
  rt->finish_start(st == napi_ok, "could not create the dispatch function");
  return nullptr;
}

napi_value Runtime::js_start_failed(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  t_runtime->finish_start(false, get_string(env, argv[0]));
  return nullptr;
}

/* complete(token, error: string | null, result) */
napi_value Runtime::js_complete(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int64_t token = 0;
  napi_get_value_int64(env, argv[0], &token);
  Runtime *rt = t_runtime;
  auto it = rt->in_flight_.find(token);
  if (it == rt->in_flight_.end())
    return nullptr;
  InFlight entry = std::move(it->second);
  rt->in_flight_.erase(it);
  rt->js_pending_--;
  if (entry.call->op == Op::PROCESS) {
    /* How long frames take in JavaScript (a moving average), for follow_caller_cpu(). */
    double ms = std::chrono::duration<double, std::milli>(Clock::now() - entry.dispatched).count();
    rt->frame_ms_ = rt->frame_ms_ * 0.8 + ms * 0.2;
    rt->heavy_.store(rt->frame_ms_ > HEAVY_FRAME_MS, std::memory_order_relaxed);
  }
  /* JavaScript is done with the frame: its pixels go before the element sees the result, so the
   * element pushes a buffer nobody else holds (downstream in-place elements need not copy it). */
  release_pixels(env, &entry);
  std::string error;
  bool failed = argc >= 2 && is_type(env, argv[1], napi_string);
  if (failed)
    error = get_string(env, argv[1]);
  rt->owner_->completed(entry.call, env, failed ? &error : nullptr, argc >= 3 ? argv[2] : nullptr);
  return nullptr;
}

/* postMessage(instanceId, name, fields): fields {name: value} or [name, value, …] (fields_from_js) */
napi_value Runtime::js_post_message(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 3)
    return nullptr;
  int32_t id = 0;
  napi_get_value_int32(env, argv[0], &id);
  t_runtime->owner_->post_message(id, get_string(env, argv[1]), fields_from_js(env, argv[2]));
  return nullptr;
}

/* log(instanceId, level, message) and console(instanceId, level, text) */
static void read_log_args(napi_env env, napi_callback_info info, int32_t *id, int32_t *level, std::string *text) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  *level = (int)LogLevel::INFO;
  napi_get_value_int32(env, argv[0], id);
  napi_get_value_int32(env, argv[1], level);
  *text = get_string(env, argv[2]);
}

napi_value Runtime::js_log(napi_env env, napi_callback_info info) {
  int32_t id = 0, level;
  std::string message;
  read_log_args(env, info, &id, &level, &message);
  t_runtime->owner_->log(id, (LogLevel)level, message);
  return nullptr;
}

napi_value Runtime::js_console(napi_env env, napi_callback_info info) {
  int32_t id = 0, level;
  std::string text;
  read_log_args(env, info, &id, &level, &text);
  t_runtime->owner_->console(id, (LogLevel)level, text);
  return nullptr;
}

/* The thread-safe function's callback: runs one queued Call on the runtime thread. */
void Runtime::call_js(napi_env env, napi_value dispatch, void *context, void *data) {
  Runtime *rt = static_cast<Runtime *>(context);
  std::unique_ptr<std::shared_ptr<Call>> boxed(static_cast<std::shared_ptr<Call> *>(data));
  if (env == nullptr || rt->stopped_) { /* the runtime is going away */
    rt->js_pending_--;
    rt->owner_->abandoned(*boxed, "the tsvision runtime stopped");
    return;
  }
  rt->dispatch_call(env, dispatch, std::move(*boxed));
}

void Runtime::dispatch_call(napi_env env, napi_value dispatch, std::shared_ptr<Call> call) {
  napi_value args[4], payload = nullptr;
  const char *op_name = "process";
  InFlight &entry = in_flight_[call->token];
  entry.call = call;
  entry.dispatched = Clock::now();
  switch (call->op) {
  case Op::CREATE:
    op_name = "create";
    pthread_setname_np(pthread_self(), ("tsv:" + call->element_name).substr(0, 15).c_str());
    /* Threads started while creating the instance (onnxruntime's pool) inherit this thread's affinity:
     * a runtime reused after following another caller's CPU must not pin them all to that CPU. */
    if (cpu_.load() >= 0) {
      pthread_setaffinity_np(pthread_self(), sizeof g_all_cpus, &g_all_cpus);
      cpu_ = -1;
    }
    napi_create_object(env, &payload);
    set_string(env, payload, "kind", call->kind);
    set_string(env, payload, "elementName", call->element_name);
    set_string(env, payload, "config", call->config_json);
    set_number(env, payload, "hookSlot", call->instance_id % N_SLOTS);
    break;
  case Op::PROCESS:
    payload = frame_to_js(env, call->frame, &entry.pixels);
    break;
  case Op::SET_MODULE:
    op_name = "setModule";
    napi_create_string_utf8(env, call->module.data(), call->module.size(), &payload);
    break;
  case Op::CONFIGURE:
    op_name = "configure";
    napi_create_string_utf8(env, call->config_json.data(), call->config_json.size(), &payload);
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
  napi_create_string_utf8(env, op_name, NAPI_AUTO_LENGTH, &args[0]);
  napi_create_int64(env, call->token, &args[1]);
  napi_create_int32(env, call->instance_id, &args[2]);
  args[3] = payload;
  napi_value global, ret;
  napi_get_global(env, &global);
  if (napi_call_function(env, global, dispatch, 4, args, &ret) != napi_ok) {
    std::string message = describe_pending_exception(env);
    auto it = in_flight_.find(call->token);
    if (it != in_flight_.end()) {
      release_pixels(env, &it->second);
      in_flight_.erase(it);
      js_pending_--;
      std::string error = "INTERNAL\n" + message + "\n";
      owner_->completed(call, env, &error, nullptr);
    }
  }
}

} // namespace tsv
