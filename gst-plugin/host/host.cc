/* tsvision — the embedded Node.js host: element instances, their runtimes, and the watchdog.
 *
 * Each element instance lives in a runtime (runtime.h: a Node environment on its own thread);
 * instances with the same group (model-instance-id) share one. Every call to JavaScript is
 * entered in one table of open calls; exactly one party takes it out and answers it: the runtime
 * when JavaScript completes it, the watchdog when it runs past its deadline (then the runtime is
 * stopped — the only way to end `for (;;) {}` — and the instance is created again on its next
 * call), or the element when it cancels (state change, flush). JavaScript's own answer to a call
 * answered early is dropped; the frame it refers to stays alive until then (Frame::keepalive).
 *
 * Calls are asynchronous: an element waits for its frames on a pipe of its own (gsttsfilter.cc). */
#include "host-api.h"

#include <node_api.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>
#include <unistd.h>
#include <vector>

#include "marshal.h"
#include "runtime.h"

namespace tsv {
namespace {

Result failure(std::string error) {
  Result r;
  r.ok = false;
  r.error = std::move(error);
  return r;
}

/* A blocking wait for a call's answer on a condition variable (control calls: create, destroy). */
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

/* Delivers an instance's messages and logs while the instance exists (recursive: a listener may
 * destroy its own instance from a bus sync handler). */
struct ListenerGuard {
  std::recursive_mutex mutex;
  InstanceListener *listener = nullptr;
};

/* Writes a hook's console line(s) with the element's name in front, one write() per message
 * (so lines of different elements never interleave mid-line). */
void write_console(const std::string &element, LogLevel level, const std::string &text) {
  static std::mutex mutex;
  std::string out;
  size_t start = 0;
  do {
    size_t end = text.find('\n', start);
    out += element + ": " + text.substr(start, end == std::string::npos ? std::string::npos : end - start) + "\n";
    start = end == std::string::npos ? std::string::npos : end + 1;
  } while (start != std::string::npos && start < text.size());
  int fd = level <= LogLevel::WARNING ? 2 : 1;
  std::lock_guard<std::mutex> lock(mutex);
  const char *p = out.data();
  size_t left = out.size();
  while (left > 0) {
    ssize_t n = write(fd, p, left);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    p += n;
    left -= (size_t)n;
  }
}

/* ---- interrupts ------------------------------------------------------------------------------
 * A hook that hangs holds its streaming thread, so gst-launch-1.0 -e's EOS after Ctrl-C never
 * reaches the end of the pipeline. While a call has run for more than LONG_CALL, the watchdog
 * chains a SIGINT handler in front of the application's (it counts the interrupt and calls the
 * previous handler, which still does what the application wants); an interrupt then ends the
 * long calls as a hook-timeout would. */
constexpr auto LONG_CALL = std::chrono::milliseconds(1000);
struct sigaction g_previous_sigint;
std::atomic<unsigned> g_interrupts{0};

void on_sigint(int sig, siginfo_t *info, void *context) {
  g_interrupts.fetch_add(1);
  const struct sigaction &prev = g_previous_sigint;
  if (prev.sa_flags & SA_SIGINFO) {
    if (prev.sa_sigaction)
      prev.sa_sigaction(sig, info, context);
  } else if (prev.sa_handler == SIG_DFL) {
    signal(SIGINT, SIG_DFL);
    raise(SIGINT);
  } else if (prev.sa_handler != SIG_IGN && prev.sa_handler) {
    prev.sa_handler(sig);
  }
}

/* Puts on_sigint in front of whatever handles SIGINT now (again, if the application replaced it). */
void chain_sigint() {
  struct sigaction current;
  if (sigaction(SIGINT, nullptr, &current) != 0)
    return;
  if ((current.sa_flags & SA_SIGINFO) && current.sa_sigaction == on_sigint)
    return;
  g_previous_sigint = current;
  struct sigaction ours = {};
  ours.sa_sigaction = on_sigint;
  ours.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&ours.sa_mask);
  sigaction(SIGINT, &ours, nullptr);
}

class InstanceImpl;

class HostImpl : public Host, public RuntimeOwner {
public:
  explicit HostImpl(std::string runtime_dir) : runtime_dir_(std::move(runtime_dir)) {}

