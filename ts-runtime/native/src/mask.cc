#include "mask.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace tsv {

MaskRect maskRect(double x1, double y1, double x2, double y2, int frameWidth, int frameHeight) {
  // Pixel px is in when x1 <= px + 0.5 < x2: px from ceil(x1 - 0.5) to ceil(x2 - 0.5) - 1.
  auto first = [](double v, int size) { return (int)std::min<double>(size, std::max(0.0, std::ceil(v - 0.5))); };
  MaskRect r;
  if (!(x2 > x1) || !(y2 > y1)) return r;
  const int x0 = first(x1, frameWidth), xe = first(x2, frameWidth);
  const int y0 = first(y1, frameHeight), ye = first(y2, frameHeight);
  if (xe <= x0 || ye <= y0) return r;
  r.x = x0;
  r.y = y0;
  r.width = xe - x0;
  r.height = ye - y0;
  return r;
}

namespace {

// One axis of the resampling: frame pixel p (centre p + 0.5) → input (letterbox) → prototype grid, with PyTorch's
// align_corners=False source index (clamped at 0), its two neighbours and the weight of the second.
struct Tap {
  int i0, i1;
  float w1;
};

void taps(int first, int count, double scale, double pad, double gridPerInput, int gridSize, std::vector<Tap>& out) {
  out.resize(count);
  for (int k = 0; k < count; k++) {
    double s = ((first + k + 0.5) * scale + pad) * gridPerInput - 0.5;
    if (s < 0) s = 0;
    int i0 = (int)s;
    if (i0 > gridSize - 1) i0 = gridSize - 1;
    const int i1 = i0 < gridSize - 1 ? i0 + 1 : i0;
    out[k] = {i0, i1, (float)(s - i0)};
  }
}

}  // namespace

void decodeMasks(const MaskProtos& protos, const float* coefficients, const double* boxes, int n, const MaskTransform& t,
                 int frameWidth, int frameHeight, double threshold, std::vector<MaskRect>& rects, std::vector<uint8_t>& out) {
  rects.assign(n, MaskRect{});
  out.clear();
  const int M = protos.count, H = protos.height, W = protos.width;
  if (n <= 0 || M <= 0 || H <= 0 || W <= 0 || t.inputWidth <= 0 || t.inputHeight <= 0) return;
  // sigmoid(v) > threshold <=> v > logit(threshold); thresholds of 0 and 1 keep every / no pixel.
  const float cut = threshold <= 0   ? -std::numeric_limits<float>::infinity()
                    : threshold >= 1 ? std::numeric_limits<float>::infinity()
                                     : (float)std::log(threshold / (1 - threshold));
  const double gx = (double)W / t.inputWidth, gy = (double)H / t.inputHeight;
  const size_t plane = (size_t)H * W;
  size_t total = 0;
  for (int i = 0; i < n; i++) {
    const double* b = boxes + 4 * i;
    rects[i] = maskRect(b[0], b[1], b[2], b[3], frameWidth, frameHeight);
    total += (size_t)rects[i].width * rects[i].height;
  }
  out.resize(total);
  std::vector<Tap> tx, ty;
  std::vector<float> logits, column;
  size_t offset = 0;
  for (int i = 0; i < n; i++) {
    const MaskRect& r = rects[i];
    if (r.width == 0) continue;
    taps(r.x, r.width, t.scaleX, t.padX, gx, W, tx);
    taps(r.y, r.height, t.scaleY, t.padY, gy, H, ty);
    // The prototype cells the box's pixels sample from, and their logits: coefficients . prototypes.
    const int c0 = tx.front().i0, c1 = tx.back().i1, r0 = ty.front().i0, r1 = ty.back().i1;
    const int cw = c1 - c0 + 1, ch = r1 - r0 + 1;
    for (Tap& u : tx) u.i0 -= c0, u.i1 -= c0;
    for (Tap& v : ty) v.i0 -= r0, v.i1 -= r0;
    logits.assign((size_t)cw * ch, 0.0f);
    const float* coef = coefficients + (size_t)i * M;
    for (int m = 0; m < M; m++) {
      const float c = coef[m];
      const float* p = protos.data + m * plane;
      for (int y = 0; y < ch; y++) {
        const float* src = p + (size_t)(r0 + y) * W + c0;
        float* dst = logits.data() + (size_t)y * cw;
        for (int x = 0; x < cw; x++) dst[x] += c * src[x];
      }
    }
    // Bilinear is separable: each frame row blends its two prototype rows once (cw values), then each pixel blends
    // two of those.
    uint8_t* mask = out.data() + offset;
    column.resize(cw);
    for (int y = 0; y < r.height; y++) {
      const Tap& v = ty[y];
      const float* row0 = logits.data() + (size_t)v.i0 * cw;
      const float* row1 = logits.data() + (size_t)v.i1 * cw;
      for (int c = 0; c < cw; c++) column[c] = row0[c] + v.w1 * (row1[c] - row0[c]);
      uint8_t* dst = mask + (size_t)y * r.width;
      const float* col = column.data();
      for (int x = 0; x < r.width; x++) {
        const Tap& u = tx[x];
        dst[x] = col[u.i0] + u.w1 * (col[u.i1] - col[u.i0]) > cut ? 1 : 0;
      }
    }
    offset += (size_t)r.width * r.height;
  }
}

}  // namespace tsv
