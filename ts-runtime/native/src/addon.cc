// tsvision_pixels.node — Node-API binding of the pixel preprocessing kernels (preprocess*.cc).
// Only Node-API is used (no V8/nan), so the same binary loads in Node 20 and in an embedded libnode (Node 18).
//
// JS API (types: ts-runtime/preprocess/spec.ts):
//   preprocess(frame: FrameLayout, spec: PreprocessSpec, out?: Float32Array): { tensor, transform } (preprocess_kernel.cc)
//   bytesPerPixel(format: PixelFormat): number
//   bestClass(...) (scan.h), decodeMasks(...) (mask.h; MaskKernel in elements/detect/seg.ts)
//   argmaxClasses(scores, height, width, classes, layout) (argmax.h; ArgmaxKernel in elements/classify/segmentation.ts)
//   version: string
// and, not enumerable, for bench/preprocess-bench.mjs and the tests only:
//   preprocessScalar(frame, spec, out?): the same as preprocess() with the previous, slower kernel
//     (preprocess_scalar.cc)
//   preprocessIsa(): string, the build of preprocess() in use (x86-64: the best of x86-64-v4, -v3, -v2, x86-64
//     this CPU supports); preprocessIsas(): string[], the builds this CPU supports, best first;
//     setPreprocessIsa(name): use that build from now on (the tests and the benchmark run each one)
#include <napi.h>

#include <cmath>
#include <string>
#include <vector>

#include "preprocess.h"
#include "argmax.h"
#include "mask.h"
#include "scan.h"

