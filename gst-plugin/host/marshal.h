/* tsvision — converting frames and results between C++ and JavaScript (runtime threads only).
 *
 * Objects cross as one Float64Array of OBJECT_FIELDS numbers per object plus an array of their
 * labels, built and read in one pass on each side (ts-runtime/src/wire.ts is the other half):
 * a property lookup per field from C++ costs ~10x more. Classifications (rare, and carrying
 * embeddings) travel as plain objects, listed by object; keypoints (pose models) likewise as
 * [index, Float64Array of x, y, confidence, names, Float64Array of skeleton pairs] for the objects
 * that have any, so objects without them cost nothing more. */
#pragma once

#include <node_api.h>

#include <string>
#include <vector>

#include "host-api.h"

namespace tsv {

/* The numbers of one object on the wire, in order (keep in step with ts-runtime/src/wire.ts). */
enum ObjectField {
  F_X,
  F_Y,
  F_WIDTH,
  F_HEIGHT,
  F_CLASS_ID,
  F_CONFIDENCE,
  F_TRACK_ID, /* -1: none */
  F_FLAGS,    /* bit 0: predicted */
  F_SOURCE,   /* frames: the object's id; results: the id of the object it updates, -1: new */
  OBJECT_FIELDS
};

std::string describe_pending_exception(napi_env env);
std::string get_string(napi_env env, napi_value v);
napi_value prop(napi_env env, napi_value obj, const char *name);
bool is_type(napi_env env, napi_value v, napi_valuetype want);
double get_number(napi_env env, napi_value obj, const char *name, double fallback);
std::string get_string_prop(napi_env env, napi_value obj, const char *name);
void set_number(napi_env env, napi_value obj, const char *name, double d);
void set_string(napi_env env, napi_value obj, const char *name, const std::string &s);

/* The frame as ts-runtime/src/wire.ts decodeFrame() reads it; `pixels` receives the reference of
 * the zero-copy ArrayBuffer over the frame's memory (to detach when the call completes). */
napi_value frame_to_js(napi_env env, const Frame &frame, napi_ref *pixels);

/* Reads a result encoded by ts-runtime/src/wire.ts encodeResult(). */
void result_from_js(napi_env env, napi_value result, Result *out);

/* The fields of a bus message posted from JavaScript: a flat object of strings, numbers, booleans, or the same
 * as a list [name, value, name, value, …]. */
/* A message's fields from an object ({name: value}) or a flat list ([name, value, name, value, …]). */
std::vector<MessageField> fields_from_js(napi_env env, napi_value fields);

} // namespace tsv
