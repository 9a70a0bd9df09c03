// Pixel preprocessing kernel: ROI crop + bilinear resize (OpenCV INTER_LINEAR geometry) + pad + normalise,
// from packed RGB-family or YUV (I420/NV12) frames into a float NCHW/NHWC tensor. Semantics: spec.ts.
//
// How it is made fast (issue 12: 768x432 I420 -> 416x416 letterbox from ~0.97 to ~0.19 ms on one core of the
// 2-core Xeon VM; bench/preprocess-bench.mjs measures it against the previous kernel, which
// preprocess_scalar.cc keeps for that and for the tests):
//
// * Separable bilinear with a two-row cache, as before: each source row that an output row needs is
//   interpolated horizontally once into planar R, G, B float rows (n values each, n = output columns of the
//   resized image); each output row is then a vertical blend of two cached rows, normalised and stored.
// * The horizontal pass is split in two so that all arithmetic runs in plain loops over contiguous arrays,
//   which the compiler vectorises (no per-pixel table lookups or gathers inside them):
//     1. gather: the two taps of output column j, a = x and b = x+1, are adjacent in memory, so they are
//        fetched together into a small array per row — 8 bytes for packed pixels (one load); for YUV a
//        16-bit (tap a, tap b) pair per plane: luma, U and V (tap b's chroma is the next sample only when x is
//        odd; a chroma row's pairs serve both of its luma rows). On x86 with SSSE3 the YUV pairs of 2-8
//        columns come from ONE 16-byte load and one pshufb with a shuffle pattern computed per call (columns
//        are grouped so that their taps fit in 16 bytes: 8 for downscaling by up to ~2, 4 up to ~4.6, 2 up to
//        ~14); otherwise, and for packed pixels, one or two scalar loads per pair;
//     2. convert + interpolate (vectorised): unpack a and b, YUV -> RGB in float with the spec's clamp to
//        0..255 before interpolation (spec.ts: each tap is converted first), blend with the column weight.
//   Its cost is per output column, independent of the source width (1920 costs about what 768 does).
// * The vertical pass + normalisation is two FMAs per value into planar output (NCHW) rows. Writing the
//   2 MB tensor (padding included) is now about a third of the time.
// * Float arithmetic throughout, so the results stay within float rounding (~1e-4 of 255) of the double
//   precision TypeScript reference and the tests keep their tolerances. Fixed-point int16 (pmulhrsw, as
//   libyuv and OpenCV do) would halve the conversion's vector work, but in 1/64-unit steps and with per-ISA
//   intrinsics; the float version already meets the target. libyuv (Debian's libyuv-dev) and
//   GstVideoConverter do not fit: they produce uint8 RGB (rounded; fixed-point colour constants and their own
//   filters, and libyuv scales I420 in YUV, before the clamp), which cannot match the float reference within
//   0.05 of 255, and a float normalisation pass would still follow.
// * Multi-versioning instead of -march: kernelBody() (all arithmetic loops; the helpers are always inlined
//   into it) is compiled four times, with GCC's target("arch=x86-64-v4") (AVX-512), x86-64-v3 (AVX2 + FMA),
//   x86-64-v2 (SSE4.2) and the x86-64 baseline (SSE2), and the best one the CPU supports is picked once at
//   load time (__builtin_cpu_supports), so the addon runs on any x86-64. The pshufb gathers are separate
//   functions, compiled for SSSE3 (called by the v2 build) and for AVX2 (VEX-encoded, called by v3/v4: legacy
//   SSE code between AVX loops cost ~20% in state transitions); the baseline build uses the scalar gathers.
//   Explicit builds rather than target_clones so that the tests can run every one of them on one machine
//   (setPreprocessIsa). Other architectures (aarch64: NEON is its baseline, which the loops vectorise to) and
//   compilers build the one portable version of the same code, with the scalar gathers.
// * CMakeLists.txt compiles this file with -ffinite-math-only -fno-signed-zeros, without which GCC vectorises
//   the clamps as compare + blend instead of minps/maxps.
#include "preprocess.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <iterator>
#include <string>
#include <vector>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(TSV_NO_MULTIVERSION)
#include <tmmintrin.h>
#define TSV_X86_BUILDS 1
#endif
#if defined(__GNUC__)
#define TSV_INLINE inline __attribute__((always_inline))
#define TSV_RESTRICT __restrict__
#else
#define TSV_INLINE inline
#define TSV_RESTRICT
#endif

