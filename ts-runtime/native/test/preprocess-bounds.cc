// Memory-safety check of the pixel kernels, run by test/unit/preprocess-bounds.test.ts built with
// -fsanitize=address,undefined: every build of preprocess() (and the previous kernel) on frames whose data ends
// exactly where the last plane's last pixel does (heap blocks of the exact size, so a read of one byte too many
// is an AddressSanitizer error), each plane in turn last, for all formats, odd and even sizes, ROIs touching the
// right/bottom frame edges, and model sizes that take every gather grouping (8, 4, 2 columns per shuffle, the
// scalar gathers) and upscaling. Also checks that the builds agree with the previous kernel (|diff| <= 0.01 in
// 0..255 units). Prints one line per failure and "ok N" at the end; exit status 1 on a mismatch.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "../src/preprocess.h"

using namespace tsv;

namespace {

uint32_t seed = 1;
uint8_t rnd() {
  seed = seed * 1103515245u + 12345u;
  return static_cast<uint8_t>(seed >> 23);
}

struct Owned {
  std::unique_ptr<uint8_t[]> data;
  Frame frame;
};

// A frame of format f, w x h, tight strides plus `extra` bytes per row, with plane `last` placed last in a
// buffer of exactly the bytes it needs.
Owned makeFrame(Format fmt, int w, int h, int extra, int last) {
  const int cw = (w + 1) >> 1, ch = (h + 1) >> 1;
  int64_t rowBytes[3] = {0, 0, 0}, rows[3] = {0, 0, 0};
  const int np = planeCount(fmt);
  if (fmt == Format::I420) {
    rowBytes[0] = w, rowBytes[1] = rowBytes[2] = cw;
    rows[0] = h, rows[1] = rows[2] = ch;
  } else if (fmt == Format::NV12) {
    rowBytes[0] = w, rowBytes[1] = 2 * cw;
    rows[0] = h, rows[1] = ch;
  } else {
    rowBytes[0] = static_cast<int64_t>(w) * bytesPerPixel(fmt), rows[0] = h;
  }
  Owned o;
  Frame& f = o.frame;
  f.format = fmt, f.width = w, f.height = h;
  int64_t pos = 0;
  last %= np;
  for (int k = 0; k < np; k++) {
    const int i = (last + 1 + k) % np;  // plane `last` comes last
    f.strides[i] = rowBytes[i] + extra;
    f.offsets[i] = pos;
    pos += (rows[i] - 1) * f.strides[i] + rowBytes[i];  // the last row without its stride padding
    if (k + 1 < np) pos += extra;
  }
  f.size = static_cast<size_t>(pos);
  o.data.reset(new uint8_t[f.size]);
  for (size_t i = 0; i < f.size; i++) o.data[i] = rnd();
  f.data = o.data.get();
  return o;
}

}  // namespace

int main() {
  const Format formats[] = {Format::RGB, Format::BGR, Format::RGBx, Format::BGRx,
                            Format::RGBA, Format::BGRA, Format::I420, Format::NV12};
  struct Size {
    int w, h;
  };
  const Size frames[] = {{768, 432}, {333, 201}, {67, 41}, {5, 3}, {1, 1}, {1921, 1081}};
  // few output rows (the cost is per output pixel; the vertical edges come from the ROIs); widths: 416 from
  // 768 takes groups of 8 columns, 200 groups of 4, 100 of 2, 40 and 17 the scalar gathers; 300 upscales
  const Size models[] = {{416, 3}, {200, 3}, {100, 2}, {40, 2}, {17, 2}, {3, 2}, {1, 1}, {300, 40}};
  const Resize resizes[] = {Resize::Stretch, Resize::LetterboxCentre};
  const std::vector<std::string> builds = preprocessIsas();
  const std::string best = preprocessIsa();
  int checks = 0, failures = 0;
  for (Format fmt : formats) {
    for (const Size& fs : frames) {
      for (int last = 0; last < planeCount(fmt); last++) {
        for (int extra : {0, 5}) {
          Owned o = makeFrame(fmt, fs.w, fs.h, extra, last);
          const std::string err = validateFrame(o.frame);
          if (!err.empty()) {
            std::printf("bad test frame: %s\n", err.c_str());
            return 1;
          }
          // whole frame, and ROIs at the right/bottom edges with odd offsets (the last row whole)
          const double w = fs.w, h = fs.h;  // as doubles: no narrowing in the table
          const double rois[][4] = {{0, 0, 0, 0},          {w / 3 + 1, h / 2 + 1, w, h}, {w - 1, h - 1, 1, 1},
                                    {0.4, h - 1, w, 1},    {1, h - 2, w, 2},             {1, 0, w / 2 + 0.5, h / 3 + 1}};
          for (int r = 0; r < 6; r++) {
            for (const Size& ms : models) {
              for (Resize rz : resizes) {
                for (bool nhwc : {false, true}) {
                  Spec s;
                  s.width = ms.w, s.height = ms.h, s.resize = rz, s.nhwc = nhwc, s.padValue = 114;
                  s.bgr = (checks & 1) != 0;
                  s.bt709 = (checks & 2) != 0;
                  s.fullRange = (checks & 4) != 0;
                  if (r > 0) {
                    s.hasRoi = true;
                    std::memcpy(s.roi, rois[r], sizeof s.roi);
                  }
                  Geometry g;
                  if (!computeGeometry(fs.w, fs.h, s, g).empty()) continue;
                  const size_t n = static_cast<size_t>(3) * ms.w * ms.h;
                  std::vector<float> want(n), got(n);
                  preprocessScalar(o.frame, s, g, want.data());
                  for (const std::string& b : builds) {
                    setPreprocessIsa(b);
                    std::fill(got.begin(), got.end(), NAN);
                    preprocess(o.frame, s, g, got.data());
                    double d = 0;
                    for (size_t i = 0; i < n; i++) d = std::isnan(got[i]) ? INFINITY : std::fmax(d, std::fabs(got[i] - want[i]));
                    checks++;
                    if (!(d <= 0.01)) {
                      failures++;
                      if (failures <= 20) {
                        std::printf("%s: %s %dx%d (plane %d last, +%d) roi %d -> %dx%d %s %s: max |diff| %g\n", b.c_str(),
                                    formatName(fmt), fs.w, fs.h, last, extra, r, ms.w, ms.h,
                                    rz == Resize::Stretch ? "stretch" : "letterbox-centre", nhwc ? "NHWC" : "NCHW", d);
                      }
                    }
                  }
                  setPreprocessIsa(best);
                }
              }
            }
          }
        }
      }
    }
  }
  std::printf("%s %d checks, builds: %zu\n", failures ? "FAILED" : "ok", checks, builds.size());
  return failures ? 1 : 0;
}
