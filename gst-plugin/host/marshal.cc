#include "marshal.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

namespace tsv {

std::string describe_pending_exception(napi_env env) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending)
    return "unknown JavaScript error";
  napi_value exc, str;
  napi_get_and_clear_last_exception(env, &exc);
  napi_value stack;
  if (is_type(env, exc, napi_object) && napi_get_named_property(env, exc, "stack", &stack) == napi_ok &&
      is_type(env, stack, napi_string))
    exc = stack;
  if (napi_coerce_to_string(env, exc, &str) != napi_ok)
    return "unprintable JavaScript error";
  return get_string(env, str);
}

std::string get_string(napi_env env, napi_value v) {
  if (!is_type(env, v, napi_string))
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

std::string get_string_prop(napi_env env, napi_value obj, const char *name) {
  napi_value v = prop(env, obj, name);
  return v ? get_string(env, v) : std::string();
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

namespace {

/* Numbers per rotated object in WireObjects' rotations (ROTATION_FIELDS in wire.ts), and where WirePastObjects
 * puts its (framesAgo, pts) pairs: after the six arrays of WireObjects. */
constexpr size_t ROTATION_FIELDS = 6;
constexpr uint32_t PAST_WHEN = 6;

uint32_t array_length(napi_env env, napi_value v) {
  bool is_array = false;
  uint32_t n = 0;
  if (v && napi_is_array(env, v, &is_array) == napi_ok && is_array)
    napi_get_array_length(env, v, &n);
  return n;
}

/* Calls fn(index, element) for each element of the array `array` that is an object. */
template <typename Fn> void for_each_object(napi_env env, napi_value array, Fn fn) {
  uint32_t n = array_length(env, array);
  for (uint32_t i = 0; i < n; i++) {
    napi_value e;
    napi_get_element(env, array, i, &e);
    if (is_type(env, e, napi_object))
      fn(i, e);
  }
}

/* The data of a Float64Array property, or nullptr. */
const double *float64_data(napi_env env, napi_value array, size_t *length) {
  bool is_typed = false;
  napi_typedarray_type type;
  void *data = nullptr;
  if (!array || napi_is_typedarray(env, array, &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, array, &type, length, &data, nullptr, nullptr) != napi_ok ||
      type != napi_float64_array)
    return nullptr;
  return (const double *)data;
}

/* The bytes of a Uint8Array (or, with `clamped_too`, a Uint8ClampedArray); nullptr for anything else. */
const uint8_t *uint8_data(napi_env env, napi_value array, size_t *length, bool clamped_too = false) {
  bool is_typed = false;
  napi_typedarray_type type;
  void *data = nullptr;
  if (!array || napi_is_typedarray(env, array, &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, array, &type, length, &data, nullptr, nullptr) != napi_ok ||
      !(type == napi_uint8_array || (clamped_too && type == napi_uint8_clamped_array)))
    return nullptr;
  return (const uint8_t *)data;
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

std::vector<Classification> classifications_from_js(napi_env env, napi_value array) {
  std::vector<Classification> out;
  for_each_object(env, array, [&](uint32_t, napi_value c) { out.push_back(classification_from_js(env, c)); });
  return out;
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

napi_value classifications_to_js(napi_env env, const std::vector<Classification> &list) {
  napi_value arr;
  napi_create_array_with_length(env, list.size(), &arr);
  for (size_t i = 0; i < list.size(); i++)
    napi_set_element(env, arr, i, classification_to_js(env, list[i]));
  return arr;
}

napi_value element(napi_env env, napi_value array, uint32_t i) {
  napi_value v = nullptr;
  if (napi_get_element(env, array, i, &v) != napi_ok)
    return nullptr;
  return v;
}

napi_value float64_array(napi_env env, const std::vector<double> &values) {
  napi_value ab, ta;
  void *data = nullptr;
  napi_create_arraybuffer(env, values.size() * sizeof(double), &data, &ab);
  if (!values.empty())
    memcpy(data, values.data(), values.size() * sizeof(double));
  napi_create_typedarray(env, napi_float64_array, values.size(), ab, 0, &ta);
  return ta;
}

/* One object's keypoints as [index, Float64Array of x, y, confidence, names, Float64Array of skeleton pairs]
 * (WireKeypoints in wire.ts). */
napi_value keypoints_to_js(napi_env env, uint32_t index, const Object &o) {
  napi_value wire, v, names;
  napi_create_array_with_length(env, 4, &wire);
  napi_create_uint32(env, index, &v);
  napi_set_element(env, wire, 0, v);
  std::vector<double> points;
  points.reserve(3 * o.keypoints.size());
  napi_create_array_with_length(env, o.keypoints.size(), &names);
  for (size_t k = 0; k < o.keypoints.size(); k++) {
    const Keypoint &p = o.keypoints[k];
    points.insert(points.end(), {p.x, p.y, p.confidence});
    napi_create_string_utf8(env, p.name.data(), p.name.size(), &v);
    napi_set_element(env, names, k, v);
  }
  std::vector<double> pairs;
  pairs.reserve(2 * o.skeleton.size());
  for (const auto &s : o.skeleton)
    pairs.insert(pairs.end(), {(double)s.first, (double)s.second});
  napi_set_element(env, wire, 1, float64_array(env, points));
  napi_set_element(env, wire, 2, names);
  napi_set_element(env, wire, 3, float64_array(env, pairs));
  return wire;
}

/* Reads WireKeypoints into its object of `objects` (first `n` from `base`). */
void keypoints_from_js(napi_env env, napi_value wire, std::vector<Object> *objects, size_t base, size_t n) {
  napi_value index_value = element(env, wire, 0);
  uint32_t index = 0;
  if (!index_value || napi_get_value_uint32(env, index_value, &index) != napi_ok || index >= n)
    return;
  size_t n_points = 0, n_pairs = 0;
  const double *points = float64_data(env, element(env, wire, 1), &n_points);
  const double *pairs = float64_data(env, element(env, wire, 3), &n_pairs);
  napi_value names = element(env, wire, 2);
  uint32_t count = array_length(env, names);
  if (!points || n_points < 3 * (size_t)count)
    return;
  Object &o = (*objects)[base + index];
  o.keypoints.resize(count);
  for (uint32_t k = 0; k < count; k++) {
    Keypoint &p = o.keypoints[k];
    p.name = get_string(env, element(env, names, k));
    p.x = points[3 * k];
    p.y = points[3 * k + 1];
    p.confidence = points[3 * k + 2];
  }
  o.skeleton.clear();
  for (size_t s = 0; pairs && s + 1 < n_pairs; s += 2) {
    int a = (int)pairs[s], b = (int)pairs[s + 1];
    /* Only pairs of keypoints the object has: drawing indexes keypoints with them. */
    if (a >= 0 && b >= 0 && (uint32_t)a < count && (uint32_t)b < count)
      o.skeleton.emplace_back(a, b);
  }
}

/* The oriented boxes of `objects` as a Float64Array of (index, cx, cy, width, height, angle) per rotated object
 * (rotations in WireObjects, wire.ts); nullptr when none has one (the element stays unset: nothing to allocate). */
napi_value rotations_to_js(napi_env env, const std::vector<Object> &objects) {
  if (std::none_of(objects.begin(), objects.end(), [](const Object &o) { return o.has_rotation; }))
    return nullptr;
  std::vector<double> values;
  for (size_t i = 0; i < objects.size(); i++) {
    const Object &o = objects[i];
    if (o.has_rotation)
      values.insert(values.end(), {(double)i, o.rotation.cx, o.rotation.cy, o.rotation.width, o.rotation.height,
                                   o.rotation.angle});
  }
  return float64_array(env, values);
}

/* Reads the rotations of WireObjects into the objects `base`.. `base + n` of `objects`. */
void rotations_from_js(napi_env env, napi_value array, std::vector<Object> *objects, size_t base, size_t n) {
  size_t length = 0;
  const double *r = float64_data(env, array, &length);
  for (size_t k = 0; r && k + ROTATION_FIELDS <= length; k += ROTATION_FIELDS) {
    if (!(r[k] >= 0 && r[k] < (double)n))
      continue;
    Object &o = (*objects)[base + (size_t)r[k]];
    o.has_rotation = true;
    o.rotation = {r[k + 1], r[k + 2], r[k + 3], r[k + 4], r[k + 5]};
  }
}

/* The objects' masks as WireMask[] (wire.ts): [index, x, y, width, height, Uint8Array], the bytes of all of them
 * in one ArrayBuffer (one allocation a frame, however many masks). */
napi_value masks_to_js(napi_env env, const std::vector<Object> &objects) {
  napi_value list;
  napi_create_array(env, &list);
  size_t total = 0;
  for (const Object &o : objects)
    if (!o.mask.empty())
      total += o.mask.data.size();
  if (total == 0)
    return list;
  napi_value ab;
  void *data = nullptr;
  napi_create_arraybuffer(env, total, &data, &ab);
  size_t offset = 0;
  uint32_t n = 0;
  for (size_t i = 0; i < objects.size(); i++) {
    const Mask &m = objects[i].mask;
    if (m.empty())
      continue;
    napi_value wire, v, bytes;
    napi_create_array_with_length(env, 6, &wire);
    const double fields[5] = {(double)i, (double)m.x, (double)m.y, (double)m.width, (double)m.height};
    for (uint32_t k = 0; k < 5; k++) {
      napi_create_double(env, fields[k], &v);
      napi_set_element(env, wire, k, v);
    }
    memcpy((uint8_t *)data + offset, m.data.data(), m.data.size());
    napi_create_typedarray(env, napi_uint8_array, m.data.size(), ab, offset, &bytes);
    offset += m.data.size();
    napi_set_element(env, wire, 5, bytes);
    napi_set_element(env, list, n++, wire);
  }
  return list;
}

/* Reads one WireMask into its object of `objects` (first `n` from `base`); the bytes are copied (non-zero: 1). */
void mask_from_js(napi_env env, napi_value wire, std::vector<Object> *objects, size_t base, size_t n) {
  double f[5];
  for (uint32_t k = 0; k < 5; k++) {
    napi_value v = element(env, wire, k);
    if (!is_type(env, v, napi_number) || napi_get_value_double(env, v, &f[k]) != napi_ok)
      return;
  }
  /* Placement within ±2^24 pixels (a hook's nonsense must not overflow the int conversion). */
  if (!(f[0] >= 0 && f[0] < n) || !(f[3] >= 1 && f[3] <= 1 << 20) || !(f[4] >= 1 && f[4] <= 1 << 20) ||
      !(std::fabs(f[1]) <= (1 << 24)) || !(std::fabs(f[2]) <= (1 << 24)))
    return;
  size_t length = 0;
  const uint8_t *data = uint8_data(env, element(env, wire, 5), &length, true);
  if (!data)
    return;
  const size_t w = (size_t)f[3], h = (size_t)f[4];
  if (length != w * h)
    return;
  Mask &m = (*objects)[base + (size_t)f[0]].mask;
  m.x = (int)f[1];
  m.y = (int)f[2];
  m.width = (int)w;
  m.height = (int)h;
  m.data.resize(length);
  const uint8_t *src = data;
  for (size_t i = 0; i < length; i++)
    m.data[i] = src[i] != 0;
}

/* Objects as [nums: Float64Array, labels: string[], classifications: [index, Classification[]][],
 * keypoints: WireKeypoints[], rotations: Float64Array (unset when none), masks: WireMask[]]. */
napi_value objects_to_js(napi_env env, const std::vector<Object> &objects) {
  napi_value wire, ab, nums, labels, classes, keypoints;
  napi_create_array_with_length(env, 6, &wire);
  void *data = nullptr;
  size_t n = objects.size();
  napi_create_arraybuffer(env, n * OBJECT_FIELDS * sizeof(double), &data, &ab);
  double *d = (double *)data;
  napi_create_array_with_length(env, n, &labels);
  napi_create_array(env, &classes);
  napi_create_array(env, &keypoints);
  uint32_t n_classes = 0, n_keypoints = 0;
  /* Most objects of a frame share a label or two: each distinct one becomes a JavaScript string once. */
  const std::string *last_label = nullptr;
  napi_value last_label_value = nullptr;
  for (size_t i = 0; i < n; i++) {
    const Object &o = objects[i];
    double *r = d + i * OBJECT_FIELDS;
    r[F_X] = o.box.x;
    r[F_Y] = o.box.y;
    r[F_WIDTH] = o.box.width;
    r[F_HEIGHT] = o.box.height;
    r[F_CLASS_ID] = o.class_id;
    r[F_CONFIDENCE] = o.confidence;
    r[F_TRACK_ID] = (double)o.track_id;
    r[F_FLAGS] = o.predicted ? 1 : 0;
    r[F_SOURCE] = o.source_id;
    if (!last_label || *last_label != o.label) {
      napi_create_string_utf8(env, o.label.data(), o.label.size(), &last_label_value);
      last_label = &o.label;
    }
    napi_set_element(env, labels, i, last_label_value);
    if (!o.classifications.empty()) {
      napi_value pair, index;
      napi_create_array_with_length(env, 2, &pair);
      napi_create_uint32(env, (uint32_t)i, &index);
      napi_set_element(env, pair, 0, index);
      napi_set_element(env, pair, 1, classifications_to_js(env, o.classifications));
      napi_set_element(env, classes, n_classes++, pair);
    }
    if (!o.keypoints.empty())
      napi_set_element(env, keypoints, n_keypoints++, keypoints_to_js(env, (uint32_t)i, o));
  }
  napi_create_typedarray(env, napi_float64_array, n * OBJECT_FIELDS, ab, 0, &nums);
  napi_set_element(env, wire, 0, nums);
  napi_set_element(env, wire, 1, labels);
  napi_set_element(env, wire, 2, classes);
  napi_set_element(env, wire, 3, keypoints);
  if (napi_value rotations = rotations_to_js(env, objects))
    napi_set_element(env, wire, 4, rotations);
  napi_set_element(env, wire, 5, masks_to_js(env, objects));
  return wire;
}

/* Past objects as [...objects, Float64Array of (framesAgo, pts) pairs] (WirePastObjects in wire.ts: the pairs
 * come after the objects' six arrays). */
napi_value past_objects_to_js(napi_env env, const std::vector<PastObject> &past) {
  std::vector<Object> objects;
  objects.reserve(past.size());
  for (const auto &p : past)
    objects.push_back(p.object);
  napi_value wire = objects_to_js(env, objects), ab, when;
  void *data = nullptr;
  napi_create_arraybuffer(env, 2 * past.size() * sizeof(double), &data, &ab);
  for (size_t i = 0; i < past.size(); i++) {
    ((double *)data)[2 * i] = past[i].frames_ago;
    ((double *)data)[2 * i + 1] = (double)past[i].pts;
  }
  napi_create_typedarray(env, napi_float64_array, 2 * past.size(), ab, 0, &when);
  napi_set_element(env, wire, PAST_WHEN, when);
  return wire;
}

/* Reads objects written by wire.ts encodeObjects() from `wire` into `out`. */

void objects_from_js(napi_env env, napi_value wire, std::vector<Object> *out) {
  if (!is_type(env, wire, napi_object))
    return;
  size_t length = 0;
  const double *d = float64_data(env, element(env, wire, 0), &length);
  if (!d)
    return;
  size_t n = length / OBJECT_FIELDS;
  napi_value labels = element(env, wire, 1);
  size_t base = out->size();
  out->resize(base + n);
  for (size_t i = 0; i < n; i++) {
    const double *r = d + i * OBJECT_FIELDS;
    Object &o = (*out)[base + i];
    o.box = {r[F_X], r[F_Y], r[F_WIDTH], r[F_HEIGHT]};
    o.class_id = (int)r[F_CLASS_ID];
    o.confidence = r[F_CONFIDENCE];
    o.track_id = (int64_t)r[F_TRACK_ID];
    o.predicted = ((int)r[F_FLAGS] & 1) != 0;
    o.source_id = (int)r[F_SOURCE];
    napi_value label;
    if (napi_get_element(env, labels, (uint32_t)i, &label) == napi_ok)
      o.label = get_string(env, label);
  }
  for_each_object(env, element(env, wire, 2), [&](uint32_t, napi_value pair) {
    napi_value index_value, list;
    uint32_t index = 0;
    napi_get_element(env, pair, 0, &index_value);
    napi_get_element(env, pair, 1, &list);
    if (napi_get_value_uint32(env, index_value, &index) == napi_ok && index < n)
      (*out)[base + index].classifications = classifications_from_js(env, list);
  });
  napi_value keypoints = element(env, wire, 3);
  uint32_t n_keypoints = array_length(env, keypoints);
  for (uint32_t k = 0; k < n_keypoints; k++)
    keypoints_from_js(env, element(env, keypoints, k), out, base, n);
  rotations_from_js(env, element(env, wire, 4), out, base, n);
  napi_value masks = element(env, wire, 5);
  uint32_t n_masks = array_length(env, masks);
  for (uint32_t k = 0; k < n_masks; k++)
    mask_from_js(env, element(env, masks, k), out, base, n);
}

/* A class map as WireSegmentation (wire.ts): [width, height, Uint8Array of ids, labels, Float64Array transform]. */
napi_value segmentation_to_js(napi_env env, const SegmentationMap &m) {
  napi_value wire, v, ab, labels;
  napi_create_array_with_length(env, 5, &wire);
  napi_create_int32(env, m.width, &v);
  napi_set_element(env, wire, 0, v);
  napi_create_int32(env, m.height, &v);
  napi_set_element(env, wire, 1, v);
  void *data = nullptr;
  napi_create_arraybuffer(env, m.classes.size(), &data, &ab);
  memcpy(data, m.classes.data(), m.classes.size());
  napi_create_typedarray(env, napi_uint8_array, m.classes.size(), ab, 0, &v);
  napi_set_element(env, wire, 2, v);
  napi_create_array_with_length(env, m.labels.size(), &labels);
  for (size_t i = 0; i < m.labels.size(); i++) {
    napi_create_string_utf8(env, m.labels[i].data(), m.labels[i].size(), &v);
    napi_set_element(env, labels, i, v);
  }
  napi_set_element(env, wire, 3, labels);
  napi_set_element(env, wire, 4, float64_array(env, {m.scale_x, m.scale_y, m.pad_x, m.pad_y}));
  return wire;
}

/* Reads a WireSegmentation; null when malformed (a size that disagrees with the ids, a transform not finite). */
std::shared_ptr<SegmentationMap> segmentation_from_js(napi_env env, napi_value wire) {
  double w = 0, h = 0;
  napi_value e = element(env, wire, 0);
  if (!is_type(env, e, napi_number) || napi_get_value_double(env, e, &w) != napi_ok)
    return nullptr;
  e = element(env, wire, 1);
  if (!is_type(env, e, napi_number) || napi_get_value_double(env, e, &h) != napi_ok)
    return nullptr;
  if (!(w >= 1 && w <= 1 << 16 && h >= 1 && h <= 1 << 16))
    return nullptr;
  size_t length = 0;
  const uint8_t *data = uint8_data(env, element(env, wire, 2), &length);
  if (!data || length != (size_t)w * (size_t)h)
    return nullptr;
  size_t n = 0;
  const double *t = float64_data(env, element(env, wire, 4), &n);
  if (!t || n < 4 || !std::all_of(t, t + 4, [](double x) { return std::isfinite(x); }))
    return nullptr;
  auto m = std::make_shared<SegmentationMap>();
  m->width = (int)w;
  m->height = (int)h;
  m->classes.assign(data, data + length);
  napi_value labels = element(env, wire, 3);
  uint32_t count = array_length(env, labels);
  for (uint32_t i = 0; i < count; i++)
    m->labels.push_back(get_string(env, element(env, labels, i)));
  m->scale_x = t[0];
  m->scale_y = t[1];
  m->pad_x = t[2];
  m->pad_y = t[3];
  return m;
}

} // namespace

/* Positional (see WireFrame in wire.ts): named properties cost a string lookup each from C++. */
napi_value frame_to_js(napi_env env, const Frame &f, napi_ref *pixels) {
  napi_value a, v, ab, offsets, strides;
  napi_create_array_with_length(env, 16, &a);
  auto number = [&](uint32_t i, double d) {
    napi_create_double(env, d, &v);
    napi_set_element(env, a, i, v);
  };
  auto boolean = [&](uint32_t i, bool b) {
    napi_get_boolean(env, b, &v);
    napi_set_element(env, a, i, v);
  };
  number(0, (double)f.index);
  number(1, (double)f.pts);
  number(2, f.width);
  number(3, f.height);
  napi_create_string_utf8(env, f.format.data(), f.format.size(), &v);
  napi_set_element(env, a, 4, v);
  boolean(5, f.color_matrix == "bt709");
  boolean(6, f.full_range);
  /* Zero-copy: the buffer's mapped memory, detached as soon as the call completes. */
  *pixels = nullptr;
  if (!f.data) {
    /* A frame the element does not read (tstrack on memory it cannot map): an empty view. */
    napi_create_arraybuffer(env, 0, nullptr, &ab);
    napi_create_typedarray(env, napi_uint8_array, 0, ab, 0, &v);
    napi_set_element(env, a, 7, v);
  } else if (napi_create_external_arraybuffer(env, (void *)f.data, f.size, nullptr, nullptr, &ab) == napi_ok) {
    napi_create_reference(env, ab, 1, pixels);
    napi_create_typedarray(env, napi_uint8_array, f.size, ab, 0, &v);
    napi_set_element(env, a, 7, v);
  }
  napi_create_array_with_length(env, f.n_planes, &offsets);
  napi_create_array_with_length(env, f.n_planes, &strides);
  for (int i = 0; i < f.n_planes; i++) {
    napi_create_double(env, (double)f.offsets[i], &v);
    napi_set_element(env, offsets, i, v);
    napi_create_int32(env, f.strides[i], &v);
    napi_set_element(env, strides, i, v);
  }
  napi_set_element(env, a, 8, offsets);
  napi_set_element(env, a, 9, strides);
  napi_set_element(env, a, 10, objects_to_js(env, f.objects));
  if (!f.classifications.empty())
    napi_set_element(env, a, 11, classifications_to_js(env, f.classifications));
  boolean(12, f.inference_skipped);
  if (!f.past_objects.empty())
    napi_set_element(env, a, 13, past_objects_to_js(env, f.past_objects));
  if (f.camera_motion.size() == 4)
    napi_set_element(env, a, 14, float64_array(env, f.camera_motion));
  if (f.segmentation && !f.segmentation->empty())
    napi_set_element(env, a, 15, segmentation_to_js(env, *f.segmentation));
  return a;
}

/* The meta's motion text from [track id, heading, speed] triples: {"<id>": {"heading": h, "speed": s}, …},
 * one decimal, as JSON.stringify writes Math.round(x * 10) / 10 (built here: V8's JSON of 100 objects a frame
 * costs several times more). */
static std::string motion_json(const double *motion, size_t length) {
  std::string out = "{";
  char buf[64];
  auto number = [&](double x) {
    x = std::floor(x * 10 + 0.5) / 10;
    if (x == 0 || !std::isfinite(x))
      x = 0; /* no "-0"; JSON has no NaN */
    auto r = std::to_chars(buf, buf + sizeof buf, x);
    out.append(buf, r.ptr);
  };
  /* By ascending id, as JavaScript orders an object's integer keys. */
  std::vector<size_t> order;
  for (size_t i = 0; i + 2 < length; i += 3)
    order.push_back(i);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return motion[a] < motion[b]; });
  for (size_t i : order) {
    if (out.size() > 1)
      out += ',';
    out += '"';
    auto r = std::to_chars(buf, buf + sizeof buf, (int64_t)motion[i]);
    out.append(buf, r.ptr);
    out += "\":{\"heading\":";
    number(motion[i + 1]);
    out += ",\"speed\":";
    number(motion[i + 2]);
    out += '}';
  }
  out += '}';
  return out;
}

/* tsanalytics' results (WireAnalytics in wire.ts). */
static std::shared_ptr<AnalyticsResult> analytics_from_js(napi_env env, napi_value v) {
  auto a = std::make_shared<AnalyticsResult>();
  a->events_json = get_string(env, element(env, v, 0));
  a->counts_json = get_string(env, element(env, v, 1));
  size_t motion_length = 0;
  const double *motion = float64_data(env, element(env, v, 2), &motion_length);
  a->motion_json = motion_json(motion, motion ? motion_length : 0);
  auto doubles = [&](napi_value array) {
    size_t n = 0;
    const double *d = float64_data(env, array, &n);
    return d ? std::vector<double>(d, d + n) : std::vector<double>();
  };
  napi_value lines = element(env, v, 3), zones = element(env, v, 4);
  if (is_type(env, lines, napi_object)) {
    a->has_geometry = true;
    for_each_object(env, lines, [&](uint32_t, napi_value l) {
      a->lines.push_back({get_string(env, element(env, l, 0)), doubles(element(env, l, 1))});
    });
    for_each_object(env, zones, [&](uint32_t, napi_value z) {
      AnalyticsResult::Zone zone;
      zone.name = get_string(env, element(env, z, 0));
      zone.points = doubles(element(env, z, 1));
      a->zones.push_back(std::move(zone));
    });
  }
  a->figures = doubles(element(env, v, 5));
  for (double id : doubles(element(env, v, 6)))
    a->crossed.push_back((int64_t)id);
  return a;
}

/* Positional (see WireResult in wire.ts). */
void result_from_js(napi_env env, napi_value v, Result *r) {
  if (!is_type(env, v, napi_object))
    return;
  double d = 0;
  napi_value e = element(env, v, 1);
  int flags = is_type(env, e, napi_number) && napi_get_value_double(env, e, &d) == napi_ok ? (int)d : 0;
  r->skipped = flags & 1;
  r->inference_skipped = flags & 2;
  double *times[] = {&r->hook_ms, &r->model_ms, &r->preprocess_ms, &r->decode_ms};
  for (uint32_t i = 0; i < 4; i++) {
    e = element(env, v, 4 + i);
    if (is_type(env, e, napi_number))
      napi_get_value_double(env, e, times[i]);
  }
  objects_from_js(env, element(env, v, 0), &r->objects);
  napi_value frame_classes = element(env, v, 2);
  if (is_type(env, frame_classes, napi_object))
    r->frame_classifications = classifications_from_js(env, frame_classes);
  napi_value past = element(env, v, 3);
  if (is_type(env, past, napi_object)) {
    std::vector<Object> objects;
    objects_from_js(env, past, &objects);
    size_t length = 0;
    const double *when = float64_data(env, element(env, past, PAST_WHEN), &length);
    for (size_t i = 0; i < objects.size(); i++) {
      PastObject p;
      p.object = std::move(objects[i]);
      if (when && 2 * i + 1 < length) {
        p.frames_ago = (uint32_t)when[2 * i];
        p.pts = (int64_t)when[2 * i + 1];
      }
      r->past_objects.push_back(std::move(p));
    }
  }
  napi_value analytics = element(env, v, 8);
  if (is_type(env, analytics, napi_object))
    r->analytics = analytics_from_js(env, analytics);
  napi_value segmentation = element(env, v, 9);
  if (is_type(env, segmentation, napi_object))
    r->segmentation = segmentation_from_js(env, segmentation);
}

/* One field from its name and JavaScript value (numbers that are integers become INT). */
static MessageField field_from_js(napi_env env, napi_value k, napi_value v) {
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
  return f;
}

std::vector<MessageField> fields_from_js(napi_env env, napi_value fields) {
  std::vector<MessageField> out;
  bool is_array = false;
  if (fields && napi_is_array(env, fields, &is_array) == napi_ok && is_array) {
    /* [name, value, name, value, …]: no property names to enumerate (messages sent every frame). */
    uint32_t n = array_length(env, fields);
    out.reserve(n / 2);
    for (uint32_t i = 0; i + 1 < n; i += 2)
      out.push_back(field_from_js(env, element(env, fields, i), element(env, fields, i + 1)));
    return out;
  }
  napi_value keys;
  if (!is_type(env, fields, napi_object) || napi_get_property_names(env, fields, &keys) != napi_ok)
    return out;
  uint32_t n = array_length(env, keys);
  for (uint32_t i = 0; i < n; i++) {
    napi_value k, v;
    napi_get_element(env, keys, i, &k);
    napi_get_property(env, fields, k, &v);
    out.push_back(field_from_js(env, k, v));
  }
  return out;
}

} // namespace tsv
