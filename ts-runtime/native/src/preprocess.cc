// Pixel preprocessing: formats, frame validation and geometry (the kernels: preprocess_kernel.cc, the
// previous one preprocess_scalar.cc). Semantics: ts-runtime/preprocess/spec.ts.
#include "preprocess.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tsv {

namespace {

// JavaScript Math.round semantics (ties toward +infinity), so geometry matches the TS reference exactly.
double jsRound(double x) {
  double r = std::floor(x);
  return (x - r >= 0.5) ? r + 1 : r;
}

}  // namespace

bool parseFormat(const std::string& name, Format& out) {
  static const struct {
    const char* name;
    Format f;
  } table[] = {{"RGB", Format::RGB},   {"BGR", Format::BGR},   {"RGBx", Format::RGBx}, {"BGRx", Format::BGRx},
               {"RGBA", Format::RGBA}, {"BGRA", Format::BGRA}, {"I420", Format::I420}, {"NV12", Format::NV12}};
  for (const auto& e : table) {
    if (name == e.name) {
      out = e.f;
      return true;
    }
  }
  return false;
}

const char* formatName(Format f) {
  switch (f) {
    case Format::RGB: return "RGB";
    case Format::BGR: return "BGR";
    case Format::RGBx: return "RGBx";
    case Format::BGRx: return "BGRx";
    case Format::RGBA: return "RGBA";
    case Format::BGRA: return "BGRA";
    case Format::I420: return "I420";
    case Format::NV12: return "NV12";
  }
  return "?";
}

int bytesPerPixel(Format f) {
  switch (f) {
    case Format::RGB:
    case Format::BGR: return 3;
    case Format::RGBx:
    case Format::BGRx:
    case Format::RGBA:
    case Format::BGRA: return 4;
    case Format::I420:
    case Format::NV12: return 1;
  }
  return 1;
}

int planeCount(Format f) {
  switch (f) {
    case Format::I420: return 3;
    case Format::NV12: return 2;
    default: return 1;
  }
}

std::string validateFrame(const Frame& f) {
  const int64_t w = f.width, h = f.height;
  const int64_t cw = (w + 1) >> 1, ch = (h + 1) >> 1;
  int64_t rowBytes[3] = {0, 0, 0}, rows[3] = {0, 0, 0};
  const int np = planeCount(f.format);
  if (f.format == Format::I420) {
    rowBytes[0] = w, rows[0] = h;
    rowBytes[1] = rowBytes[2] = cw, rows[1] = rows[2] = ch;
  } else if (f.format == Format::NV12) {
    rowBytes[0] = w, rows[0] = h;
    rowBytes[1] = 2 * cw, rows[1] = ch;
  } else {
    rowBytes[0] = w * bytesPerPixel(f.format), rows[0] = h;
  }
  for (int i = 0; i < np; i++) {
    if (f.offsets[i] < 0) return "plane " + std::to_string(i) + " offset must be a non-negative integer";
    if (f.strides[i] < rowBytes[i]) {
      return "plane " + std::to_string(i) + " stride must be an integer >= " + std::to_string(rowBytes[i]) +
             " bytes (got " + std::to_string(f.strides[i]) + ")";
    }
    const int64_t end = f.offsets[i] + (rows[i] - 1) * f.strides[i] + rowBytes[i];
    if (end > static_cast<int64_t>(f.size)) {
      return "frame data too short: plane " + std::to_string(i) + " needs " + std::to_string(end) + " bytes (offset " +
             std::to_string(f.offsets[i]) + ", stride " + std::to_string(f.strides[i]) + ", " +
             std::to_string(rows[i]) + " rows), data has " + std::to_string(f.size);
    }
  }
  return std::string();
}

std::string computeGeometry(int frameWidth, int frameHeight, const Spec& spec, Geometry& g) {
  double rx = 0, ry = 0, rwid = frameWidth, rhei = frameHeight;
  if (spec.hasRoi) rx = spec.roi[0], ry = spec.roi[1], rwid = spec.roi[2], rhei = spec.roi[3];
  const double x0 = std::max(0.0, jsRound(rx));
  const double y0 = std::max(0.0, jsRound(ry));
  const double x1 = std::min(static_cast<double>(frameWidth), jsRound(rx + rwid));
  const double y1 = std::min(static_cast<double>(frameHeight), jsRound(ry + rhei));
  if (x1 - x0 < 1 || y1 - y0 < 1) {
    return "spec.roi does not overlap the " + std::to_string(frameWidth) + "x" + std::to_string(frameHeight) + " frame";
  }
  g.x0 = static_cast<int>(x0), g.y0 = static_cast<int>(y0), g.x1 = static_cast<int>(x1), g.y1 = static_cast<int>(y1);
  const double w = g.x1 - g.x0, h = g.y1 - g.y0;
  const double W = spec.width, H = spec.height;
  double rw = W, rh = H;
  double offX = 0, offY = 0;
  switch (spec.resize) {
    case Resize::Stretch: break;
    case Resize::Letterbox:
    case Resize::LetterboxCentre: {
      const double s = std::min(W / w, H / h);
      rw = std::min(W, std::max(1.0, jsRound(w * s)));
      rh = std::min(H, std::max(1.0, jsRound(h * s)));
      if (spec.resize == Resize::LetterboxCentre) {
        offX = std::floor((W - rw) / 2);
        offY = std::floor((H - rh) / 2);
      }
      break;
    }
    case Resize::CentreCrop: {
      const double s = std::max(W / w, H / h) / spec.cropFraction;
      rw = std::max(1.0, jsRound(w * s));
      rh = std::max(1.0, jsRound(h * s));
      if (rw > 1e8 || rh > 1e8) return "spec.cropFraction/size give an oversized resize";
      offX = -std::floor((rw - W) / 2);
      offY = -std::floor((rh - H) / 2);
      break;
    }
  }
  g.resizedWidth = static_cast<int>(rw);
  g.resizedHeight = static_cast<int>(rh);
  g.offsetX = static_cast<int>(offX);
  g.offsetY = static_cast<int>(offY);
  Transform& t = g.transform;
  t.scaleX = rw / w;
  t.scaleY = rh / h;
  t.padX = offX - x0 * t.scaleX;
  t.padY = offY - y0 * t.scaleY;
  t.inputWidth = spec.width;
  t.inputHeight = spec.height;
  return std::string();
}

std::string paddingKey(const Spec& spec, const Geometry& g) {
  // The kernel pads every input pixel outside [xs, xe) x [ys, ye) with pad[c] (its own computation, repeated).
  const int xs = std::max(0, g.offsetX), xe = std::min(spec.width, g.offsetX + g.resizedWidth);
  const int ys = std::max(0, g.offsetY), ye = std::min(spec.height, g.offsetY + g.resizedHeight);
  char key[160];
  float pad[3];
  for (int c = 0; c < 3; c++) pad[c] = static_cast<float>((spec.padValue * spec.scale - spec.mean[c]) / spec.std[c]);
  std::snprintf(key, sizeof key, "%dx%d %s %d-%d %d-%d %a %a %a", spec.width, spec.height, spec.nhwc ? "NHWC" : "NCHW", xs, xe, ys,
                ye, pad[0], pad[1], pad[2]);
  return key;
}

}  // namespace tsv