  bool start(std::string *error) {
    if (!node_process_init(error))
      return false;
    watchdog_ = std::thread([this] { watch(); });
    return true;
  }

  std::unique_ptr<Instance> create_instance(const std::string &kind, const std::string &element_name,
                                            const std::string &config_json, const InstanceOptions &options,
                                            InstanceListener *listener, std::string *error) override;

  /* ---- runtimes ---- */

  /* A runtime for a new instance of `group`: the group's, an idle one, or a new one. */
  std::shared_ptr<Runtime> acquire_runtime(const std::string &group, std::string *error) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!group.empty()) {
      auto it = groups_.find(group);
      if (it != groups_.end() && !it->second->stopped()) {
        it->second->instances++;
        return it->second;
      }
    }
    std::shared_ptr<Runtime> rt;
    while (!idle_.empty() && !rt) {
      rt = std::move(idle_.back());
      idle_.pop_back();
      if (rt->stopped())
        rt.reset();
    }
    if (!rt) {
      lock.unlock();
      rt = std::make_shared<Runtime>(next_runtime_id_++, runtime_dir_, this);
      if (!rt->start(error))
        return nullptr;
      lock.lock();
      all_.push_back(rt);
    }
    rt->instances++;
    if (!group.empty())
      groups_[group] = rt;
    return rt;
  }

  /* An instance no longer uses `rt`: a runtime nobody uses waits for the next instance (a few are
   * kept: starting one costs tens of milliseconds) or is stopped. */
  void release_runtime(const std::shared_ptr<Runtime> &rt) {
    std::shared_ptr<Runtime> stop;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (--rt->instances > 0)
        return;
      for (auto it = groups_.begin(); it != groups_.end();)
        it = it->second == rt ? groups_.erase(it) : std::next(it);
      if (!rt->stopped() && idle_.size() < MAX_IDLE_RUNTIMES)
        idle_.push_back(rt);
      else
        stop = rt;
      for (auto it = all_.begin(); it != all_.end();)
        it = (stop && *it == stop) ? all_.erase(it) : std::next(it);
    }
    if (stop)
      stop->terminate(); /* freed when the last reference goes */
  }

  /* ---- calls ---- */

  /* Enters `call` in the table and hands it to `rt`; it is answered in any case. */
  void send(const std::shared_ptr<Runtime> &rt, std::shared_ptr<Call> call, uint32_t timeout_ms) {
    call->token = next_token_++;
    call->runtime = rt;
    call->submitted = Clock::now();
    if (timeout_ms > 0)
      call->deadline = call->submitted + std::chrono::milliseconds(timeout_ms);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      calls_[call->token] = call;
      /* Only a deadline before the watchdog's next look wakes it (not a context switch per frame). */
      if (call->deadline < watchdog_wake_)
        watchdog_cond_.notify_one();
    }
    if (!rt->submit(call)) {
      if (auto taken = take(call->token))
        answer(*taken, failure("INTERNAL\nthe tsvision runtime has stopped\n"));
    }
  }

  /* Takes an open call out of the table: whoever gets it answers it. */
  std::shared_ptr<Call> take(int64_t token) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = calls_.find(token);
    if (it == calls_.end())
      return nullptr;
    auto call = std::move(it->second);
    calls_.erase(it);
    return call;
  }

  static void answer(Call &call, Result &&r) {
    auto done = std::move(call.done);
    if (done)
      done(std::move(r));
  }

  /* Answers every open call of `instance_id` with cancelled. */
  void cancel_calls(int instance_id) {
    std::vector<std::shared_ptr<Call>> cancelled;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (auto it = calls_.begin(); it != calls_.end();) {
        if (it->second->instance_id == instance_id && it->second->op == Op::PROCESS) {
          cancelled.push_back(std::move(it->second));
          it = calls_.erase(it);
        } else {
          ++it;
        }
      }
    }
    for (auto &call : cancelled) {
      Result r = failure("INTERNAL\ncancelled\n");
      r.cancelled = true;
      answer(*call, std::move(r));
    }
  }

  /* RuntimeOwner */
  void completed(const std::shared_ptr<Call> &call, napi_env env, const std::string *error, napi_value value) override {
    auto taken = take(call->token);
    if (!taken)
      return; /* answered already (time-out, cancel): JavaScript's answer is dropped */
    if (error) {
      answer(*taken, failure(*error));
      return;
    }
    Result r;
    if (taken->op == Op::PROCESS)
      result_from_js(env, value, &r);
    answer(*taken, std::move(r));
  }

  static Result lost(const Call &call, const std::string &why) {
    Result r = failure("INTERNAL\n" + why + " before frame " + std::to_string(call.frame.index) + " was done\n");
    r.lost = true;
    return r;
  }

  void abandoned(const std::shared_ptr<Call> &call, const std::string &why) override {
    if (auto taken = take(call->token))
      answer(*taken, lost(*taken, why));
  }

  void runtime_stopped(Runtime *rt) override {
    std::vector<std::shared_ptr<Call>> orphans;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (auto it = calls_.begin(); it != calls_.end();) {
        auto owner = it->second->runtime.lock();
        if (!owner || owner.get() == rt) {
          orphans.push_back(std::move(it->second));
          it = calls_.erase(it);
        } else {
          ++it;
        }
      }
    }
    for (auto &call : orphans)
      answer(*call, lost(*call, "the tsvision runtime stopped"));
  }

  std::shared_ptr<ListenerGuard> guard_of(int instance_id, std::string *element_name = nullptr) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = records_.find(instance_id);
    if (it == records_.end())
      return nullptr;
    if (element_name)
      *element_name = it->second.element_name;
    return it->second.guard;
  }

  void post_message(int instance_id, const std::string &name, std::vector<MessageField> &&fields) override {
    if (auto guard = guard_of(instance_id)) {
      std::lock_guard<std::recursive_mutex> lock(guard->mutex);
      if (guard->listener)
        guard->listener->on_message(name, fields);
    }
  }

  void log(int instance_id, LogLevel level, const std::string &message) override {
    auto guard = guard_of(instance_id);
    if (!guard) {
      if (level <= LogLevel::WARNING)
        fprintf(stderr, "tsvision: %s\n", message.c_str());
      return;
    }
    std::lock_guard<std::recursive_mutex> lock(guard->mutex);
    if (guard->listener)
      guard->listener->on_log(level, message);
  }

  void console(int instance_id, LogLevel level, const std::string &text) override {
    std::string element = "tsvision";
    auto guard = guard_of(instance_id, &element);
    write_console(element, level, text);
    if (guard) {
      std::lock_guard<std::recursive_mutex> lock(guard->mutex);
      if (guard->listener)
        guard->listener->on_console(level, text);
    }
  }

  /* ---- instance records (messages, logs, time-out messages) ---- */

  struct Record {
    std::string element_name, module;
    std::shared_ptr<ListenerGuard> guard;
    uint32_t timeout_ms = 0, setup_timeout_ms = 0;
    std::atomic<uint32_t> *timeouts = nullptr;
  };

  int add_record(const std::string &element_name, const InstanceOptions &options, InstanceListener *listener,
                 std::atomic<uint32_t> *timeouts) {
    int id = next_instance_id_++;
    Record r;
    r.element_name = element_name;
    r.module = options.module;
    r.guard = std::make_shared<ListenerGuard>();
    r.guard->listener = listener;
    r.timeout_ms = options.call_timeout_ms;
    r.setup_timeout_ms = options.setup_timeout_ms;
    r.timeouts = timeouts;
    std::lock_guard<std::mutex> lock(mutex_);
    records_[id] = std::move(r);
    return id;
  }

  void remove_record(int id) {
    std::shared_ptr<ListenerGuard> guard;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = records_.find(id);
      if (it == records_.end())
        return;
      guard = it->second.guard;
      records_.erase(it);
    }
    std::lock_guard<std::recursive_mutex> lock(guard->mutex);
    guard->listener = nullptr;
  }

  /* ---- the watchdog ---- */

  std::string timeout_message(const Call &call, const std::shared_ptr<Runtime> &rt) {
    std::string element = "tsvision", module;
    uint32_t limit = 0;
    std::atomic<uint32_t> *timeouts = nullptr;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = records_.find(call.instance_id);
      if (it != records_.end()) {
        element = it->second.element_name;
        module = it->second.module;
        limit = call.op == Op::CREATE ? it->second.setup_timeout_ms : it->second.timeout_ms;
        timeouts = it->second.timeouts;
      }
    }
    if (timeouts)
      (*timeouts)++;
    int hook = rt ? rt->running_hook(call.instance_id) : 0;
    if (call.op == Op::CREATE && hook == 0)
      hook = 1; /* setup */
    std::string what = hook ? std::string(HOOK_NAMES[hook]) + "()" : std::string();
    std::string where = module.empty() ? std::string() : " in " + module;
    std::string msg;
    if (call.interrupted) {
      long ms = (long)std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - call.submitted).count();
      return "HOOK\n" + element + ": interrupted while " + (what.empty() ? std::string("frame ") + std::to_string(call.frame.index) + " was in progress" : what + where + " was running") + " (for " + std::to_string(ms) + " ms on frame " + std::to_string(call.frame.index) + "); it was stopped.\n";
    }
    if (call.op == Op::CREATE)
      msg = element + ": " + (what.empty() ? std::string("starting") : what + where) + " did not finish within " +
            std::to_string(limit) + " ms (setup gets 6 x hook-timeout); it was stopped. Make it faster or raise hook-timeout (0: no limit).";
    else if (!what.empty())
      msg = element + ": " + what + where + " did not return within " + std::to_string(limit) +
            " ms (hook-timeout) on frame " + std::to_string(call.frame.index) +
            "; it was stopped. Make the hook faster, raise hook-timeout, or set hook-timeout=0 for no limit.";
    else
      msg = element + ": frame " + std::to_string(call.frame.index) + " was not done within " + std::to_string(limit) +
            " ms (hook-timeout) while no hook was running (the model run or the element's own work); it was stopped. Raise hook-timeout, or set hook-timeout=0 for no limit.";
    return "HOOK\n" + msg + "\n";
  }

  void watch() {
    std::unique_lock<std::mutex> lock(mutex_);
    unsigned interrupts_seen = g_interrupts.load();
    while (!quit_) {
      Clock::time_point next = Clock::time_point::max();
      Clock::time_point now = Clock::now();
      bool long_call = false;
      for (auto &entry : calls_) {
        next = std::min(next, entry.second->deadline);
        if (entry.second->op == Op::PROCESS) {
          if (now - entry.second->submitted >= LONG_CALL)
            long_call = true;
          else
            next = std::min(next, entry.second->submitted + LONG_CALL);
        }
      }
      /* Frames are submitted without waking the watchdog (it would cost a context switch per frame):
       * it looks at least every LONG_CALL. */
      next = std::min(next, now + LONG_CALL);
      if (long_call) { /* look for interrupts while a call runs long */
        chain_sigint();
        next = std::min(next, now + std::chrono::milliseconds(100));
      }
      watchdog_wake_ = next;
      watchdog_cond_.wait_until(lock, next);
      watchdog_wake_ = Clock::time_point::min();
      now = Clock::now();
      bool interrupted = g_interrupts.load() != interrupts_seen;
      interrupts_seen = g_interrupts.load();
      std::vector<std::shared_ptr<Call>> expired;
      for (auto it = calls_.begin(); it != calls_.end();) {
        bool hung = interrupted && it->second->op == Op::PROCESS && now - it->second->submitted >= LONG_CALL;
        if (hung)
          it->second->interrupted = true;
        if (it->second->deadline <= now || hung) {
          expired.push_back(std::move(it->second));
          it = calls_.erase(it);
        } else {
          ++it;
        }
      }
      if (expired.empty())
        continue;
      lock.unlock();
      for (auto &call : expired) {
        auto rt = call->runtime.lock();
        if (rt && rt->stopped()) { /* stopped for an earlier call: this one is collateral */
          answer(*call, lost(*call, "the tsvision runtime was stopped after a hook-timeout"));
          continue;
        }
        Result r = failure(timeout_message(*call, rt));
        r.timed_out = true;
        /* Only stopping the runtime ends a synchronous loop; its other calls are answered as abandoned. */
        if (rt)
          rt->terminate();
        answer(*call, std::move(r));
      }
      lock.lock();
    }
  }

  /* Stops every runtime at process exit so no JavaScript runs while the process tears down. */
  void shutdown() {
    std::vector<std::shared_ptr<Runtime>> runtimes;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      quit_ = true;
      watchdog_cond_.notify_all();
      runtimes = all_;
    }
    if (watchdog_.joinable())
      watchdog_.join();
    /* Let JavaScript release sessions and child processes (bounded), then stop the loops. */
    std::vector<std::unique_ptr<Waiter>> waiters;
    for (auto &rt : runtimes) {
      if (rt->stopped())
        continue;
      auto call = std::make_shared<Call>();
      call->op = Op::SHUTDOWN;
      waiters.push_back(std::make_unique<Waiter>());
      call->done = waiters.back()->callback();
      send(rt, call, 0);
    }
    Clock::time_point until = Clock::now() + std::chrono::seconds(2);
    for (auto &w : waiters) {
      std::unique_lock<std::mutex> lock(w->mutex);
      w->cond.wait_until(lock, until, [&] { return w->finished; });
    }
    for (auto &rt : runtimes)
      rt->terminate();
    until = Clock::now() + std::chrono::seconds(3);
    for (auto &rt : runtimes) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
      rt->join(std::max(left, std::chrono::milliseconds(0)));
    }
    /* Runtimes that did not stop are left to the process exit. */
    for (auto &rt : runtimes)
      new std::shared_ptr<Runtime>(rt);
  }

