// The upright crop of a rotated ROI (tsclassify on oriented boxes). Semantics: ts-runtime/preprocess/spec.ts,
// "Rotated ROI".
#include <algorithm>
#include <cmath>
#include <vector>

#include "preprocess.h"

namespace tsv {

namespace {

// RGB (0..255, not rounded) of frame pixel (x, y), inside the frame; F known at compile time (one loop per format).
template <Format F>
inline void rgbAt(const Frame& f, const YuvCoef& k, int x, int y, float rgb[3]) {
  const uint8_t* d = f.data;
  if constexpr (F == Format::I420 || F == Format::NV12) {
    const int yv = d[f.offsets[0] + static_cast<int64_t>(y) * f.strides[0] + x];
    const int64_t crow = f.offsets[1] + static_cast<int64_t>(y >> 1) * f.strides[1];
    int u, v;
    if constexpr (F == Format::NV12) {
      u = d[crow + 2 * (x >> 1)];
      v = d[crow + 2 * (x >> 1) + 1];
    } else {
      u = d[crow + (x >> 1)];
      v = d[f.offsets[2] + static_cast<int64_t>(y >> 1) * f.strides[2] + (x >> 1)];
    }
    const double c = k.ky * (yv - k.yo);
    const double r = c + k.rv * (v - 128), g = c - k.gu * (u - 128) - k.gv * (v - 128), b = c + k.bu * (u - 128);
    rgb[0] = static_cast<float>(std::min(255.0, std::max(0.0, r)));
    rgb[1] = static_cast<float>(std::min(255.0, std::max(0.0, g)));
    rgb[2] = static_cast<float>(std::min(255.0, std::max(0.0, b)));
  } else {
    constexpr int bpp = F == Format::RGB || F == Format::BGR ? 3 : 4;
    constexpr bool bgr = F == Format::BGR || F == Format::BGRx || F == Format::BGRA;
    const uint8_t* p = d + f.offsets[0] + static_cast<int64_t>(y) * f.strides[0] + static_cast<int64_t>(x) * bpp;
    rgb[0] = p[bgr ? 2 : 0];
    rgb[1] = p[1];
    rgb[2] = p[bgr ? 0 : 2];
  }
}

template <Format F>
void sampleRotated(const Frame& f, const Spec& spec, const Geometry& g, float* out) {
  const int W = spec.width, H = spec.height;
  const int64_t planeSize = static_cast<int64_t>(W) * H;
  const int w = g.x1 - g.x0, h = g.y1 - g.y0;
  const double rectW = spec.roi[2], rectH = spec.roi[3];
  const double cx = spec.roi[0] + rectW / 2, cy = spec.roi[1] + rectH / 2;
  const double c = std::cos(spec.roiAngle), s = std::sin(spec.roiAngle);
  const YuvCoef yuv = yuvCoef(spec.bt709, spec.fullRange);
  float norm[3], bias[3];
  for (int ch = 0; ch < 3; ch++) {
    norm[ch] = static_cast<float>(spec.scale / spec.std[ch]);
    bias[ch] = static_cast<float>(-spec.mean[ch] / spec.std[ch]);
  }
  // Per model column: the offset along the rectangle's width axis from its centre (crop pixel u, clamped to the
  // crop, in rectangle units: the crop grid is the rectangle rounded to whole pixels; pixel centres at +0.5).
  std::vector<double> du(W);
  for (int X = 0; X < W; X++) {
    const double u = std::min(std::max((X - g.offsetX + 0.5) / g.transform.scaleX - 0.5, 0.0), w - 1.0);
    du[X] = (u + 0.5) * rectW / w - rectW / 2;
  }
  const float pad = static_cast<float>(spec.padValue);
  for (int Y = 0; Y < H; Y++) {
    const bool rowInside = Y >= g.offsetY && Y < g.offsetY + g.resizedHeight;
    const double v = std::min(std::max((Y - g.offsetY + 0.5) / g.transform.scaleY - 0.5, 0.0), h - 1.0);
    const double dv = (v + 0.5) * rectH / h - rectH / 2;
    // Frame position = centre + du (cos, sin) + dv (-sin, cos), minus half a pixel (taps at pixel centres).
    const double bx = cx - dv * s - 0.5, by = cy + dv * c - 0.5;
    for (int X = 0; X < W; X++) {
      float rgb[3] = {pad, pad, pad};
      if (rowInside && X >= g.offsetX && X < g.offsetX + g.resizedWidth) {
        const double fx = std::min(std::max(bx + du[X] * c, 0.0), f.width - 1.0);
        const double fy = std::min(std::max(by + du[X] * s, 0.0), f.height - 1.0);
        const int x0 = static_cast<int>(fx), y0 = static_cast<int>(fy);
        const int x1 = std::min(x0 + 1, f.width - 1), y1 = std::min(y0 + 1, f.height - 1);
        const float ax = static_cast<float>(fx - x0), ay = static_cast<float>(fy - y0);
        float p00[3], p01[3], p10[3], p11[3];
        rgbAt<F>(f, yuv, x0, y0, p00);
        rgbAt<F>(f, yuv, x1, y0, p01);
        rgbAt<F>(f, yuv, x0, y1, p10);
        rgbAt<F>(f, yuv, x1, y1, p11);
        for (int ch = 0; ch < 3; ch++) {
          const float top = p00[ch] + (p01[ch] - p00[ch]) * ax;
          const float bottom = p10[ch] + (p11[ch] - p10[ch]) * ax;
          rgb[ch] = top + (bottom - top) * ay;
        }
      }
      const int64_t pixel = static_cast<int64_t>(Y) * W + X;
      for (int ch = 0; ch < 3; ch++) {
        const float value = rgb[spec.bgr ? 2 - ch : ch] * norm[ch] + bias[ch];
        out[spec.nhwc ? 3 * pixel + ch : ch * planeSize + pixel] = value;
      }
    }
  }
}

}  // namespace

std::string computeRotatedGeometry(const Spec& spec, Geometry& g) {
  // The upright crop is a round(width) x round(height) image (at least 1 x 1), resized like any ROI.
  const int w = std::max(1, static_cast<int>(std::lround(spec.roi[2])));
  const int h = std::max(1, static_cast<int>(std::lround(spec.roi[3])));
  Spec upright = spec;
  upright.hasRoi = false;
  upright.roiAngle = 0;
  return computeGeometry(w, h, upright, g);
}

void preprocessRotated(const Frame& f, const Spec& spec, const Geometry& g, float* out) {
  switch (f.format) {
    case Format::RGB: return sampleRotated<Format::RGB>(f, spec, g, out);
    case Format::BGR: return sampleRotated<Format::BGR>(f, spec, g, out);
    case Format::RGBx: return sampleRotated<Format::RGBx>(f, spec, g, out);
    case Format::BGRx: return sampleRotated<Format::BGRx>(f, spec, g, out);
    case Format::RGBA: return sampleRotated<Format::RGBA>(f, spec, g, out);
    case Format::BGRA: return sampleRotated<Format::BGRA>(f, spec, g, out);
    case Format::I420: return sampleRotated<Format::I420>(f, spec, g, out);
    case Format::NV12: return sampleRotated<Format::NV12>(f, spec, g, out);
  }
}

}  // namespace tsv
