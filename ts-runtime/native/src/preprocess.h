// Pixel preprocessing kernel (no Node-API dependency). Semantics: ts-runtime/preprocess/spec.ts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tsv {

enum class Format { RGB, BGR, RGBx, BGRx, RGBA, BGRA, I420, NV12 };
enum class Resize { Letterbox, LetterboxCentre, Stretch, CentreCrop };

struct Frame {
  Format format = Format::RGB;
  int width = 0;
  int height = 0;
  const uint8_t* data = nullptr;
  size_t size = 0;
  int64_t offsets[3] = {0, 0, 0};
  int64_t strides[3] = {0, 0, 0};
};

struct Spec {
  int width = 0;
  int height = 0;
  Resize resize = Resize::Letterbox;
  double cropFraction = 0.875;
  double padValue = 0;
  bool bgr = false;  // model channel order
  double scale = 1;
  double mean[3] = {0, 0, 0};
  double std[3] = {1, 1, 1};
  bool nhwc = false;
  bool hasRoi = false;
  double roi[4] = {0, 0, 0, 0};  // x, y, width, height
  bool bt709 = false;      // YUV matrix: BT.709 instead of BT.601
  bool fullRange = false;  // YUV range: 0..255 instead of Y 16..235, U/V 16..240
  // A rotated ROI (radians, clockwise on screen about the ROI centre; roi = the rectangle's own extent): the crop is
  // sampled upright (preprocessRotated). 0: the axis-aligned ROI of the other kernels.
  double roiAngle = 0;
  // The out buffer already holds this geometry's padding (written by an earlier call with the same paddingKey): the
  // fast kernel writes only the resized image. The other kernels write everything anyway.
  bool reusePadding = false;
};

struct Transform {
  double scaleX = 1, scaleY = 1, padX = 0, padY = 0;
  int inputWidth = 0, inputHeight = 0;
};

struct Geometry {
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // clipped ROI, [x0, x1) x [y0, y1)
  int resizedWidth = 0, resizedHeight = 0;
  int offsetX = 0, offsetY = 0;  // resized image's top-left inside the model input
  Transform transform;
};

bool parseFormat(const std::string& name, Format& out);
const char* formatName(Format f);
int bytesPerPixel(Format f);
int planeCount(Format f);

// Each returns an empty string on success, an error message otherwise.
std::string validateFrame(const Frame& frame);
std::string computeGeometry(int frameWidth, int frameHeight, const Spec& spec, Geometry& geo);

// What the padding written for (spec, geo) depends on — input size, layout, the resized image's place in it and the
// padded value per channel — as a string: two calls with equal keys write equal padding.
std::string paddingKey(const Spec& spec, const Geometry& geo);

// Fills out[0 .. 3*spec.width*spec.height) (the padding only unless spec.reusePadding). Inputs must have been validated.
void preprocess(const Frame& frame, const Spec& spec, const Geometry& geo, float* out);
// The upright crop of a rotated ROI (spec.roiAngle != 0), resized as `geo` says (computeRotatedGeometry): bilinear
// sampling of the frame at the rotated positions, clamped to the frame's edges. Plain per-pixel code: it runs on
// object crops (tsclassify), not on whole frames.
std::string computeRotatedGeometry(const Spec& spec, Geometry& geo);
void preprocessRotated(const Frame& frame, const Spec& spec, const Geometry& geo, float* out);
// YUV -> RGB (0..255): R = ky*(Y-yo) + rv*(V-128), G = ky*(Y-yo) - gu*(U-128) - gv*(V-128), B = ky*(Y-yo) + bu*(U-128)
// (yuvCoefficients() in spec.ts).
struct YuvCoef {
  double ky, rv, gu, gv, bu, yo;
};
YuvCoef yuvCoef(bool bt709, bool fullRange);
// The previous (slower) kernel, same semantics: only for the benchmark and the tests (preprocess_scalar.cc).
void preprocessScalar(const Frame& frame, const Spec& spec, const Geometry& geo, float* out);
// The builds of preprocess() (one per instruction set: x86-64-v4, x86-64-v3, x86-64-v2, x86-64; elsewhere one)
// this CPU can run, best first; the one in use (the best, unless setPreprocessIsa() chose another: tests, bench).
std::vector<std::string> preprocessIsas();
const char* preprocessIsa();
bool setPreprocessIsa(const std::string& name);

}  // namespace tsv
