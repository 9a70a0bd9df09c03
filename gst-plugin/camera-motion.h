/* Camera motion between consecutive frames, for tstrack's motion compensation: a similarity transform
 * (rotation, uniform scale, translation) estimated from sparse optical flow on a downscaled grey frame —
 * corners picked on a grid away from the objects (they move on their own), followed by pyramidal
 * Lucas–Kanade, the transform fitted by RANSAC and refined by least squares on its inliers. It is what
 * BoT-SORT's sparse-flow GMC does, written here (OpenCV's dev packages would pull ~130 Debian packages). */
#pragma once

#include <cstdint>
#include <vector>

#include "host/host-api.h"

namespace tsv {

/* x' = a·x − b·y + tx, y' = b·x + a·y + ty (frame pixels of the previous frame → this one). */
struct Similarity {
  double a = 1, b = 0, tx = 0, ty = 0;
};

struct CameraMotion {
  bool ok = false;     /* false: no previous frame, too little texture or no consistent motion */
  Similarity motion;   /* identity unless ok, and for a still camera (less than half a pixel anywhere) */
  bool still() const { return motion.a == 1 && motion.b == 0 && motion.tx == 0 && motion.ty == 0; }
  int features = 0;    /* corners picked on the previous frame */
  int tracked = 0;     /* of them followed into this frame */
  int inliers = 0;     /* of them agreeing with `motion` */
};

/* A grey image (8-bit samples as floats) with its gradients. */
struct GreyLevel {
  int width = 0, height = 0;
  std::vector<float> pixels, gx, gy;
};

class CameraMotionEstimator {
public:
  /* The motion from the previous frame given to this one (ok == false for the first). `frame` is in one
   * of the 8 pixel formats; `objects` are the frame's objects (no corners are picked on them). */
  CameraMotion estimate(const Frame &frame, const std::vector<Object> &objects);
  /* Forgets the previous frame (a seek, a flush, a discontinuity). */
  void reset() { has_previous_ = false; }

  /* For tests and the benchmark: the same on grey images (row-major, `width` x `height`, full scale), the
   * boxes to avoid as x, y, width, height quadruples. */
  CameraMotion estimate_grey(const uint8_t *grey, int width, int height, int stride, const std::vector<double> &avoid);

private:
  CameraMotion next_frame(GreyLevel &&level0, int factor, int width, int height, const std::vector<double> &avoid);
  CameraMotion track(std::vector<GreyLevel> &current);
  void pick_corners(const std::vector<double> &avoid);

  std::vector<GreyLevel> previous_;
  std::vector<float> corners_; /* x, y pairs on previous_[0] */
  bool has_previous_ = false;
  int factor_ = 1;              /* full-scale pixels per downscaled pixel */
  int full_width_ = 0, full_height_ = 0;
};

} // namespace tsv