namespace tsv {

namespace {

// Little-endian loads written byte by byte: GCC and Clang merge them into one unaligned load (plus a byte swap
// on a big-endian machine), so byte k of what was loaded is always bits 8k..8k+7.
TSV_INLINE uint32_t load16(const uint8_t* p) { return p[0] | static_cast<uint32_t>(p[1]) << 8; }

// 8 bytes into two words (byte k of word i = bits 8k.. of it): one 64-bit load and store on a little-endian machine.
TSV_INLINE void load64(uint32_t* dst, const uint8_t* p) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  for (int i = 0; i < 2; i++, p += 4) {
    dst[i] = p[0] | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
  }
#else
  std::memcpy(dst, p, 8);
#endif
}

// Shuffle gather of one plane: output columns in groups of g; group i loads the 16 bytes at base[i] (from the
// row start) and picks with idx[16 i ..] the pairs (tap a, tap b) of its g columns: bytes 2k, 2k+1 = column k
// (I420 planes); NV12 (g <= 4): U pairs in bytes 0..2g-1, V pairs in bytes 8..8+2g-1. Index 0x80 = zero.
struct Shuffle {
  int g = 0;  // 8, 4 or 2; 0: the taps of two neighbouring columns do not fit in 16 bytes (scalar gathers)
  std::vector<int32_t> base;
  std::vector<uint8_t> idx;
};

// Per call: which bytes each output column reads, and its weight.
struct Plan {
  int n = 0;                  // output columns of the resized image inside the model input
  std::vector<int32_t> off;   // byte offset from the row start of tap a (packed: x*bpp; YUV: luma x)
  std::vector<int32_t> ca;    // YUV: chroma byte offset of taps a and b (I420: x>>1; NV12: 2*(x>>1), U; V is +1)
  std::vector<int32_t> cb;
  std::vector<float> wx;        // weight of tap b
  int lastRead[3] = {0, 0, 0};  // per plane: bytes from the row start up to the end of the last load
  Shuffle luma, chroma;         // YUV, when the CPU has SSSE3
};

// Groups of g columns whose taps (a[j], b[j], + 1 for NV12's V) fit in 16 bytes from a[first column].
bool buildShuffle(Shuffle& s, int g, int n, const int32_t* a, const int32_t* b, bool nv12, int& lastRead) {
  const int groups = (n + g - 1) / g;
  s.g = g;
  s.base.assign(groups, 0);
  s.idx.assign(static_cast<size_t>(groups) * 16, 0x80);
  int last = 0;
  for (int i = 0; i < groups; i++) {
    const int base = a[i * g];
    s.base[i] = base;
    last = std::max(last, base + 16);
    for (int k = 0; k < g; k++) {
      const int j = std::min(i * g + k, n - 1);  // the last group repeats the last column (written, not used)
      const int ia = a[j] - base, ib = b[j] - base + (nv12 ? 1 : 0);
      if (ia < 0 || ib > 15) return false;
      uint8_t* d = &s.idx[static_cast<size_t>(i) * 16];
      if (nv12) {
        d[2 * k] = static_cast<uint8_t>(ia), d[2 * k + 1] = static_cast<uint8_t>(b[j] - base);
        d[8 + 2 * k] = static_cast<uint8_t>(ia + 1), d[8 + 2 * k + 1] = static_cast<uint8_t>(ib);
      } else {
        d[2 * k] = static_cast<uint8_t>(ia), d[2 * k + 1] = static_cast<uint8_t>(ib);
      }
    }
  }
  lastRead = std::max(lastRead, last);
  return true;
}

void planShuffle(Shuffle& s, int n, const int32_t* a, const int32_t* b, bool nv12, int& lastRead) {
  s.g = 0;
  if (n <= 0) return;
  for (int g : {8, 4, 2}) {
    if (nv12 && g > 4) continue;
    int lr = lastRead;
    if (buildShuffle(s, g, n, a, b, nv12, lr)) {
      lastRead = lr;
      return;
    }
  }
  s.g = 0;
}

#if defined(TSV_X86_BUILDS)
template <int G>
__attribute__((target("ssse3"), always_inline)) inline void storePairs(uint16_t* dst, __m128i v) {
  if (G == 8) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), v);
  } else if (G == 4) {
    _mm_storel_epi64(reinterpret_cast<__m128i*>(dst), v);
  } else {
    const int x = _mm_cvtsi128_si32(v);
    std::memcpy(dst, &x, 4);
  }
}