private:
  static constexpr size_t MAX_IDLE_RUNTIMES = 2;
  const std::string runtime_dir_;
  std::thread watchdog_;
  std::atomic<int64_t> next_token_{1};
  std::atomic<int> next_instance_id_{1};
  std::atomic<int> next_runtime_id_{1};

  /* guarded by mutex_ */
  std::mutex mutex_;
  std::condition_variable watchdog_cond_;
  bool quit_ = false;
  Clock::time_point watchdog_wake_ = Clock::time_point::min(); /* when the waiting watchdog looks next */
  std::map<int64_t, std::shared_ptr<Call>> calls_;
  std::map<int, Record> records_;
  std::map<std::string, std::shared_ptr<Runtime>> groups_;
  std::vector<std::shared_ptr<Runtime>> idle_;
  std::vector<std::shared_ptr<Runtime>> all_;
};

HostImpl *g_host = nullptr;

class InstanceImpl : public Instance {
public:
  InstanceImpl(HostImpl *host, std::string kind, const std::string &element_name, std::string config_json,
               InstanceOptions options, InstanceListener *listener)
      : host_(host), kind_(std::move(kind)), element_name_(element_name), config_json_(std::move(config_json)),
        options_(std::move(options)) {
    id_ = host_->add_record(element_name_, options_, listener, &timeouts_);
  }

