#include "runtime-loader.h"

#include <dlfcn.h>
#include <mutex>

#include "config.h"

GST_DEBUG_CATEGORY_STATIC(tsvision_runtime_debug);
#define GST_CAT_DEFAULT tsvision_runtime_debug

namespace tsv {

static std::string plugin_dir() {
  Dl_info info;
  if (dladdr((void *)&plugin_dir, &info) && info.dli_fname) {
    gchar *dir = g_path_get_dirname(info.dli_fname);
    gchar *canonical = g_canonicalize_filename(dir, nullptr);
    std::string out = canonical;
    g_free(canonical);
    g_free(dir);
    return out;
  }
  return {};
}

std::string runtime_dir() {
  if (const char *env = g_getenv("TSVISION_RUNTIME_DIR"))
    return env;
  /* The plugin in the build tree uses the build tree's runtime; an installed plugin the installed one. */
  if (plugin_dir() == TSVISION_BUILD_PLUGIN_DIR)
    return TSVISION_BUILD_RUNTIME_DIR;
  return TSVISION_INSTALL_RUNTIME_DIR;
}

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
  std::string dir = runtime_dir();
  /* GStreamer opens plugins RTLD_LOCAL; Node-API addons (onnxruntime-node, the pixel addon)
   * resolve napi_* against the global scope, so libnode must be opened RTLD_GLOBAL first. */
  std::string libnode = dir + "/libnode.so.108";
  if (!g_file_test(libnode.c_str(), G_FILE_TEST_EXISTS))
    libnode = "libnode.so.108";
  GST_INFO("loading %s", libnode.c_str());
  if (!dlopen(libnode.c_str(), RTLD_NOW | RTLD_GLOBAL)) {
    failure = std::string("cannot load libnode (Node.js 18 embedding library): ") + dlerror() +
              ". Run `npm run build` (or scripts/setup.sh) in the tsvision repository, or install "
              "Debian's libnode108.";
    *error = failure;
    return nullptr;
  }
  std::string hostlib = dir + "/libtsvisionhost.so";
  void *handle = dlopen(hostlib.c_str(), RTLD_NOW | RTLD_GLOBAL);
  if (!handle) {
    failure = std::string("cannot load the tsvision runtime: ") + dlerror() +
              ". Set TSVISION_RUNTIME_DIR to the folder holding libtsvisionhost.so, or rebuild.";
    *error = failure;
    return nullptr;
  }
  auto get = (TsvHostGetFunc)dlsym(handle, "tsv_host_get");
  if (!get) {
    failure = "libtsvisionhost.so does not export tsv_host_get: rebuild tsvision";
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