namespace {

[[noreturn]] void typeError(Napi::Env env, const std::string& msg) {
  throw Napi::TypeError::New(env, "preprocess: " + msg);
}

bool isFiniteNumber(const Napi::Value& v) { return v.IsNumber() && std::isfinite(v.As<Napi::Number>().DoubleValue()); }

double getNumber(Napi::Env env, const Napi::Object& obj, const char* owner, const char* key) {
  Napi::Value v = obj.Get(key);
  if (!isFiniteNumber(v)) typeError(env, std::string(owner) + "." + key + " must be a finite number");
  return v.As<Napi::Number>().DoubleValue();
}

int getPositiveInt(Napi::Env env, const Napi::Object& obj, const char* owner, const char* key) {
  Napi::Value v = obj.Get(key);
  double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : NAN;
  if (!std::isfinite(d) || d != std::floor(d) || d <= 0 || d > 1 << 20) {
    typeError(env, std::string(owner) + " width/height must be positive integers (" + owner + "." + key + " is " +
                       v.ToString().Utf8Value() + ")");
  }
  return static_cast<int>(d);
}

void getIntArray(Napi::Env env, const Napi::Object& obj, const char* key, int count, int64_t* dst) {
  Napi::Value v = obj.Get(key);
  if (!v.IsArray()) typeError(env, std::string("frame.") + key + " must be an array");
  Napi::Array arr = v.As<Napi::Array>();
  if (static_cast<int>(arr.Length()) < count) {
    typeError(env, std::string("frame.") + key + " needs " + std::to_string(count) + " entries for this format (got " +
                       std::to_string(arr.Length()) + ")");
  }
  for (int i = 0; i < count; i++) {
    Napi::Value e = arr.Get(static_cast<uint32_t>(i));
    double d = e.IsNumber() ? e.As<Napi::Number>().DoubleValue() : NAN;
    if (!std::isfinite(d) || d != std::floor(d) || d < 0 || d > 9.0e15) {
      typeError(env, std::string("frame.") + key + "[" + std::to_string(i) + "] must be a non-negative integer");
    }
    dst[i] = static_cast<int64_t>(d);
  }
}

tsv::Frame parseFrame(Napi::Env env, const Napi::Value& value) {
  if (!value.IsObject()) typeError(env, "frame must be an object");
  Napi::Object obj = value.As<Napi::Object>();
  tsv::Frame f;
  Napi::Value fmt = obj.Get("format");
  if (!fmt.IsString() || !tsv::parseFormat(fmt.As<Napi::String>().Utf8Value(), f.format)) {
    typeError(env, "unsupported pixel format " + (fmt.IsString() ? "\"" + fmt.As<Napi::String>().Utf8Value() + "\""
                                                                   : fmt.ToString().Utf8Value()) +
                       " (expected one of RGB, BGR, RGBx, BGRx, RGBA, BGRA, I420, NV12)");
  }
  f.width = getPositiveInt(env, obj, "frame", "width");
  f.height = getPositiveInt(env, obj, "frame", "height");
  Napi::Value data = obj.Get("data");
  if (data.IsTypedArray()) {
    Napi::TypedArray ta = data.As<Napi::TypedArray>();
    if (ta.TypedArrayType() != napi_uint8_array && ta.TypedArrayType() != napi_uint8_clamped_array) {
      typeError(env, "frame.data must be a Uint8Array");
    }
    Napi::ArrayBuffer ab = ta.ArrayBuffer();
    f.data = static_cast<const uint8_t*>(ab.Data()) + ta.ByteOffset();
    f.size = ta.ByteLength();
  } else if (data.IsArrayBuffer()) {
    Napi::ArrayBuffer ab = data.As<Napi::ArrayBuffer>();
    f.data = static_cast<const uint8_t*>(ab.Data());
    f.size = ab.ByteLength();
  } else {
    typeError(env, "frame.data must be a Uint8Array");
  }
  if (f.data == nullptr) f.size = 0;  // detached
  const int np = tsv::planeCount(f.format);
  getIntArray(env, obj, "offsets", np, f.offsets);
  getIntArray(env, obj, "strides", np, f.strides);
  std::string err = tsv::validateFrame(f);
  if (!err.empty()) typeError(env, err);
  return f;
}

void getTriple(Napi::Env env, const Napi::Object& obj, const char* key, double* dst) {
  Napi::Value v = obj.Get(key);
  if (!v.IsArray() || v.As<Napi::Array>().Length() != 3) {
    typeError(env, std::string("spec.") + key + " must be an array of 3 finite numbers");
  }
  Napi::Array arr = v.As<Napi::Array>();
  for (uint32_t i = 0; i < 3; i++) {
    Napi::Value e = arr.Get(i);
    if (!isFiniteNumber(e)) typeError(env, std::string("spec.") + key + " must be an array of 3 finite numbers");
    dst[i] = e.As<Napi::Number>().DoubleValue();
  }
}

tsv::Spec parseSpec(Napi::Env env, const Napi::Value& value) {
  if (!value.IsObject()) typeError(env, "spec must be an object");
  Napi::Object obj = value.As<Napi::Object>();
  tsv::Spec s;
  s.width = getPositiveInt(env, obj, "spec", "width");
  s.height = getPositiveInt(env, obj, "spec", "height");
  if (static_cast<double>(s.width) * s.height > 1 << 26) typeError(env, "spec width*height is too large");

  Napi::Value resize = obj.Get("resize");
  std::string r = resize.IsString() ? resize.As<Napi::String>().Utf8Value() : std::string();
  if (r == "letterbox") s.resize = tsv::Resize::Letterbox;
  else if (r == "letterbox-centre") s.resize = tsv::Resize::LetterboxCentre;
  else if (r == "stretch") s.resize = tsv::Resize::Stretch;
  else if (r == "centre-crop") s.resize = tsv::Resize::CentreCrop;
  else typeError(env, "spec.resize must be letterbox, letterbox-centre, stretch or centre-crop (got " + resize.ToString().Utf8Value() + ")");

  Napi::Value cf = obj.Get("cropFraction");
  if (!cf.IsUndefined()) {
    double d = isFiniteNumber(cf) ? cf.As<Napi::Number>().DoubleValue() : NAN;
    if (!(d > 0 && d <= 1)) typeError(env, "spec.cropFraction must be a number in (0, 1] (got " + cf.ToString().Utf8Value() + ")");
    s.cropFraction = d;
  }
  s.padValue = getNumber(env, obj, "spec", "padValue");

  Napi::Value order = obj.Get("channelOrder");
  std::string o = order.IsString() ? order.As<Napi::String>().Utf8Value() : std::string();
  if (o == "RGB") s.bgr = false;
  else if (o == "BGR") s.bgr = true;
  else typeError(env, "spec.channelOrder must be RGB or BGR (got " + order.ToString().Utf8Value() + ")");

  s.scale = getNumber(env, obj, "spec", "scale");
  getTriple(env, obj, "mean", s.mean);
  getTriple(env, obj, "std", s.std);
  for (double d : s.std) {
    if (d == 0) typeError(env, "spec.std must not contain 0");
  }

  Napi::Value layout = obj.Get("layout");
  std::string l = layout.IsString() ? layout.As<Napi::String>().Utf8Value() : std::string();
  if (l == "NCHW") s.nhwc = false;
  else if (l == "NHWC") s.nhwc = true;
  else typeError(env, "spec.layout must be NCHW or NHWC (got " + layout.ToString().Utf8Value() + ")");

  Napi::Value roi = obj.Get("roi");
  if (!roi.IsUndefined()) {
    const char* msg = "spec.roi must be { x, y, width, height } with finite numbers and positive width/height";
    if (!roi.IsObject()) typeError(env, msg);
    Napi::Object ro = roi.As<Napi::Object>();
    const char* keys[4] = {"x", "y", "width", "height"};
    for (int i = 0; i < 4; i++) {
      Napi::Value e = ro.Get(keys[i]);
      if (!isFiniteNumber(e)) typeError(env, msg);
      s.roi[i] = e.As<Napi::Number>().DoubleValue();
    }
    if (s.roi[2] <= 0 || s.roi[3] <= 0) typeError(env, msg);
    s.hasRoi = true;
    Napi::Value angle = ro.Get("angle");
    if (!angle.IsUndefined()) {
      if (!isFiniteNumber(angle)) typeError(env, "spec.roi.angle must be a finite number (radians)");
      s.roiAngle = angle.As<Napi::Number>().DoubleValue();
    }
  }

  Napi::Value cm = obj.Get("colorMatrix");
  if (!cm.IsUndefined()) {
    std::string c = cm.IsString() ? cm.As<Napi::String>().Utf8Value() : std::string();
    if (c == "bt601") s.bt709 = false;
    else if (c == "bt709") s.bt709 = true;
    else typeError(env, "spec.colorMatrix must be bt601 or bt709 (got " + cm.ToString().Utf8Value() + ")");
  }

  Napi::Value cr = obj.Get("colorRange");
  if (!cr.IsUndefined()) {
    std::string c = cr.IsString() ? cr.As<Napi::String>().Utf8Value() : std::string();
    if (c == "limited") s.fullRange = false;
    else if (c == "full") s.fullRange = true;
    else typeError(env, "spec.colorRange must be limited or full (got " + cr.ToString().Utf8Value() + ")");
  }
  return s;
}

using Kernel = void (*)(const tsv::Frame&, const tsv::Spec&, const tsv::Geometry&, float*);

Napi::Value RunPreprocess(const Napi::CallbackInfo& info, Kernel kernel) {
  Napi::Env env = info.Env();
  if (info.Length() < 2) typeError(env, "expected (frame, spec, out?, paddingKey?)");
  tsv::Frame frame = parseFrame(env, info[0]);
  tsv::Spec spec = parseSpec(env, info[1]);
  const size_t n = static_cast<size_t>(spec.width) * spec.height * 3;

  Napi::Float32Array tensor;
  if (info.Length() >= 3 && !info[2].IsUndefined() && !info[2].IsNull()) {
    Napi::Value ov = info[2];
    if (!ov.IsTypedArray() || ov.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
      typeError(env, "out must be a Float32Array");
    }
    Napi::Float32Array out = ov.As<Napi::Float32Array>();
    if (out.ElementLength() < n) {
      typeError(env, "out has " + std::to_string(out.ElementLength()) + " floats, needs " + std::to_string(n));
    }
    if (out.Data() == nullptr) typeError(env, "out is detached");
    tensor = out.ElementLength() == n ? out : Napi::Float32Array::New(env, n, out.ArrayBuffer(), out.ByteOffset());
  } else {
    tensor = Napi::Float32Array::New(env, n);
  }

  tsv::Geometry geo;
  const bool rotated = spec.hasRoi && spec.roiAngle != 0;
  std::string err = rotated ? tsv::computeRotatedGeometry(spec, geo) : tsv::computeGeometry(frame.width, frame.height, spec, geo);
  if (!err.empty()) typeError(env, err);

  // `out` holds the padding of an earlier call whose result carried the same key (the caller keeps it per buffer).
  const std::string padKey = rotated ? std::string() : tsv::paddingKey(spec, geo);
  if (!rotated && info.Length() >= 4 && info[3].IsString() && tensor.Data() != nullptr && info[2].IsTypedArray()) {
    spec.reusePadding = info[3].As<Napi::String>().Utf8Value() == padKey;
  }
  (rotated ? tsv::preprocessRotated : kernel)(frame, spec, geo, tensor.Data());

  Napi::Object transform = Napi::Object::New(env);
  transform.Set("scaleX", geo.transform.scaleX);
  transform.Set("scaleY", geo.transform.scaleY);
  transform.Set("padX", geo.transform.padX);
  transform.Set("padY", geo.transform.padY);
  transform.Set("inputWidth", geo.transform.inputWidth);
  transform.Set("inputHeight", geo.transform.inputHeight);
  Napi::Object result = Napi::Object::New(env);
  result.Set("tensor", tensor);
  result.Set("transform", transform);
  result.Set("paddingKey", padKey);
  return result;
}

Napi::Value Preprocess(const Napi::CallbackInfo& info) { return RunPreprocess(info, tsv::preprocess); }
Napi::Value PreprocessScalar(const Napi::CallbackInfo& info) { return RunPreprocess(info, tsv::preprocessScalar); }

Napi::Value PreprocessIsa(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), tsv::preprocessIsa()); }

