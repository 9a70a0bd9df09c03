// Memory-safety check of the instance mask kernel (mask.cc), run by test/unit/mask-bounds.test.ts built with
// -fsanitize=address,undefined: prototypes and coefficients in heap blocks of the exact size (a read one float too
// far is an AddressSanitizer error), boxes inside, across and outside the frame edges, degenerate boxes, tiny
// prototype grids (1 x 1, 1 x N), letterboxes of both orientations, stretched inputs and thresholds 0 and 1. Checks
// that every mask fits its box's pixels and the output length is the sum of the masks. Prints "ok N" at the end;
// exit status 1 on a mismatch.
#include <cmath>
#include <cstdio>
#include <memory>
#include <vector>

#include "../src/mask.h"

using namespace tsv;

namespace {

uint32_t seed = 1;
double rnd() {
  seed = seed * 1103515245u + 12345u;
  return (seed >> 8) / 16777216.0;
}

}  // namespace

int main() {
  int checks = 0, failures = 0;
  const int grids[][3] = {{32, 80, 80}, {1, 1, 1}, {3, 1, 7}, {2, 5, 1}, {32, 40, 40}};
  const int frames[][2] = {{810, 1080}, {1, 1}, {3, 2}, {1280, 720}, {17, 300}};
  for (const auto& g : grids) {
    const int M = g[0], H = g[1], W = g[2];
    std::unique_ptr<float[]> protos(new float[(size_t)M * H * W]);
    for (size_t i = 0; i < (size_t)M * H * W; i++) protos[i] = (float)(rnd() * 4 - 2);
    MaskProtos p{protos.get(), M, H, W};
    for (const auto& f : frames) {
      for (int letterbox = 0; letterbox < 3; letterbox++) {
        const int n = 9;
        std::unique_ptr<float[]> coefficients(new float[(size_t)n * M]);
        for (int i = 0; i < n * M; i++) coefficients[i] = (float)(rnd() * 2 - 1);
        MaskTransform t;
        t.inputWidth = 4 * W;
        t.inputHeight = 4 * H;
        const double s = std::min((double)t.inputWidth / f[0], (double)t.inputHeight / f[1]);
        t.scaleX = letterbox == 2 ? (double)t.inputWidth / f[0] : s;
        t.scaleY = letterbox == 2 ? (double)t.inputHeight / f[1] : s;
        t.padX = letterbox == 1 ? (t.inputWidth - f[0] * s) / 2 : 0;
        t.padY = letterbox == 1 ? (t.inputHeight - f[1] * s) / 2 : 0;
        std::unique_ptr<double[]> boxes(new double[4 * n]);
        for (int i = 0; i < n; i++) {
          double x1 = (rnd() * 1.4 - 0.2) * f[0], y1 = (rnd() * 1.4 - 0.2) * f[1];
          double w = rnd() * f[0], h = rnd() * f[1];
          if (i == 0) x1 = 0, y1 = 0, w = f[0], h = f[1];               // the whole frame
          if (i == 1) x1 = f[0] - 0.4, y1 = f[1] - 0.4, w = 5, h = 5;   // the last pixel and beyond
          if (i == 2) w = 0;                                            // no area
          if (i == 3) x1 = -50, y1 = -50, w = 10, h = 10;               // outside
          boxes[4 * i] = x1;
          boxes[4 * i + 1] = y1;
          boxes[4 * i + 2] = x1 + w;
          boxes[4 * i + 3] = y1 + h;
        }
        for (double threshold : {0.5, 0.0, 1.0, 0.3}) {
          std::vector<MaskRect> rects;
          std::vector<uint8_t> out;
          decodeMasks(p, coefficients.get(), boxes.get(), n, t, f[0], f[1], threshold, rects, out);
          size_t total = 0;
          for (int i = 0; i < n; i++) {
            const MaskRect& r = rects[i];
            const MaskRect want = maskRect(boxes[4 * i], boxes[4 * i + 1], boxes[4 * i + 2], boxes[4 * i + 3], f[0], f[1]);
            checks++;
            if (r.x != want.x || r.y != want.y || r.width != want.width || r.height != want.height || r.x < 0 || r.y < 0 ||
                r.x + r.width > f[0] || r.y + r.height > f[1]) {
              std::printf("mask %d of grid %dx%dx%d, frame %dx%d: rect %d,%d %dx%d\n", i, M, H, W, f[0], f[1], r.x, r.y, r.width,
                          r.height);
              failures++;
            }
            total += (size_t)r.width * r.height;
          }
          checks++;
          if (total != out.size()) {
            std::printf("output %zu bytes for %zu mask pixels\n", out.size(), total);
            failures++;
          }
          for (uint8_t v : out) {
            const bool ok = threshold <= 0 ? v == 1 : threshold >= 1 ? v == 0 : v <= 1;
            if (!ok) {
              std::printf("threshold %g: pixel %d\n", threshold, v);
              failures++;
              break;
            }
          }
        }
      }
    }
  }
  if (failures) return 1;
  std::printf("ok %d checks\n", checks);
  return 0;
}