template <int G>
__attribute__((target("ssse3"), always_inline)) inline void shufflePlanesT(const uint8_t* r0, const uint8_t* r1,
                                                                           const Shuffle& s, uint16_t* o0,
                                                                           uint16_t* o1) {
  const int groups = static_cast<int>(s.base.size());
  const int32_t* base = s.base.data();
  const uint8_t* idx = s.idx.data();
  for (int i = 0; i < groups; i++) {
    const __m128i m = _mm_loadu_si128(reinterpret_cast<const __m128i*>(idx + 16 * i));
    storePairs<G>(o0 + G * i, _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(r0 + base[i])), m));
    if (r1) storePairs<G>(o1 + G * i, _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(r1 + base[i])), m));
  }
}

template <int G>
__attribute__((target("ssse3"), always_inline)) inline void shuffleNv12T(const uint8_t* r, const Shuffle& s,
                                                                         uint16_t* ou, uint16_t* ov) {
  const int groups = static_cast<int>(s.base.size());
  const int32_t* base = s.base.data();
  const uint8_t* idx = s.idx.data();
  for (int i = 0; i < groups; i++) {
    const __m128i v = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(r + base[i])),
                                       _mm_loadu_si128(reinterpret_cast<const __m128i*>(idx + 16 * i)));
    storePairs<G>(ou + G * i, v);
    storePairs<G>(ov + G * i, _mm_srli_si128(v, 8));
  }
}

// One row of one plane (r1/o1: a second plane with the same layout, I420's V; may be null), and NV12's chroma.
// Compiled twice: for SSSE3 (the x86-64-v2 build) and for AVX2, whose VEX encoding the v3/v4 builds call
// (legacy SSE code between AVX-512/AVX2 loops pays for the register state transitions).
#define TSV_SHUFFLE_FUNCTIONS(SUFFIX, TARGET)                                                                 \
  __attribute__((target(TARGET), noinline)) void shufflePlanes##SUFFIX(const uint8_t* r0, const uint8_t* r1,   \
                                                                         const Shuffle& s, uint16_t* o0,      \
                                                                         uint16_t* o1) {                      \
    switch (s.g) {                                                                                            \
      case 8: shufflePlanesT<8>(r0, r1, s, o0, o1); break;                                                    \
      case 4: shufflePlanesT<4>(r0, r1, s, o0, o1); break;                                                    \
      default: shufflePlanesT<2>(r0, r1, s, o0, o1); break;                                                   \
    }                                                                                                         \
  }                                                                                                           \
  __attribute__((target(TARGET), noinline)) void shuffleNv12##SUFFIX(const uint8_t* r, const Shuffle& s,       \
                                                                       uint16_t* ou, uint16_t* ov) {          \
    if (s.g == 4) {                                                                                           \
      shuffleNv12T<4>(r, s, ou, ov);                                                                          \
    } else {                                                                                                  \
      shuffleNv12T<2>(r, s, ou, ov);                                                                          \
    }                                                                                                         \
  }