Napi::Value PreprocessIsas(const Napi::CallbackInfo& info) {
  const std::vector<std::string> names = tsv::preprocessIsas();
  Napi::Array arr = Napi::Array::New(info.Env(), names.size());
  for (size_t i = 0; i < names.size(); i++) arr.Set(static_cast<uint32_t>(i), names[i]);
  return arr;
}

Napi::Value SetPreprocessIsa(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string name = info.Length() >= 1 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  if (!tsv::setPreprocessIsa(name)) {
    std::string list;
    for (const std::string& n : tsv::preprocessIsas()) list += (list.empty() ? "" : ", ") + n;
    typeError(env, "setPreprocessIsa: \"" + name + "\" is not a build this CPU runs (" + list + ")");
  }
  return env.Undefined();
}

Napi::Value BytesPerPixel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  tsv::Format f;
  if (info.Length() < 1 || !info[0].IsString() || !tsv::parseFormat(info[0].As<Napi::String>().Utf8Value(), f)) {
    typeError(env, "bytesPerPixel: unsupported pixel format");
  }
  return Napi::Number::New(env, tsv::bytesPerPixel(f));
}

// bestClass(scores: Float32Array, rows, classes, start, rowStride, threshold) -> [index, classId, score] of the
// candidates whose best score is >= threshold (scan.h; rowStride 0: class planes of `rows` scores).
Napi::Value BestClass(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 6 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(env, "bestClass(scores: Float32Array, rows, classes, start, rowStride, threshold)");
  }
  Napi::Float32Array scores = info[0].As<Napi::Float32Array>();
  tsv::ScanLayout l;
  l.rows = static_cast<int64_t>(info[1].As<Napi::Number>().DoubleValue());
  l.classes = static_cast<int64_t>(info[2].As<Napi::Number>().DoubleValue());
  l.start = static_cast<int64_t>(info[3].As<Napi::Number>().DoubleValue());
  l.rowStride = static_cast<int64_t>(info[4].As<Napi::Number>().DoubleValue());
  const double threshold = info[5].As<Napi::Number>().DoubleValue();
  const int64_t last = l.rowStride > 0 ? l.start + (l.rows - 1) * l.rowStride + l.classes : l.start + l.classes * l.rows;
  if (l.rows < 0 || l.classes < 1 || l.start < 0 || l.rowStride < 0 || (l.rows > 0 && last > static_cast<int64_t>(scores.ElementLength()))) {
    throw Napi::RangeError::New(env, "bestClass: the layout reaches past the end of the scores");
  }
  std::vector<int32_t> index, classId;
  std::vector<float> score;
  tsv::bestClassPerRow(scores.Data(), l, threshold, index, classId, score);
  Napi::Int32Array outIndex = Napi::Int32Array::New(env, index.size());
  Napi::Int32Array outClass = Napi::Int32Array::New(env, classId.size());
  Napi::Float32Array outScore = Napi::Float32Array::New(env, score.size());
  std::copy(index.begin(), index.end(), outIndex.Data());
  std::copy(classId.begin(), classId.end(), outClass.Data());
  std::copy(score.begin(), score.end(), outScore.Data());
  Napi::Array out = Napi::Array::New(env, 3);
  out.Set(0u, outIndex);
  out.Set(1u, outClass);
  out.Set(2u, outScore);
  return out;
}

