/* tsvision — a runtime: one Node.js environment (its own V8 isolate, event loop and thread).
 *
 * Element instances run in runtimes of their own, so the JavaScript of different elements runs
 * on different cores; instances sharing a model (model-instance-id) share one runtime and so
 * one onnxruntime session. Streaming threads hand calls to a runtime through a Node-API
 * thread-safe function (a mutex-guarded queue plus one uv_async wake-up); JavaScript answers
 * each with binding.complete() on the runtime thread. A runtime can be stopped from any thread
 * (node::Stop: V8 TerminateExecution + loop stop), which ends even a hook stuck in `for (;;) {}`. */
#pragma once

#include <node_api.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "host-api.h"

namespace node {
class Environment;
}

namespace tsv {

using Clock = std::chrono::steady_clock;

enum class Op { CREATE, PROCESS, DESTROY, SET_MODULE, CONFIGURE, SHUTDOWN };

/* One request to JavaScript. Shared by the host's table of open calls (whoever takes it from
 * there answers it: the runtime's result, the watchdog or a cancel) and the runtime (which keeps
 * it, and so the frame's memory, until JavaScript is done with it). */
class Runtime;

struct Call {
  Op op = Op::PROCESS;
  std::weak_ptr<Runtime> runtime;
  int64_t token = 0;
  int instance_id = 0;
  std::string kind, element_name, config_json, module; /* CREATE, CONFIGURE: config_json; SET_MODULE: module */
  Frame frame;                                         /* PROCESS */
  Clock::time_point submitted;
  Clock::time_point deadline = Clock::time_point::max();
  bool interrupted = false; /* ended by the watchdog on SIGINT (host.cc) */
  std::function<void(Result &&)> done;
};

/* Hooks whose name JavaScript writes into the instance's status slot while they run (keep in step
 * with HOOK_NAMES in ts-runtime/src/element.ts). */
extern const char *const HOOK_NAMES[];
extern const int N_HOOK_NAMES;

/* What runtimes report to the host (called on the runtime thread). */
class RuntimeOwner {
public:
  virtual ~RuntimeOwner() = default;
  /* JavaScript answered `call`: error is "CODE\nmessage\ndetails" or empty; `result` is valid during the call. */
  virtual void completed(const std::shared_ptr<Call> &call, napi_env env, const std::string *error, napi_value result) = 0;
  /* The runtime stopped: `call` (still in its queue or in JavaScript) will never be answered. */
  virtual void abandoned(const std::shared_ptr<Call> &call, const std::string &why) = 0;
  /* The runtime's JavaScript has ended: calls still queued for it will never be answered by it. */
  virtual void runtime_stopped(Runtime *runtime) = 0;
  virtual void post_message(int instance_id, const std::string &name, std::vector<MessageField> &&fields) = 0;
  virtual void log(int instance_id, LogLevel level, const std::string &message) = 0;
  virtual void console(int instance_id, LogLevel level, const std::string &text) = 0;
};

class Runtime {
public:
  Runtime(int id, std::string runtime_dir, RuntimeOwner *owner);
  ~Runtime();
  /* Starts the thread and waits until JavaScript is ready. */
  bool start(std::string *error);
  /* Queues a call; false when the runtime has stopped (the call was not taken). */
  bool submit(std::shared_ptr<Call> call);
  /* Stops JavaScript now, from any thread; calls not answered are abandoned. Returns at once. */
  void terminate();
  /* Waits up to `grace` for the thread to end after terminate() or shutdown; true when it did. */
  bool join(std::chrono::milliseconds grace);
  bool stopped() const { return stopped_.load(); }
  /* Calls handed to JavaScript and not answered by it yet (answered early by the host included). */
  int js_pending() const { return js_pending_.load(); }
  int id() const { return id_; }
  /* The slot JavaScript writes the running hook of instance `instance_id` into. */
  int running_hook(int instance_id) const;
  /* Instances living in this runtime (host bookkeeping, under the host's lock). */
  int instances = 0;

private:
  void run();
  void follow_caller_cpu();
  void finish_start(bool ok, const std::string &error);
  static napi_value init_binding(napi_env env, napi_value exports);
  static napi_value js_start(napi_env env, napi_callback_info info);
  static napi_value js_start_failed(napi_env env, napi_callback_info info);
  static napi_value js_complete(napi_env env, napi_callback_info info);
  static napi_value js_post_message(napi_env env, napi_callback_info info);
  static napi_value js_log(napi_env env, napi_callback_info info);
  static napi_value js_console(napi_env env, napi_callback_info info);
  static void call_js(napi_env env, napi_value dispatch, void *context, void *data);
  void dispatch_call(napi_env env, napi_value dispatch, std::shared_ptr<Call> call);

  const int id_;
  const std::string runtime_dir_;
  RuntimeOwner *const owner_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable cond_;
  enum class State { STARTING, RUNNING, FAILED, STOPPED } state_ = State::STARTING;
  std::string start_error_;
  bool thread_done_ = false;
  std::atomic<bool> stopped_{false};
  node::Environment *node_env_ = nullptr; /* guarded by mutex_ for terminate() */
  napi_threadsafe_function tsfn_ = nullptr;
  std::atomic<int> cpu_{-1};
  std::atomic<int> js_pending_{0};
  static constexpr int N_SLOTS = 256;
  int32_t hook_slots_[N_SLOTS] = {};

  /* runtime thread only: calls handed to JavaScript and not answered yet, with their pixels */
  struct InFlight {
    std::shared_ptr<Call> call;
    napi_ref pixels = nullptr;
    Clock::time_point dispatched;
  };
  /* Frames above this (moving average, in JavaScript) are "heavy": the runtime stops following its caller's CPU. */
  static constexpr double HEAVY_FRAME_MS = 1.0;
  double frame_ms_ = 0; /* runtime thread only */
  std::atomic<bool> heavy_{false};
  std::map<int64_t, InFlight> in_flight_;
  static void release_pixels(napi_env env, InFlight *entry);
};

/* Initialises Node.js and V8 once per process (the first runtime does it). */
bool node_process_init(std::string *error);

} // namespace tsv