TSV_SHUFFLE_FUNCTIONS(Ssse3, "ssse3")
TSV_SHUFFLE_FUNCTIONS(Avx2, "avx2")
#undef TSV_SHUFFLE_FUNCTIONS
#endif

// Rows whose loads would run past the end of the frame data (the last row of the last plane: a load of
// taps a and b reads a byte or a few beyond the ROI) are copied into a padded scratch row first.
struct SafeRows {
  const uint8_t* end;
  std::vector<uint8_t> scratch[3];
  TSV_INLINE const uint8_t* row(const uint8_t* p, int plane, int need) {
    if (end - p >= need) return p;
    std::vector<uint8_t>& s = scratch[plane];
    s.assign(static_cast<size_t>(need), 0);
    std::memcpy(s.data(), p, static_cast<size_t>(end - p));
    return s.data();
  }
};

struct YuvConst {
  float ky, yoff, rv, gu, gv, bu;
};

struct Norm {
  // for RGB component k (0=R,1=G,2=B): model channel index, multiplier and addend
  int ch[3];
  float mul[3], add[3];
};

// ---- horizontal pass: one source row -> planar R, G, B floats of n columns ----

// Packed: pairs[2j], pairs[2j+1] hold the 8 bytes at tap a (pixel a, then pixel b = a+1).
template <int K>
TSV_INLINE float pairByte(uint32_t lo, uint32_t hi) {
  return static_cast<float>(((K < 4 ? lo : hi) >> (8 * (K & 3))) & 255u);
}

template <int BPP, int RI, int GI, int BI>
TSV_INLINE void hrowPacked(const uint8_t* TSV_RESTRICT row, const Plan& p, uint32_t* TSV_RESTRICT pairs,
                           float* TSV_RESTRICT R, float* TSV_RESTRICT G, float* TSV_RESTRICT B) {
  const int n = p.n;
  const int32_t* TSV_RESTRICT off = p.off.data();
  const float* TSV_RESTRICT w = p.wx.data();
  for (int j = 0; j < n; j++) load64(pairs + 2 * j, row + off[j]);
  for (int j = 0; j < n; j++) {
    const uint32_t lo = pairs[2 * j], hi = pairs[2 * j + 1];
    const float ra = pairByte<RI>(lo, hi), rb = pairByte<RI + BPP>(lo, hi);
    const float ga = pairByte<GI>(lo, hi), gb = pairByte<GI + BPP>(lo, hi);
    const float ba = pairByte<BI>(lo, hi), bb = pairByte<BI + BPP>(lo, hi);
    R[j] = ra + (rb - ra) * w[j];
    G[j] = ga + (gb - ga) * w[j];
    B[j] = ba + (bb - ba) * w[j];
  }
}

TSV_INLINE float clamp255(float v) { return std::min(std::max(v, 0.f), 255.f); }

// YUV: y[j], u[j], v[j] = (tap a, tap b) byte pairs of column j (tap a in the low byte).
TSV_INLINE void yuvConvert(const uint16_t* TSV_RESTRICT y, const uint16_t* TSV_RESTRICT u,
                           const uint16_t* TSV_RESTRICT v, const Plan& p, const YuvConst& k, float* TSV_RESTRICT R,
                           float* TSV_RESTRICT G, float* TSV_RESTRICT B) {
  const int n = p.n;
  const float* TSV_RESTRICT w = p.wx.data();
  const float ky = k.ky, yoff = k.yoff, rv = k.rv, gu = k.gu, gv = k.gv, bu = k.bu;
  for (int j = 0; j < n; j++) {
    const uint32_t yy = y[j], uu = u[j], vv = v[j];
    const float la = static_cast<float>(yy & 255u) * ky + yoff;
    const float lb = static_cast<float>(yy >> 8) * ky + yoff;
    const float du0 = static_cast<float>(uu & 255u) - 128.f, dv0 = static_cast<float>(vv & 255u) - 128.f;
    const float du1 = static_cast<float>(uu >> 8) - 128.f, dv1 = static_cast<float>(vv >> 8) - 128.f;
    const float ra = clamp255(la + rv * dv0), rb = clamp255(lb + rv * dv1);
    const float ga = clamp255(la - (gu * du0 + gv * dv0)), gb = clamp255(lb - (gu * du1 + gv * dv1));
    const float ba = clamp255(la + bu * du0), bb = clamp255(lb + bu * du1);
    R[j] = ra + (rb - ra) * w[j];
    G[j] = ga + (gb - ga) * w[j];
    B[j] = ba + (bb - ba) * w[j];
  }
}