// decodeMasks(protos: Float32Array, protoDims: [M, H, W], coefficients: Float32Array (n x M), boxes: Float64Array
// (n x 4: x1, y1, x2, y2 in frame pixels), transform: { scaleX, scaleY, padX, padY, inputWidth, inputHeight },
// frameWidth, frameHeight, threshold) -> [rects: Int32Array (n x 4: x, y, width, height), data: Uint8Array (the
// masks one after the other, row-major, 1 inside)] (mask.h).
Napi::Value DecodeMasks(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* usage =
      "decodeMasks(protos: Float32Array, protoDims: [M, H, W], coefficients: Float32Array, boxes: Float64Array, transform, "
      "frameWidth, frameHeight, threshold)";
  auto isTyped = [&](size_t i, napi_typedarray_type type) {
    return info[i].IsTypedArray() && info[i].As<Napi::TypedArray>().TypedArrayType() == type;
  };
  if (info.Length() < 8 || !isTyped(0, napi_float32_array) || !info[1].IsArray() || !isTyped(2, napi_float32_array) ||
      !isTyped(3, napi_float64_array) || !info[4].IsObject() || !isFiniteNumber(info[5]) || !isFiniteNumber(info[6]) ||
      !isFiniteNumber(info[7])) {
    throw Napi::TypeError::New(env, usage);
  }
  Napi::Float32Array protos = info[0].As<Napi::Float32Array>();
  Napi::Array dims = info[1].As<Napi::Array>();
  Napi::Float32Array coefficients = info[2].As<Napi::Float32Array>();
  Napi::Float64Array boxes = info[3].As<Napi::Float64Array>();
  Napi::Object t = info[4].As<Napi::Object>();
  tsv::MaskProtos p;
  int d[3];
  for (uint32_t k = 0; k < 3; k++) {
    Napi::Value v = dims.Length() == 3 ? dims.Get(k) : Napi::Value();
    double x = !v.IsEmpty() && v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : NAN;
    if (!(x >= 1 && x <= 1 << 16) || x != std::floor(x)) throw Napi::TypeError::New(env, "decodeMasks: protoDims must be [M, H, W], positive integers");
    d[k] = static_cast<int>(x);
  }
  p.data = protos.Data();
  p.count = d[0];
  p.height = d[1];
  p.width = d[2];
  const int n = static_cast<int>(boxes.ElementLength() / 4);
  if ((size_t)p.count * p.height * p.width > protos.ElementLength() || coefficients.ElementLength() < (size_t)n * p.count) {
    throw Napi::RangeError::New(env, "decodeMasks: protos or coefficients hold fewer values than protoDims and the boxes need");
  }
  tsv::MaskTransform mt;
  mt.scaleX = getNumber(env, t, "transform", "scaleX");
  mt.scaleY = getNumber(env, t, "transform", "scaleY");
  mt.padX = getNumber(env, t, "transform", "padX");
  mt.padY = getNumber(env, t, "transform", "padY");
  mt.inputWidth = getPositiveInt(env, t, "transform", "inputWidth");
  mt.inputHeight = getPositiveInt(env, t, "transform", "inputHeight");
  const double fw = info[5].As<Napi::Number>().DoubleValue(), fh = info[6].As<Napi::Number>().DoubleValue();
  if (!(fw >= 0 && fh >= 0 && fw <= 1 << 20 && fh <= 1 << 20)) throw Napi::RangeError::New(env, "decodeMasks: bad frame size");
  std::vector<tsv::MaskRect> rects;
  std::vector<uint8_t> data;
  tsv::decodeMasks(p, coefficients.Data(), boxes.Data(), n, mt, static_cast<int>(fw), static_cast<int>(fh),
                   info[7].As<Napi::Number>().DoubleValue(), rects, data);
  Napi::Int32Array outRects = Napi::Int32Array::New(env, 4 * (size_t)n);
  for (int i = 0; i < n; i++) {
    int32_t* r = outRects.Data() + 4 * i;
    r[0] = rects[i].x;
    r[1] = rects[i].y;
    r[2] = rects[i].width;
    r[3] = rects[i].height;
  }
  Napi::Uint8Array outData = Napi::Uint8Array::New(env, data.size());
  if (!data.empty()) std::copy(data.begin(), data.end(), outData.Data());
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(0u, outRects);
  out.Set(1u, outData);
  return out;
}

