/* Test helper (and benchmark) for gst-plugin/camera-motion: a synthetic textured scene seen through a
 * camera that moves by a known similarity between two frames; prints what the estimator finds, one JSON
 * line per case:
 *   camera-motion-check case W H DX DY ANGLE_DEG SCALE [OBJECT_DX]   one case (OBJECT_DX: a large box on
 *                                                                    the scene moving on its own, to ignore)
 *   camera-motion-check bench W H N                                   mean ms per frame over N frames */
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "../../gst-plugin/camera-motion.h"

namespace {

/* A smooth random scene: a sum of sines of several frequencies and directions, 0..255. */
double scene(double x, double y) {
  static const double waves[][4] = {{0.031, 0.017, 0.0, 40}, {-0.013, 0.047, 1.3, 35}, {0.071, -0.029, 2.1, 25},
                                    {0.11, 0.083, 0.4, 18},  {-0.19, 0.13, 2.9, 12},   {0.23, -0.21, 1.7, 8}};
  double v = 128;
  for (const auto &w : waves)
    v += w[3] * std::sin(w[0] * x + w[1] * y + w[2]);
  return std::fmin(255, std::fmax(0, v));
}

/* Frame k of a camera whose view of the scene is moved by `inverse` (frame pixel → scene point). */
std::vector<uint8_t> render(int w, int h, double a, double b, double tx, double ty, double object_x) {
  std::vector<uint8_t> img((size_t)w * h);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      double sx = a * x - b * y + tx, sy = b * x + a * y + ty;
      double v = scene(sx, sy);
      /* The object: a bright textured block whose image position moves by object_x (not with the scene). */
      if (object_x >= 0 && x >= object_x && x < object_x + w / 3 && y >= h / 4 && y < h / 4 + h / 2)
        v = 200 + 40 * std::sin(0.3 * (x - object_x)) * std::cos(0.3 * y);
      img[(size_t)y * w + x] = (uint8_t)std::lround(v);
    }
  return img;
}

} // namespace

int main(int argc, char **argv) {
  if (argc >= 8 && std::strcmp(argv[1], "case") == 0) {
    int w = std::atoi(argv[2]), h = std::atoi(argv[3]);
    double dx = std::atof(argv[4]), dy = std::atof(argv[5]), angle = std::atof(argv[6]) * M_PI / 180, scale = std::atof(argv[7]);
    bool with_object = argc >= 9;
    double object_dx = with_object ? std::atof(argv[8]) : 0;
    /* Frame 1 sees the scene directly; frame 2's pixel p shows scene point M⁻¹(p − t) for the camera motion
     * p' = M·p + t (M = scale·rotation): that is the motion the estimator should find. */
    double ma = scale * std::cos(angle), mb = scale * std::sin(angle);
    double n = ma * ma + mb * mb, ia = ma / n, ib = -mb / n;
    double itx = -(ia * dx - ib * dy), ity = -(ib * dx + ia * dy);
    double object0 = with_object ? w / 3.0 : -1, object1 = with_object ? w / 3.0 + object_dx : -1;
    auto first = render(w, h, 1, 0, 0, 0, object0);
    auto second = render(w, h, ia, ib, itx, ity, object1);
    std::vector<double> avoid;
    if (with_object)
      avoid = {object0, h / 4.0, w / 3.0, h / 2.0};
    tsv::CameraMotionEstimator estimator;
    estimator.estimate_grey(first.data(), w, h, w, avoid);
    if (with_object)
      avoid = {object1, h / 4.0, w / 3.0, h / 2.0};
    tsv::CameraMotion m = estimator.estimate_grey(second.data(), w, h, w, avoid);
    std::printf("{\"ok\":%s,\"a\":%.6f,\"b\":%.6f,\"tx\":%.4f,\"ty\":%.4f,\"expected\":{\"a\":%.6f,\"b\":%.6f,\"tx\":%.4f,\"ty\":%.4f},"
                "\"features\":%d,\"tracked\":%d,\"inliers\":%d}\n",
                m.ok ? "true" : "false", m.motion.a, m.motion.b, m.motion.tx, m.motion.ty, ma, mb, dx, dy, m.features, m.tracked,
                m.inliers);
    return 0;
  }
  if (argc >= 5 && std::strcmp(argv[1], "bench") == 0) {
    int w = std::atoi(argv[2]), h = std::atoi(argv[3]), frames = std::atoi(argv[4]);
    std::vector<std::vector<uint8_t>> images;
    for (int k = 0; k < 8; k++)
      images.push_back(render(w, h, 1, 0, 3.0 * k, 1.0 * k, -1));
    tsv::CameraMotionEstimator estimator;
    int ok = 0;
    auto t0 = std::chrono::steady_clock::now();
    for (int k = 0; k < frames; k++)
      ok += estimator.estimate_grey(images[k % 8].data(), w, h, w, {}).ok;
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / frames;
    std::printf("{\"width\":%d,\"height\":%d,\"frames\":%d,\"ms_per_frame\":%.3f,\"ok\":%d}\n", w, h, frames, ms, ok);
    return 0;
  }
  std::fprintf(stderr, "usage: camera-motion-check case W H DX DY ANGLE_DEG SCALE [OBJECT_DX] | bench W H N\n");
  return 2;
}