// ---- vertical pass + normalise + store ----

// NCHW: one contiguous run per channel plane. out = (A*(1-ay) + B*ay) * mul + add.
TSV_INLINE void vrowPlanar(const float* const A[3], const float* const B[3], float ay, int n, const Norm& nm,
                           float* const dst[3]) {
  for (int k = 0; k < 3; k++) {
    const float* TSV_RESTRICT a = A[k];
    const float* TSV_RESTRICT b = B[k];
    float* TSV_RESTRICT o = dst[k];
    const float mb = ay * nm.mul[k], ma = nm.mul[k] - mb, ad = nm.add[k];
    for (int j = 0; j < n; j++) o[j] = a[j] * ma + (b[j] * mb + ad);
  }
}

// NHWC: interleaved; C0/C1/C2 = model channel of R, G, B.
template <int C0, int C1, int C2>
TSV_INLINE void vrowInterleaved(const float* const A[3], const float* const B[3], float ay, int n, const Norm& nm,
                                float* TSV_RESTRICT o) {
  const float* TSV_RESTRICT ar = A[0];
  const float* TSV_RESTRICT ag = A[1];
  const float* TSV_RESTRICT ab = A[2];
  const float* TSV_RESTRICT br = B[0];
  const float* TSV_RESTRICT bg = B[1];
  const float* TSV_RESTRICT bb = B[2];
  const float mb0 = ay * nm.mul[0], ma0 = nm.mul[0] - mb0, ad0 = nm.add[0];
  const float mb1 = ay * nm.mul[1], ma1 = nm.mul[1] - mb1, ad1 = nm.add[1];
  const float mb2 = ay * nm.mul[2], ma2 = nm.mul[2] - mb2, ad2 = nm.add[2];
  for (int j = 0; j < n; j++) {
    o[3 * j + C0] = ar[j] * ma0 + (br[j] * mb0 + ad0);
    o[3 * j + C1] = ag[j] * ma1 + (bg[j] * mb1 + ad1);
    o[3 * j + C2] = ab[j] * ma2 + (bb[j] * mb2 + ad2);
  }
}