// argmaxClasses(scores: Float32Array, height, width, classes, layout: 'NHWC' | 'NCHW') -> Uint8Array of height x width
// class ids (argmax.h).
Napi::Value ArgmaxClasses(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* usage = "argmaxClasses(scores: Float32Array, height, width, classes, layout: 'NHWC' | 'NCHW')";
  if (info.Length() < 5 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array ||
      !info[4].IsString()) {
    throw Napi::TypeError::New(env, usage);
  }
  double d[3];
  for (int k = 0; k < 3; k++) {
    d[k] = info[1 + k].IsNumber() ? info[1 + k].As<Napi::Number>().DoubleValue() : NAN;
    if (!(d[k] >= 1 && d[k] <= 1 << 16) || d[k] != std::floor(d[k])) throw Napi::TypeError::New(env, std::string(usage) + ": height, width and classes must be positive integers");
  }
  if (d[2] > 256) throw Napi::RangeError::New(env, "argmaxClasses: at most 256 classes (class ids are bytes)");
  const std::string layout = info[4].As<Napi::String>().Utf8Value();
  if (layout != "NHWC" && layout != "NCHW") throw Napi::TypeError::New(env, std::string(usage) + ": layout must be NHWC or NCHW");
  Napi::Float32Array scores = info[0].As<Napi::Float32Array>();
  const int h = (int)d[0], w = (int)d[1], c = (int)d[2];
  if ((size_t)h * w * c > scores.ElementLength()) throw Napi::RangeError::New(env, "argmaxClasses: scores hold fewer than height x width x classes values");
  Napi::Uint8Array out = Napi::Uint8Array::New(env, (size_t)h * w);
  tsv::argmaxClasses(scores.Data(), h, w, c, layout == "NHWC", out.Data());
  return out;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("preprocess", Napi::Function::New(env, Preprocess, "preprocess"));
  exports.Set("bytesPerPixel", Napi::Function::New(env, BytesPerPixel, "bytesPerPixel"));
  exports.Set("bestClass", Napi::Function::New(env, BestClass, "bestClass"));
  exports.Set("decodeMasks", Napi::Function::New(env, DecodeMasks, "decodeMasks"));
  exports.Set("argmaxClasses", Napi::Function::New(env, ArgmaxClasses, "argmaxClasses"));
  exports.Set("version", Napi::String::New(env, TSVISION_PIXELS_VERSION));
  // For the tests and the benchmark, not the addon's API (PixelAddon in spec.ts): not enumerable, so the addon's
  // keys stay argmaxClasses, bestClass, bytesPerPixel, decodeMasks, preprocess, version.
  exports.DefineProperties({
      Napi::PropertyDescriptor::Function(env, exports, "preprocessScalar", PreprocessScalar),
      Napi::PropertyDescriptor::Function(env, exports, "preprocessIsa", PreprocessIsa),
      Napi::PropertyDescriptor::Function(env, exports, "preprocessIsas", PreprocessIsas),
      Napi::PropertyDescriptor::Function(env, exports, "setPreprocessIsa", SetPreprocessIsa),
  });
  return exports;
}

}  // namespace

NODE_API_MODULE(tsvision_pixels, Init)
