/* Finds and starts the embedded Node runtime (libnode + libtsvisionhost.so) on first use. */
#pragma once

#include <gst/gst.h>

#include "host/host-api.h"

namespace tsv {

/* Returns the process-wide host, starting it on the first call; nullptr with `error` set when the
 * runtime cannot be found or started. Never called at plugin load.
 *
 * The runtime folder (libtsvisionhost.so, runtime/, node_modules/) is TSVISION_RUNTIME_DIR when set,
 * else `tsvision` beside the plugin's folder — build/gst-plugin → build/tsvision in a build tree,
 * <libdir>/gstreamer-1.0 → <libdir>/tsvision when installed — found through the plugin file as
 * loaded and through its real path, else the install prefix's. */
Host *runtime_get(std::string *error);

} // namespace tsv