TSV_INLINE void fillPad(bool nhwc, float* out, int64_t planeSize, int64_t pixelIndex, int n, const float pad[3]) {
  if (n <= 0) return;
  if (nhwc) {
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

YuvConst yuvConst(bool bt709, bool fullRange) {
  // derived from Kr/Kb and the range exactly like yuvCoefficients() in spec.ts (limited: ky = 255/219, chroma
  // scale 255/224, yo = 16; full: ky = 1, chroma scale 1, yo = 0)
  const double kr = bt709 ? 0.2126 : 0.299;
  const double kb = bt709 ? 0.0722 : 0.114;
  const double kg = 1 - kr - kb;
  const double ky = fullRange ? 1.0 : 255.0 / 219.0;
  const double kc = fullRange ? 1.0 : 255.0 / 224.0;
  const double yo = fullRange ? 0.0 : 16.0;
  return {static_cast<float>(ky),
          static_cast<float>(-yo * ky),
          static_cast<float>(2 * (1 - kr) * kc),
          static_cast<float>((2 * kb * (1 - kb)) / kg * kc),
          static_cast<float>((2 * kr * (1 - kr)) / kg * kc),
          static_cast<float>(2 * (1 - kb) * kc)};
}

// The whole per-call kernel, inlined (with all the helpers above) into one function per instruction set
// (kernel* below). Gathers: how YUV taps are fetched.
enum class Gathers { Scalar, Ssse3, Avx2 };
TSV_INLINE void kernelBody(const Frame& f, const Spec& spec, const Geometry& g, float* out, Gathers gathers) {
  const int W = spec.width, H = spec.height;
  const int64_t planeSize = static_cast<int64_t>(W) * H;
  const int w = g.x1 - g.x0, h = g.y1 - g.y0;
  const double scaleX = g.transform.scaleX, scaleY = g.transform.scaleY;
  const bool nhwc = spec.nhwc;

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

  const bool yuv = f.format == Format::I420 || f.format == Format::NV12;
  const bool nv12 = f.format == Format::NV12;
  const int bpp = bytesPerPixel(f.format);
  Plan p;
  p.n = n;
  p.off.resize(n);
  p.wx.resize(n);
  if (yuv) {
    p.ca.resize(n);
    p.cb.resize(n);
  }
  std::vector<int32_t> offB(yuv ? n : 0);  // luma byte offset of tap b (shuffle plan only)
  for (int j = 0; j < n; j++) {
    const int rx = xs + j - g.offsetX;
    const double sx = std::min(std::max((rx + 0.5) / scaleX - 0.5, 0.0), static_cast<double>(w - 1));
    const int xa = static_cast<int>(std::floor(sx));
    const int xb = std::min(xa + 1, w - 1);
    p.wx[j] = static_cast<float>(sx - xa);  // 0 when xb == xa (the ROI's last column): tap b is then unused
    const int ax = g.x0 + xa, bx = g.x0 + xb;
    p.off[j] = ax * bpp;
    p.lastRead[0] = std::max(p.lastRead[0], ax * bpp + (yuv ? 2 : 8));
    if (yuv) {
      offB[j] = bx;
      p.ca[j] = nv12 ? 2 * (ax >> 1) : ax >> 1;
      p.cb[j] = nv12 ? 2 * (bx >> 1) : bx >> 1;
      p.lastRead[1] = std::max(p.lastRead[1], p.cb[j] + (nv12 ? 2 : 1));
    }
  }
  if (yuv && gathers != Gathers::Scalar) {
    planShuffle(p.luma, n, p.off.data(), offB.data(), false, p.lastRead[0]);
    planShuffle(p.chroma, n, p.ca.data(), p.cb.data(), nv12, p.lastRead[1]);
  }
  p.lastRead[2] = p.lastRead[1];

  const YuvConst kc = yuvConst(spec.bt709, spec.fullRange);
  SafeRows safe{f.data + f.size, {}};

  // two-row cache of horizontally interpolated source rows (planar R, G, B), plus the gather arrays (room for
  // whole shuffle groups of 8 columns)
  const size_t nn = static_cast<size_t>(std::max(n, 1));
  const size_t ng = (nn + 7) & ~static_cast<size_t>(7);
  std::vector<float> buf(nn * 6);
  std::vector<uint32_t> pairs(yuv ? 0 : 2 * nn);
  std::vector<uint16_t> yuvPairs(yuv ? 3 * ng : 0);
  uint16_t* gy = yuvPairs.data();
  uint16_t* gu = gy + ng;
  uint16_t* gv = gu + ng;
  float* slot[2][3];
  for (int s = 0; s < 2; s++) {
    for (int k = 0; k < 3; k++) slot[s][k] = buf.data() + (static_cast<size_t>(s) * 3 + k) * nn;
  }
  int slotRow[2] = {-1, -1};
  int chromaRow = -1;  // the chroma row gu/gv hold (I420/NV12 luma rows 2k and 2k+1 share chroma row k)

  const int32_t* off = p.off.data();
  const int32_t* ca = p.ca.data();
  const int32_t* cb = p.cb.data();
  auto hrow = [&](int y, float* const dst[3]) __attribute__((always_inline)) {
    const uint8_t* row0 = safe.row(f.data + f.offsets[0] + static_cast<int64_t>(y) * f.strides[0], 0, p.lastRead[0]);
    switch (f.format) {
      case Format::RGB: hrowPacked<3, 0, 1, 2>(row0, p, pairs.data(), dst[0], dst[1], dst[2]); return;
      case Format::BGR: hrowPacked<3, 2, 1, 0>(row0, p, pairs.data(), dst[0], dst[1], dst[2]); return;
      case Format::RGBx:
      case Format::RGBA: hrowPacked<4, 0, 1, 2>(row0, p, pairs.data(), dst[0], dst[1], dst[2]); return;
      case Format::BGRx:
      case Format::BGRA: hrowPacked<4, 2, 1, 0>(row0, p, pairs.data(), dst[0], dst[1], dst[2]); return;
      case Format::I420:
      case Format::NV12: break;
    }
    const int cy = y >> 1;
    if (cy != chromaRow) {
      const uint8_t* ur = safe.row(f.data + f.offsets[1] + static_cast<int64_t>(cy) * f.strides[1], 1, p.lastRead[1]);
      const uint8_t* vr =
          nv12 ? nullptr : safe.row(f.data + f.offsets[2] + static_cast<int64_t>(cy) * f.strides[2], 2, p.lastRead[2]);
#if defined(TSV_X86_BUILDS)
      if (p.chroma.g && nv12) {
        (gathers == Gathers::Avx2 ? shuffleNv12Avx2 : shuffleNv12Ssse3)(ur, p.chroma, gu, gv);
      } else if (p.chroma.g) {
        (gathers == Gathers::Avx2 ? shufflePlanesAvx2 : shufflePlanesSsse3)(ur, vr, p.chroma, gu, gv);
      } else
#endif
      if (nv12) {
        for (int j = 0; j < n; j++) {
          gu[j] = static_cast<uint16_t>(ur[ca[j]] | ur[cb[j]] << 8);
          gv[j] = static_cast<uint16_t>(ur[ca[j] + 1] | ur[cb[j] + 1] << 8);
        }
      } else {
        for (int j = 0; j < n; j++) {
          gu[j] = static_cast<uint16_t>(ur[ca[j]] | ur[cb[j]] << 8);
          gv[j] = static_cast<uint16_t>(vr[ca[j]] | vr[cb[j]] << 8);
        }
      }
      chromaRow = cy;
    }
#if defined(TSV_X86_BUILDS)
    if (p.luma.g) {
      (gathers == Gathers::Avx2 ? shufflePlanesAvx2 : shufflePlanesSsse3)(row0, nullptr, p.luma, gy, nullptr);
    } else
#endif
    {
      for (int j = 0; j < n; j++) gy[j] = static_cast<uint16_t>(load16(row0 + off[j]));
    }
    yuvConvert(gy, gu, gv, p, kc, dst[0], dst[1], dst[2]);
  };

  // Padding left in place by the previous frame is not written again: a letterboxed 16:9 frame pads 44% of the
  // tensor, and those writes were a quarter of this kernel's time between model runs (issue 12).
  const bool writePad = !spec.reusePadding;
  for (int Y = 0; Y < H; Y++) {
    const int64_t rowIndex = static_cast<int64_t>(Y) * W;
    if (Y < ys || Y >= ye || n == 0) {
      if (writePad) fillPad(nhwc, out, planeSize, rowIndex, W, pad);
      continue;
    }
    if (writePad) {
      fillPad(nhwc, out, planeSize, rowIndex, xs, pad);
      fillPad(nhwc, out, planeSize, rowIndex + xe, W - xe, pad);
    }

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
    const float* A[3] = {slot[ia][0], slot[ia][1], slot[ia][2]};
    const float* B[3] = {slot[ib][0], slot[ib][1], slot[ib][2]};
    const float yw = ib == ia ? 0.f : ay;
    if (nhwc) {
      float* o = out + (rowIndex + xs) * 3;
      if (spec.bgr) {
        vrowInterleaved<2, 1, 0>(A, B, yw, n, nm, o);
      } else {
        vrowInterleaved<0, 1, 2>(A, B, yw, n, nm, o);
      }
    } else {
      float* dst[3];
      for (int k = 0; k < 3; k++) dst[k] = out + nm.ch[k] * planeSize + rowIndex + xs;
      vrowPlanar(A, B, yw, n, nm, dst);
    }
  }
}

// One build of the kernel per instruction set; the best one the CPU supports is used (setPreprocessIsa() may pick
// another, for the tests and the benchmark).
using KernelFn = void (*)(const Frame&, const Spec&, const Geometry&, float*);
struct Build {
  const char* name;
  KernelFn fn;
  bool (*supported)();
};

void kernelPortable(const Frame& f, const Spec& s, const Geometry& g, float* out) {
  kernelBody(f, s, g, out, Gathers::Scalar);
}
bool always() { return true; }

#if defined(TSV_X86_BUILDS)
__attribute__((target("arch=x86-64-v4"))) void kernelV4(const Frame& f, const Spec& s, const Geometry& g, float* out) {
  kernelBody(f, s, g, out, Gathers::Avx2);
}
__attribute__((target("arch=x86-64-v3"))) void kernelV3(const Frame& f, const Spec& s, const Geometry& g, float* out) {
  kernelBody(f, s, g, out, Gathers::Avx2);
}
__attribute__((target("arch=x86-64-v2"))) void kernelV2(const Frame& f, const Spec& s, const Geometry& g, float* out) {
  kernelBody(f, s, g, out, Gathers::Ssse3);
}
bool hasV4() { return __builtin_cpu_supports("x86-64-v4") != 0; }
bool hasV3() { return __builtin_cpu_supports("x86-64-v3") != 0; }
bool hasV2() { return __builtin_cpu_supports("x86-64-v2") != 0; }

const Build kBuilds[] = {
    {"x86-64-v4", kernelV4, hasV4},  // AVX-512 (F, BW, DQ, VL) loops, pshufb gathers
    {"x86-64-v3", kernelV3, hasV3},  // AVX2 + FMA loops, pshufb gathers
    {"x86-64-v2", kernelV2, hasV2},  // SSE4.2 loops, pshufb gathers
    {"x86-64", kernelPortable, always},  // the baseline: SSE2 loops, scalar gathers
};
#elif defined(__aarch64__)
const Build kBuilds[] = {{"aarch64", kernelPortable, always}};  // NEON loops (the baseline), scalar gathers
#else
const Build kBuilds[] = {{"portable", kernelPortable, always}};
#endif

const Build* bestBuild() {
#if defined(TSV_X86_BUILDS)
  __builtin_cpu_init();
#endif
  for (const Build& b : kBuilds) {
    if (b.supported()) return &b;
  }
  return &kBuilds[std::size(kBuilds) - 1];
}

std::atomic<const Build*> current{bestBuild()};

}  // namespace

void preprocess(const Frame& frame, const Spec& spec, const Geometry& geo, float* out) {
  current.load(std::memory_order_relaxed)->fn(frame, spec, geo, out);
}

const char* preprocessIsa() { return current.load()->name; }

std::vector<std::string> preprocessIsas() {
  std::vector<std::string> names;
  for (const Build& b : kBuilds) {
    if (b.supported()) names.emplace_back(b.name);
  }
  return names;
}

bool setPreprocessIsa(const std::string& name) {
  for (const Build& b : kBuilds) {
    if (name == b.name && b.supported()) {
      current.store(&b);
      return true;
    }
  }
  return false;
}

}  // namespace tsv
