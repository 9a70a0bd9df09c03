// The previous pixel preprocessing kernel (float, per-pixel taps through lookup tables), kept callable as
// preprocessScalar() for the benchmark (bench/preprocess-bench.mjs) and the tests only: the element uses
// preprocess() (preprocess_kernel.cc). Same semantics (ts-runtime/preprocess/spec.ts).
//
// Strategy (separable bilinear, like OpenCV): x/y tap tables are computed once per call; every source row
// needed is converted to RGB and interpolated horizontally once into a small row cache (two rows), then
// each output row is a vertical blend of two cached rows, normalised and written straight into `out`.
#include "preprocess.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace tsv {

YuvCoef yuvCoef(bool bt709, bool fullRange) {
  const double kr = bt709 ? 0.2126 : 0.299;
  const double kb = bt709 ? 0.0722 : 0.114;
  const double kg = 1 - kr - kb;
  const double ky = fullRange ? 1.0 : 255.0 / 219.0;
  const double kc = fullRange ? 1.0 : 255.0 / 224.0;
  return {ky,
          2 * (1 - kr) * kc,
          (2 * kb * (1 - kb)) / kg * kc,
          (2 * kr * (1 - kr)) / kg * kc,
          2 * (1 - kb) * kc,
          fullRange ? 0.0 : 16.0};
}