  ~InstanceImpl() override {
    cancel();
    std::shared_ptr<Runtime> rt;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      rt = std::move(runtime_);
    }
    if (rt) {
      if (!rt->stopped()) {
        /* Teardown gets a moment; a runtime still busy with a cancelled call is not waited for. */
        auto call = std::make_shared<Call>();
        call->op = Op::DESTROY;
        call->instance_id = id_;
        auto waiter = std::make_shared<Waiter>();
        call->done = [waiter](Result &&r) { waiter->callback()(std::move(r)); };
        host_->send(rt, call, 0);
        auto bound = rt->js_pending() > 1 ? std::chrono::milliseconds(300) : std::chrono::milliseconds(3000);
        std::unique_lock<std::mutex> lock(waiter->mutex);
        if (!waiter->cond.wait_for(lock, bound, [&] { return waiter->finished; })) {
          lock.unlock();
          rt->terminate();
          if (auto taken = host_->take(call->token))
            HostImpl::answer(*taken, failure("INTERNAL\nstopped\n"));
        }
      }
      host_->release_runtime(rt);
    }
    host_->remove_record(id_);
  }

  /* Creates the JavaScript side in a runtime of the instance's group (blocking). */
  bool attach(std::string *error) {
    auto rt = host_->acquire_runtime(options_.group, error);
    if (!rt)
      return false;
    auto call = std::make_shared<Call>();
    call->op = Op::CREATE;
    call->instance_id = id_;
    call->kind = kind_;
    call->element_name = element_name_;
    call->config_json = config_json_;
    Waiter waiter;
    call->done = waiter.callback();
    host_->send(rt, call, options_.setup_timeout_ms);
    Result r = waiter.wait();
    if (!r.ok) {
      *error = r.error;
      host_->release_runtime(rt);
      return false;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    runtime_ = std::move(rt);
    return true;
  }

  /* The instance's runtime; after a time-out stopped it, the instance is created again first. */
  std::shared_ptr<Runtime> live_runtime(std::string *error) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (runtime_ && !runtime_->stopped())
      return runtime_;
    if (!broken_.empty()) {
      *error = broken_;
      return nullptr;
    }
    auto old = std::move(runtime_);
    lock.unlock();
    if (old)
      host_->release_runtime(old);
    old.reset();
    restarts_++;
    if (!attach(error)) {
      lock.lock();
      broken_ = *error;
      return nullptr;
    }
    lock.lock();
    return runtime_;
  }

  void process_async(const Frame &frame, std::function<void(Result &&)> done) override {
    std::string error;
    auto rt = live_runtime(&error);
    if (!rt) {
      done(failure(error));
      return;
    }
    auto call = std::make_shared<Call>();
    call->op = Op::PROCESS;
    call->instance_id = id_;
    call->frame = frame;
    call->done = std::move(done);
    host_->send(rt, std::move(call), options_.call_timeout_ms);
  }

  void cancel() override { host_->cancel_calls(id_); }

  void set_module(const std::string &module) override {
    send_control(Op::SET_MODULE, [&](Call &call) { call.module = module; });
  }

  void configure(const std::string &config_json) override {
    send_control(Op::CONFIGURE, [&](Call &call) { call.config_json = config_json; });
  }

  InstanceStats stats() const override {
    InstanceStats s;
    s.restarts = restarts_.load();
    s.timeouts = timeouts_.load();
    return s;
  }

