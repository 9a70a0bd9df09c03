#include "runtime-loader.h"

#include <dlfcn.h>
#include <stdlib.h>

#include <mutex>
#include <string>
#include <vector>

#include "config.h"

GST_DEBUG_CATEGORY_STATIC(tsvision_runtime_debug);
#define GST_CAT_DEFAULT tsvision_runtime_debug

#define STR_(x) #x
#define STR(x) STR_(x)

namespace tsv {

namespace {

/* A runtime folder has these; the first is what makes a folder a runtime, the others what makes
 * it a complete one (a relocated checkout without node_modules/, a build without `npm run build`). */
const char *const kRuntimeParts[] = {"libtsvisionhost.so", "runtime/tsvision-runtime.cjs",
                                     "node_modules/onnxruntime-node/package.json"};

struct Candidate {
  std::string dir;
  std::string why; /* how the folder was derived, for the error message */
};

std::string real_path(const std::string &path) {
  char *real = realpath(path.c_str(), nullptr);
  if (!real)
    return {};
  std::string out = real;
  free(real);
  return out;
}

std::string dirname(const std::string &path) {
  gchar *dir = g_path_get_dirname(path.c_str());
  std::string out = dir;
  g_free(dir);
  return out;
}

/* The parts of a runtime folder `dir` lacks, as "no X, no Y"; empty when it is complete. */
std::string missing_parts(const std::string &dir) {
  if (!g_file_test(dir.c_str(), G_FILE_TEST_IS_DIR))
    return "no such folder";
  std::string out;
  for (const char *part : kRuntimeParts) {
    /* Follows links: a dangling node_modules link (a checkout moved without it) counts as missing. */
    if (!g_file_test((dir + "/" + part).c_str(), G_FILE_TEST_EXISTS))
      out += std::string(out.empty() ? "no " : ", no ") + part;
  }
  return out;
}

/* Where the runtime may be, in order. `tsvision` beside the plugin's folder is the layout of both the
 * build tree (build/gst-plugin, build/tsvision) and an installation (<libdir>/gstreamer-1.0,
 * <libdir>/tsvision); it is tried from the plugin's path as loaded (a symlinked or relocated
 * checkout) and from its real path (a plugin file linked into another plugin folder). */
std::vector<Candidate> candidates() {
  std::vector<Candidate> out;
  Dl_info info;
  if (dladdr((void *)&candidates, &info) && info.dli_fname) {
    gchar *plugin = g_canonicalize_filename(info.dli_fname, nullptr);
    out.push_back({dirname(dirname(plugin)) + "/tsvision", std::string("beside the plugin ") + plugin});
    std::string real = real_path(plugin);
    if (!real.empty() && real != plugin)
      out.push_back({dirname(dirname(real)) + "/tsvision", "beside the plugin's real path " + real});
    g_free(plugin);
  }
  out.push_back({TSVISION_INSTALL_RUNTIME_DIR, "the install prefix"});
  /* The same folder reached twice (a symlinked checkout seen both ways) is looked at once. */
  std::vector<Candidate> unique;
  std::vector<std::string> seen;
  for (auto &c : out) {
    std::string key = real_path(c.dir);
    if (key.empty())
      key = c.dir;
    bool dup = false;
    for (auto &s : seen)
      dup = dup || s == key;
    if (!dup) {
      seen.push_back(key);
      unique.push_back(c);
    }
  }
  return unique;
}

const char *const kWhatToDo =
    "Build it with `npm run build` in the tsvision checkout (the plugin in build/gst-plugin uses "
    "build/tsvision), install plugin and runtime together with `meson install`, or set "
    "TSVISION_RUNTIME_DIR to the runtime folder";

/* The runtime folder, canonical; empty with `error` set when there is none. */
std::string find_runtime_dir(std::string *error) {
  if (const char *env = g_getenv("TSVISION_RUNTIME_DIR")) {
    /* An explicit choice: never replaced by another folder behind the user's back. */
    std::string missing = missing_parts(env);
    if (!missing.empty()) {
      *error = std::string("TSVISION_RUNTIME_DIR=") + env + " is not a tsvision runtime folder (" + missing +
               "): point it at the folder holding libtsvisionhost.so, runtime/ and node_modules/ "
               "(build/tsvision in a built checkout, <libdir>/tsvision when installed), or unset it";
      return {};
    }
    return real_path(env);
  }
  std::string looked;
  for (const Candidate &c : candidates()) {
    std::string missing = missing_parts(c.dir);
    GST_DEBUG("runtime candidate %s (%s): %s", c.dir.c_str(), c.why.c_str(),
              missing.empty() ? "complete" : missing.c_str());
    if (missing.empty())
      return real_path(c.dir);
    if (g_file_test((c.dir + "/" + kRuntimeParts[0]).c_str(), G_FILE_TEST_EXISTS)) {
      /* A runtime, but a broken one: using another folder would run another version of tsvision. */
      *error = "the tsvision runtime in " + c.dir + " (" + c.why + ") is incomplete: " + missing + ". " + kWhatToDo;
      return {};
    }
    looked += (looked.empty() ? "" : "; ") + c.dir + " (" + c.why + "): " + missing;
  }
  *error = std::string("cannot find the tsvision runtime (libtsvisionhost.so, runtime/, node_modules/); looked in ") +
           looked + ". " + kWhatToDo;
  return {};
}

} // namespace

Host *runtime_get(std::string *error) {
  static std::mutex mutex;
  static Host *host = nullptr;
  static std::string failure;
  std::lock_guard<std::mutex> lock(mutex);
  if (host)
    return host;
  if (!failure.empty()) {
    *error = failure;
    return nullptr;
  }
  GST_DEBUG_CATEGORY_INIT(tsvision_runtime_debug, "tsvision-runtime", 0, "tsvision embedded Node runtime");
  std::string dir = find_runtime_dir(&failure);
  if (dir.empty()) {
    *error = failure;
    return nullptr;
  }
  /* GStreamer opens plugins RTLD_LOCAL; Node-API addons (onnxruntime-node, the pixel addon)
   * resolve napi_* against the global scope, so libnode must be opened RTLD_GLOBAL first. The
   * runtime folder has it when it does not come from the system (.deps/node, a bundled install). */
  std::string libnode = dir + "/" TSVISION_LIBNODE_SONAME;
  if (!g_file_test(libnode.c_str(), G_FILE_TEST_EXISTS))
    libnode = TSVISION_LIBNODE_SONAME;
  GST_INFO("loading %s", libnode.c_str());
  if (!dlopen(libnode.c_str(), RTLD_NOW | RTLD_GLOBAL)) {
    failure = std::string("cannot load " TSVISION_LIBNODE_SONAME " (the Node.js " STR(TSVISION_NODE_MAJOR_VERSION)
                          " embedding library): ") +
              dlerror() + "; looked in " + dir + " and the system's library path. Run `npm run build` in the "
              "tsvision checkout (it links Debian's " TSVISION_LIBNODE_PACKAGE " from .deps/node into build/tsvision), "
              "or install Debian's " TSVISION_LIBNODE_PACKAGE;
    *error = failure;
    return nullptr;
  }
  std::string hostlib = dir + "/libtsvisionhost.so";
  void *handle = dlopen(hostlib.c_str(), RTLD_NOW | RTLD_GLOBAL);
  if (!handle) {
    failure = std::string("cannot load the tsvision runtime: ") + dlerror() +
              ". Rebuild it (`npm run build`), or set TSVISION_RUNTIME_DIR to a working runtime folder";
    *error = failure;
    return nullptr;
  }
  auto get = (TsvHostGetFunc)dlsym(handle, "tsv_host_get");
  if (!get) {
    failure = hostlib + " does not export tsv_host_get: rebuild tsvision";
    *error = failure;
    return nullptr;
  }
  GST_INFO("starting the Node runtime from %s", dir.c_str());
  gint64 t0 = g_get_monotonic_time();
  host = get(dir.c_str(), error);
  if (!host) {
    failure = *error;
    return nullptr;
  }
  GST_INFO("Node runtime started in %.1f ms", (g_get_monotonic_time() - t0) / 1000.0);
  return host;
}

} // namespace tsv