namespace {

struct XTaps {
  // per output column of the resized range: byte offsets (relative to a row start) of the two taps,
  // chroma byte offsets (YUV only), and the weight of the right tap.
  std::vector<int32_t> a, b, ca, cb;
  std::vector<float> w;
};

struct YuvLut {
  float y[256], rv[256], gu[256], gv[256], bu[256];
};

// yuvCoef() (preprocess.h) derives the YUV -> RGB coefficients from Kr/Kb and the range exactly like
// yuvCoefficients() in spec.ts (limited: ky = 255/219, chroma scale 255/224, yo = 16; full: ky = 1, chroma scale 1,
// yo = 0).

void makeLut(const YuvCoef& k, YuvLut& lut) {
  for (int i = 0; i < 256; i++) {
    lut.y[i] = static_cast<float>(k.ky * (i - k.yo));
    lut.rv[i] = static_cast<float>(k.rv * (i - 128));
    lut.gu[i] = static_cast<float>(k.gu * (i - 128));
    lut.gv[i] = static_cast<float>(k.gv * (i - 128));
    lut.bu[i] = static_cast<float>(k.bu * (i - 128));
  }
}

inline float clamp255(float v) { return v < 0.f ? 0.f : (v > 255.f ? 255.f : v); }

// ---- horizontal pass: one source row -> n RGB floats triples ----

template <int BPP, int RI, int GI, int BI>
void hrowPacked(const Frame& f, int y, const XTaps& t, int n, float* dst) {
  const uint8_t* row = f.data + f.offsets[0] + static_cast<int64_t>(y) * f.strides[0];
  const int32_t* ta = t.a.data();
  const int32_t* tb = t.b.data();
  const float* tw = t.w.data();
  for (int j = 0; j < n; j++) {
    const uint8_t* pa = row + ta[j];
    const uint8_t* pb = row + tb[j];
    const float w = tw[j];
    const float ar = pa[RI], ag = pa[GI], ab = pa[BI];
    dst[3 * j + 0] = ar + (static_cast<float>(pb[RI]) - ar) * w;
    dst[3 * j + 1] = ag + (static_cast<float>(pb[GI]) - ag) * w;
    dst[3 * j + 2] = ab + (static_cast<float>(pb[BI]) - ab) * w;
  }
}

template <bool NV12>
void hrowYuv(const Frame& f, int y, const XTaps& t, int n, const YuvLut& L, float* dst) {
  const uint8_t* yr = f.data + f.offsets[0] + static_cast<int64_t>(y) * f.strides[0];
  const uint8_t* ur = f.data + f.offsets[1] + static_cast<int64_t>(y >> 1) * f.strides[1];
  const uint8_t* vr = NV12 ? ur + 1 : f.data + f.offsets[2] + static_cast<int64_t>(y >> 1) * f.strides[2];
  const int32_t* ta = t.a.data();
  const int32_t* tb = t.b.data();
  const int32_t* tca = t.ca.data();
  const int32_t* tcb = t.cb.data();
  const float* tw = t.w.data();
  for (int j = 0; j < n; j++) {
    const float w = tw[j];
    float ra, ga, ba, rb, gb, bb;
    {
      const float c = L.y[yr[ta[j]]];
      const int u = ur[tca[j]], v = vr[tca[j]];
      ra = clamp255(c + L.rv[v]);
      ga = clamp255(c - L.gu[u] - L.gv[v]);
      ba = clamp255(c + L.bu[u]);
    }
    {
      const float c = L.y[yr[tb[j]]];
      const int u = ur[tcb[j]], v = vr[tcb[j]];
      rb = clamp255(c + L.rv[v]);
      gb = clamp255(c - L.gu[u] - L.gv[v]);
      bb = clamp255(c + L.bu[u]);
    }
    dst[3 * j + 0] = ra + (rb - ra) * w;
    dst[3 * j + 1] = ga + (gb - ga) * w;
    dst[3 * j + 2] = ba + (bb - ba) * w;
  }
}

// YUV rows when the ROI is not much wider than the output: convert the ROI span of the row to RGB floats once
// (sequential, no table gathers), then interpolate horizontally from that float row.
struct YuvConst {
  float ky, rv, gu, gv, bu, yo;
};

template <bool NV12>
void yuvSpanToRgb(const Frame& f, int y, int x0, int x1, const YuvConst& k, float* R, float* G, float* B) {
  const uint8_t* yr = f.data + f.offsets[0] + static_cast<int64_t>(y) * f.strides[0];
  const uint8_t* ur = f.data + f.offsets[1] + static_cast<int64_t>(y >> 1) * f.strides[1];
  const uint8_t* vr = NV12 ? ur + 1 : f.data + f.offsets[2] + static_cast<int64_t>(y >> 1) * f.strides[2];
  constexpr int cs = NV12 ? 2 : 1;
  // Work on whole chroma pairs [xe0, xe1) from the even column xe0 <= x0 (R/G/B have room for the one extra
  // leading pixel, see the caller); an odd last column x1-1 is done on its own so that no luma byte at or
  // beyond x1 is read.
  const int xe0 = x0 & ~1;
  const int xe1 = x1 & ~1;
  const float yoff = -k.yo * k.ky;
  float* r = R - (x0 - xe0);
  float* g = G - (x0 - xe0);
  float* b = B - (x0 - xe0);
  const int pairs = (xe1 - xe0) >> 1;
  const uint8_t* yp = yr + xe0;
  const uint8_t* up = ur + (xe0 >> 1) * cs;
  const uint8_t* vp = vr + (xe0 >> 1) * cs;
  for (int i = 0; i < pairs; i++) {
    const float d = static_cast<float>(up[i * cs]) - 128.f;
    const float e = static_cast<float>(vp[i * cs]) - 128.f;
    const float cr = k.rv * e, cg = k.gu * d + k.gv * e, cb = k.bu * d;
    const float c0 = k.ky * static_cast<float>(yp[2 * i]) + yoff;
    const float c1 = k.ky * static_cast<float>(yp[2 * i + 1]) + yoff;
    r[2 * i] = std::min(std::max(c0 + cr, 0.f), 255.f);
    r[2 * i + 1] = std::min(std::max(c1 + cr, 0.f), 255.f);
    g[2 * i] = std::min(std::max(c0 - cg, 0.f), 255.f);
    g[2 * i + 1] = std::min(std::max(c1 - cg, 0.f), 255.f);
    b[2 * i] = std::min(std::max(c0 + cb, 0.f), 255.f);
    b[2 * i + 1] = std::min(std::max(c1 + cb, 0.f), 255.f);
  }
  if (x1 & 1) {
    const int x = x1 - 1;
    const float d = static_cast<float>(ur[(x >> 1) * cs]) - 128.f;
    const float e = static_cast<float>(vr[(x >> 1) * cs]) - 128.f;
    const float c = k.ky * static_cast<float>(yr[x]) + yoff;
    R[x - x0] = std::min(std::max(c + k.rv * e, 0.f), 255.f);
    G[x - x0] = std::min(std::max(c - (k.gu * d + k.gv * e), 0.f), 255.f);
    B[x - x0] = std::min(std::max(c + k.bu * d, 0.f), 255.f);
  }
}

// horizontal pass over planar RGB float rows; tap offsets are pixel indices relative to the row start
void hrowFloat(const float* R, const float* G, const float* B, const int32_t* ta, const int32_t* tb, const float* tw,
               int n, float* dst) {
  for (int j = 0; j < n; j++) {
    const int a = ta[j], b = tb[j];
    const float w = tw[j];
    dst[3 * j + 0] = R[a] + (R[b] - R[a]) * w;
    dst[3 * j + 1] = G[a] + (G[b] - G[a]) * w;
    dst[3 * j + 2] = B[a] + (B[b] - B[a]) * w;
  }
}

// ---- vertical pass + normalise + store ----

struct Norm {
  // for RGB component k (0=R,1=G,2=B): model channel index, multiplier and addend
  int ch[3];
  float mul[3], add[3];
};

template <bool NHWC>
void vrow(const float* A, const float* B, float ay, int n, const Norm& nm, float* out, int64_t planeSize,
          int64_t pixelIndex) {
  float* p0;
  float* p1;
  float* p2;
  if (NHWC) {
    p0 = out + pixelIndex * 3 + nm.ch[0];
    p1 = out + pixelIndex * 3 + nm.ch[1];
    p2 = out + pixelIndex * 3 + nm.ch[2];
  } else {
    p0 = out + nm.ch[0] * planeSize + pixelIndex;
    p1 = out + nm.ch[1] * planeSize + pixelIndex;
    p2 = out + nm.ch[2] * planeSize + pixelIndex;
  }
  constexpr int step = NHWC ? 3 : 1;
  const float m0 = nm.mul[0], m1 = nm.mul[1], m2 = nm.mul[2];
  const float a0 = nm.add[0], a1 = nm.add[1], a2 = nm.add[2];
  if (A == B || ay == 0.f) {
    for (int j = 0; j < n; j++) {
      p0[j * step] = A[3 * j + 0] * m0 + a0;
      p1[j * step] = A[3 * j + 1] * m1 + a1;
      p2[j * step] = A[3 * j + 2] * m2 + a2;
    }
  } else {
    for (int j = 0; j < n; j++) {
      const float r = A[3 * j + 0] + (B[3 * j + 0] - A[3 * j + 0]) * ay;
      const float g = A[3 * j + 1] + (B[3 * j + 1] - A[3 * j + 1]) * ay;
      const float b = A[3 * j + 2] + (B[3 * j + 2] - A[3 * j + 2]) * ay;
      p0[j * step] = r * m0 + a0;
      p1[j * step] = g * m1 + a1;
      p2[j * step] = b * m2 + a2;
    }
  }
}

template <bool NHWC>
void fillPad(float* out, int64_t planeSize, int64_t pixelIndex, int n, const float pad[3]) {
  if (n <= 0) return;
  if (NHWC) {
    float* p = out + pixelIndex * 3;
    for (int j = 0; j < n; j++) {
      p[3 * j + 0] = pad[0];
      p[3 * j + 1] = pad[1];
      p[3 * j + 2] = pad[2];
    }
  } else {
    for (int c = 0; c < 3; c++) std::fill_n(out + c * planeSize + pixelIndex, n, pad[c]);
  }
}

template <bool NHWC>
void run(const Frame& f, const Spec& spec, const Geometry& g, float* out) {
  const int W = spec.width, H = spec.height;
  const int64_t planeSize = static_cast<int64_t>(W) * H;
  const int w = g.x1 - g.x0, h = g.y1 - g.y0;
  const double scaleX = g.transform.scaleX, scaleY = g.transform.scaleY;

  // normalisation: model channel c = (rgb[order[c]] * scale - mean[c]) / std[c]
  Norm nm;
  float pad[3];
  for (int k = 0; k < 3; k++) {
    const int c = spec.bgr ? 2 - k : k;  // model channel receiving RGB component k
    nm.ch[k] = c;
    nm.mul[k] = static_cast<float>(spec.scale / spec.std[c]);
    nm.add[k] = static_cast<float>(-spec.mean[c] / spec.std[c]);
  }
  for (int c = 0; c < 3; c++) pad[c] = static_cast<float>((spec.padValue * spec.scale - spec.mean[c]) / spec.std[c]);

  // model-input columns/rows covered by the resized image
  const int xs = std::max(0, g.offsetX), xe = std::min(W, g.offsetX + g.resizedWidth);
  const int ys = std::max(0, g.offsetY), ye = std::min(H, g.offsetY + g.resizedHeight);
  const int n = std::max(0, xe - xs);

  // x taps
  const bool yuv = f.format == Format::I420 || f.format == Format::NV12;
  const int bpp = bytesPerPixel(f.format);
  XTaps tx;
  tx.a.resize(n);
  tx.b.resize(n);
  tx.w.resize(n);
  if (yuv) {
    tx.ca.resize(n);
    tx.cb.resize(n);
  }
  for (int j = 0; j < n; j++) {
    const int rx = xs + j - g.offsetX;
    const double sx = std::min(std::max((rx + 0.5) / scaleX - 0.5, 0.0), static_cast<double>(w - 1));
    const int xa = static_cast<int>(std::floor(sx));
    const int xb = std::min(xa + 1, w - 1);
    tx.w[j] = static_cast<float>(sx - xa);
    const int ax = g.x0 + xa, bx = g.x0 + xb;
    tx.a[j] = ax * bpp;
    tx.b[j] = bx * bpp;
    if (yuv) {
      const int cstep = f.format == Format::NV12 ? 2 : 1;
      tx.ca[j] = (ax >> 1) * cstep;
      tx.cb[j] = (bx >> 1) * cstep;
    }
  }

  const YuvCoef coef = yuvCoef(spec.bt709, spec.fullRange);
  YuvLut lut;
  if (yuv) makeLut(coef, lut);
  // YUV: when the ROI is not much wider than the output (upscaling, mild downscaling) convert each needed ROI
  // row span to RGB once; otherwise convert just the two taps of each output column through lookup tables
  // (measured faster for 768 -> 416 and 768 -> 320).
  const bool yuvSpan = yuv && 2 * w <= 3 * n;
  std::vector<int32_t> relA, relB;
  std::vector<float> spanRgb;
  float* spanR = nullptr;
  float* spanG = nullptr;
  float* spanB = nullptr;
  YuvConst kc{};
  if (yuvSpan) {
    relA.resize(n);
    relB.resize(n);
    for (int j = 0; j < n; j++) {
      relA[j] = tx.a[j] - g.x0;
      relB[j] = tx.b[j] - g.x0;
    }
    // each plane gets a spare float before its start: the pair loop also converts column x0-1 when x0 is odd
    spanRgb.resize(static_cast<size_t>(w + 2) * 3);
    spanR = spanRgb.data() + 1;
    spanG = spanR + (w + 2);
    spanB = spanG + (w + 2);
    kc.ky = static_cast<float>(coef.ky);
    kc.rv = static_cast<float>(coef.rv);
    kc.gu = static_cast<float>(coef.gu);
    kc.gv = static_cast<float>(coef.gv);
    kc.bu = static_cast<float>(coef.bu);
    kc.yo = static_cast<float>(coef.yo);
  }

  auto hrow = [&](int y, float* dst) {
    switch (f.format) {
      case Format::RGB: hrowPacked<3, 0, 1, 2>(f, y, tx, n, dst); break;
      case Format::BGR: hrowPacked<3, 2, 1, 0>(f, y, tx, n, dst); break;
      case Format::RGBx:
      case Format::RGBA: hrowPacked<4, 0, 1, 2>(f, y, tx, n, dst); break;
      case Format::BGRx:
      case Format::BGRA: hrowPacked<4, 2, 1, 0>(f, y, tx, n, dst); break;
      case Format::I420:
        if (yuvSpan) {
          yuvSpanToRgb<false>(f, y, g.x0, g.x1, kc, spanR, spanG, spanB);
          hrowFloat(spanR, spanG, spanB, relA.data(), relB.data(), tx.w.data(), n, dst);
        } else {
          hrowYuv<false>(f, y, tx, n, lut, dst);
        }
        break;
      case Format::NV12:
        if (yuvSpan) {
          yuvSpanToRgb<true>(f, y, g.x0, g.x1, kc, spanR, spanG, spanB);
          hrowFloat(spanR, spanG, spanB, relA.data(), relB.data(), tx.w.data(), n, dst);
        } else {
          hrowYuv<true>(f, y, tx, n, lut, dst);
        }
        break;
    }
  };

  // two-row cache of horizontally interpolated source rows
  std::vector<float> buf(static_cast<size_t>(std::max(n, 1)) * 6);
  float* slot[2] = {buf.data(), buf.data() + static_cast<size_t>(std::max(n, 1)) * 3};
  int slotRow[2] = {-1, -1};

  for (int Y = 0; Y < H; Y++) {
    const int64_t rowIndex = static_cast<int64_t>(Y) * W;
    if (Y < ys || Y >= ye || n == 0) {
      fillPad<NHWC>(out, planeSize, rowIndex, W, pad);
      continue;
    }
    fillPad<NHWC>(out, planeSize, rowIndex, xs, pad);
    fillPad<NHWC>(out, planeSize, rowIndex + xe, W - xe, pad);

    const int ry = Y - g.offsetY;
    const double sy = std::min(std::max((ry + 0.5) / scaleY - 0.5, 0.0), static_cast<double>(h - 1));
    const int ya = static_cast<int>(std::floor(sy));
    const int yb = std::min(ya + 1, h - 1);
    const float ay = static_cast<float>(sy - ya);
    const int ra = g.y0 + ya, rb = g.y0 + yb;

    // make sure rows ra and rb are cached, never evicting the other one needed
    int ia = slotRow[0] == ra ? 0 : (slotRow[1] == ra ? 1 : -1);
    if (ia < 0) {
      ia = (slotRow[0] == rb && ra != rb) ? 1 : 0;
      hrow(ra, slot[ia]);
      slotRow[ia] = ra;
    }
    int ib = ia;
    if (rb != ra && ay != 0.f) {
      ib = 1 - ia;
      if (slotRow[ib] != rb) {
        hrow(rb, slot[ib]);
        slotRow[ib] = rb;
      }
    }
    vrow<NHWC>(slot[ia], slot[ib], ay, n, nm, out, planeSize, rowIndex + xs);
  }
}

}  // namespace

void preprocessScalar(const Frame& frame, const Spec& spec, const Geometry& geo, float* out) {
  if (spec.nhwc) {
    run<true>(frame, spec, geo, out);
  } else {
    run<false>(frame, spec, geo, out);
  }
}

}  // namespace tsv