private:
  /* A call to the running instance whose answer nobody waits for (no frame, no time limit). */
  template <typename Fill> void send_control(Op op, Fill fill) {
    std::shared_ptr<Runtime> rt;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      rt = runtime_;
    }
    if (!rt)
      return;
    auto call = std::make_shared<Call>();
    call->op = op;
    call->instance_id = id_;
    fill(*call);
    host_->send(rt, std::move(call), 0);
  }

  HostImpl *host_;
  int id_ = 0;
  const std::string kind_, element_name_, config_json_;
  const InstanceOptions options_;
  std::mutex mutex_;
  std::shared_ptr<Runtime> runtime_;
  std::string broken_; /* a restart failed: every call fails with this */
  std::atomic<uint32_t> restarts_{0}, timeouts_{0};
};

std::unique_ptr<Instance> HostImpl::create_instance(const std::string &kind, const std::string &element_name,
                                                    const std::string &config_json, const InstanceOptions &options,
                                                    InstanceListener *listener, std::string *error) {
  auto instance = std::make_unique<InstanceImpl>(this, kind, element_name, config_json, options, listener);
  if (!instance->attach(error))
    return nullptr;
  return instance;
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
  if (!g_start_error.empty()) {
    *error = g_start_error;
    return nullptr;
  }
  auto host = new HostImpl(runtime_dir);
  if (!host->start(error)) {
    g_start_error = *error;
    delete host;
    return nullptr;
  }
  /* The first runtime is started now, so that a broken installation fails here, clearly. */
  std::shared_ptr<Runtime> probe = host->acquire_runtime("", error);
  if (!probe) {
    g_start_error = *error;
    return nullptr;
  }
  host->release_runtime(probe);
  g_host = host;
  atexit(shutdown_at_exit);
  return g_host;
}
