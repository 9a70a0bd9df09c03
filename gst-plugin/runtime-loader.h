/* Finds and starts the embedded Node runtime (libnode + libtsvisionhost.so) on first use. */
#pragma once

#include <gst/gst.h>

#include "host/host-api.h"

namespace tsv {

/* Returns the process-wide host, starting it on the first call; nullptr with `error` set when the
 * runtime cannot be found or started. Never called at plugin load. */
Host *runtime_get(std::string *error);

/* The folder that holds libtsvisionhost.so, runtime/ and node_modules/. */
std::string runtime_dir();

} // namespace tsv
