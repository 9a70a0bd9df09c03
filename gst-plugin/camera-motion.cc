#include "camera-motion.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace tsv {

namespace {

/* The downscaled frame is about this wide: enough corners for a global motion, ~1 ms a frame. */
constexpr int TARGET_WIDTH = 320;
/* Pyramid levels (each half the size of the one below) while the top stays at least this wide. */
constexpr int MAX_LEVELS = 3;
constexpr int MIN_LEVEL_WIDTH = 40;
/* Corner grid: one corner per cell at most. */
constexpr int GRID_COLUMNS = 16, GRID_ROWS = 12;
/* Lucas–Kanade window half-size (9 x 9), iterations per level, and when a step is small enough. */
constexpr int WINDOW = 4;
constexpr int ITERATIONS = 10;
constexpr float STEP_DONE = 0.01f;
/* A followed corner whose window still differs by more than this (mean grey levels) is dropped. */
constexpr float MAX_RESIDUAL = 12.0f;
/* RANSAC: hypotheses, inlier distance (downscaled pixels), and what a motion needs to be believed. */
constexpr int RANSAC_ROUNDS = 128;
constexpr double INLIER_DISTANCE = 1.0;
constexpr int MIN_INLIERS = 8;
constexpr double MIN_INLIER_SHARE = 0.3;
/* The inliers must spread over a third of the frame's width or height: corners on one small thing that
 * moves (a ball on a plain background) are not the camera. */
constexpr double MIN_INLIER_SPREAD = 1.0 / 3;
/* A move of less than this (full-scale pixels, at every corner of the frame) is a still camera: estimation
 * noise would only nudge the tracks. */
constexpr double STILL = 0.5;

void gradients(GreyLevel &level) {
  const int w = level.width, h = level.height;
  level.gx.assign((size_t)w * h, 0.0f);
  level.gy.assign((size_t)w * h, 0.0f);
  const float *p = level.pixels.data();
  for (int y = 1; y + 1 < h; y++)
    for (int x = 1; x + 1 < w; x++) {
      size_t i = (size_t)y * w + x;
      level.gx[i] = 0.5f * (p[i + 1] - p[i - 1]);
      level.gy[i] = 0.5f * (p[i + w] - p[i - w]);
    }
}

/* Levels 1.. by 2 x 2 averages of level 0, each with its gradients. */
void build_pyramid(std::vector<GreyLevel> &levels) {
  levels.resize(1);
  gradients(levels[0]);
  while ((int)levels.size() < MAX_LEVELS && levels.back().width / 2 >= MIN_LEVEL_WIDTH && levels.back().height / 2 >= 8) {
    const GreyLevel &below = levels.back();
    GreyLevel up;
    up.width = below.width / 2;
    up.height = below.height / 2;
    up.pixels.resize((size_t)up.width * up.height);
    for (int y = 0; y < up.height; y++)
      for (int x = 0; x < up.width; x++) {
        const float *b = below.pixels.data() + (size_t)(2 * y) * below.width + 2 * x;
        up.pixels[(size_t)y * up.width + x] = 0.25f * (b[0] + b[1] + b[below.width] + b[below.width + 1]);
      }
    gradients(up);
    levels.push_back(std::move(up));
  }
}

/* Level 0: the frame averaged over `factor` x `factor` blocks of `luma(x, y)` (full-scale pixels). */
template <typename Luma> GreyLevel downscale(int width, int height, int factor, Luma luma) {
  GreyLevel level;
  level.width = width / factor;
  level.height = height / factor;
  level.pixels.resize((size_t)level.width * level.height);
  const float scale = 1.0f / (float)(factor * factor);
  for (int y = 0; y < level.height; y++)
    for (int x = 0; x < level.width; x++) {
      unsigned sum = 0;
      for (int dy = 0; dy < factor; dy++)
        for (int dx = 0; dx < factor; dx++)
          sum += luma(x * factor + dx, y * factor + dy);
      level.pixels[(size_t)y * level.width + x] = (float)sum * scale;
    }
  return level;
}

inline float sample(const std::vector<float> &img, int w, float x, float y) {
  int x0 = (int)std::floor(x), y0 = (int)std::floor(y);
  float fx = x - (float)x0, fy = y - (float)y0;
  const float *p = img.data() + (size_t)y0 * w + x0;
  return (1 - fy) * ((1 - fx) * p[0] + fx * p[1]) + fy * ((1 - fx) * p[w] + fx * p[w + 1]);
}

/* Follows the point (x, y) of `from` into `to` (both the same pyramid level), starting at displacement
 * (dx, dy); returns false when it cannot (flat window, leaves the image). */
bool lucas_kanade(const GreyLevel &from, const GreyLevel &to, float x, float y, float *dx, float *dy, float *residual) {
  const int w = from.width, h = from.height;
  const float margin = (float)WINDOW + 2;
  if (x < margin || y < margin || x >= w - margin || y >= h - margin)
    return false;
  constexpr int N = (2 * WINDOW + 1) * (2 * WINDOW + 1);
  float tpl[N], tgx[N], tgy[N];
  double gxx = 0, gxy = 0, gyy = 0;
  int k = 0;
  for (int v = -WINDOW; v <= WINDOW; v++)
    for (int u = -WINDOW; u <= WINDOW; u++, k++) {
      tpl[k] = sample(from.pixels, w, x + u, y + v);
      tgx[k] = sample(from.gx, w, x + u, y + v);
      tgy[k] = sample(from.gy, w, x + u, y + v);
      gxx += tgx[k] * tgx[k];
      gxy += tgx[k] * tgy[k];
      gyy += tgy[k] * tgy[k];
    }
  double det = gxx * gyy - gxy * gxy;
  if (det < 1e-6 * N * N)
    return false;
  float ux = *dx, uy = *dy;
  double sum_abs = 0;
  for (int it = 0; it < ITERATIONS; it++) {
    float cx = x + ux, cy = y + uy;
    if (cx < margin || cy < margin || cx >= w - margin || cy >= h - margin)
      return false;
    double bx = 0, by = 0;
    sum_abs = 0;
    k = 0;
    for (int v = -WINDOW; v <= WINDOW; v++)
      for (int u = -WINDOW; u <= WINDOW; u++, k++) {
        float e = tpl[k] - sample(to.pixels, w, cx + u, cy + v);
        bx += e * tgx[k];
        by += e * tgy[k];
        sum_abs += std::fabs(e);
      }
    float sx = (float)((gyy * bx - gxy * by) / det), sy = (float)((gxx * by - gxy * bx) / det);
    ux += sx;
    uy += sy;
    if (sx * sx + sy * sy < STEP_DONE * STEP_DONE)
      break;
  }
  *dx = ux;
  *dy = uy;
  *residual = (float)(sum_abs / N);
  return true;
}

/* The similarity through two correspondences (p1 → q1, p2 → q2), as a + ib = (q2 − q1) / (p2 − p1). */
bool similarity_from_two(const double *p1, const double *q1, const double *p2, const double *q2, Similarity *s) {
  double px = p2[0] - p1[0], py = p2[1] - p1[1], qx = q2[0] - q1[0], qy = q2[1] - q1[1];
  double n = px * px + py * py;
  if (n < 1e-6)
    return false;
  s->a = (qx * px + qy * py) / n;
  s->b = (qy * px - qx * py) / n;
  s->tx = q1[0] - (s->a * p1[0] - s->b * p1[1]);
  s->ty = q1[1] - (s->b * p1[0] + s->a * p1[1]);
  return true;
}

/* Least squares over the pairs (centred; a + ib = Σ conj(p')·q' / Σ |p'|²). */
bool similarity_fit(const std::vector<double> &p, const std::vector<double> &q, const std::vector<int> &use, Similarity *s) {
  if (use.size() < 2)
    return false;
  double mpx = 0, mpy = 0, mqx = 0, mqy = 0;
  for (int i : use) {
    mpx += p[2 * i];
    mpy += p[2 * i + 1];
    mqx += q[2 * i];
    mqy += q[2 * i + 1];
  }
  double n = (double)use.size();
  mpx /= n, mpy /= n, mqx /= n, mqy /= n;
  double re = 0, im = 0, norm = 0;
  for (int i : use) {
    double px = p[2 * i] - mpx, py = p[2 * i + 1] - mpy, qx = q[2 * i] - mqx, qy = q[2 * i + 1] - mqy;
    re += px * qx + py * qy;
    im += px * qy - py * qx;
    norm += px * px + py * py;
  }
  if (norm < 1e-9)
    return false;
  s->a = re / norm;
  s->b = im / norm;
  s->tx = mqx - (s->a * mpx - s->b * mpy);
  s->ty = mqy - (s->b * mpx + s->a * mpy);
  return true;
}

double distance_after(const Similarity &s, const double *p, const double *q) {
  double x = s.a * p[0] - s.b * p[1] + s.tx - q[0], y = s.b * p[0] + s.a * p[1] + s.ty - q[1];
  return std::sqrt(x * x + y * y);
}

} // namespace

void CameraMotionEstimator::pick_corners(const std::vector<double> &avoid) {
  corners_.clear();
  const GreyLevel &level = previous_[0];
  const int w = level.width, h = level.height;
  /* Far enough from the edges that Lucas–Kanade's window (and its margin) fits on the top level too. */
  const int margin = ((WINDOW + 2) << (previous_.size() - 1)) + 1;
  if (w <= 2 * margin || h <= 2 * margin)
    return;
  /* Minimum eigenvalue of the 3 x 3 structure tensor (Shi–Tomasi), at every other pixel. */
  auto score = [&](int x, int y) {
    double a = 0, b = 0, c = 0;
    for (int v = -1; v <= 1; v++)
      for (int u = -1; u <= 1; u++) {
        size_t i = (size_t)(y + v) * w + (x + u);
        a += level.gx[i] * level.gx[i];
        b += level.gx[i] * level.gy[i];
        c += level.gy[i] * level.gy[i];
      }
    return 0.5 * (a + c - std::sqrt((a - c) * (a - c) + 4 * b * b));
  };
  const double f = (double)factor_;
  auto avoided = [&](int x, int y) {
    double fx = x * f, fy = y * f;
    for (size_t i = 0; i + 3 < avoid.size(); i += 4)
      if (fx >= avoid[i] && fx <= avoid[i] + avoid[i + 2] && fy >= avoid[i + 1] && fy <= avoid[i + 1] + avoid[i + 3])
        return true;
    return false;
  };
  struct Best {
    double score;
    int x, y;
  };
  std::vector<Best> best;
  double strongest = 0;
  for (int gy = 0; gy < GRID_ROWS; gy++)
    for (int gx = 0; gx < GRID_COLUMNS; gx++) {
      int x0 = std::max(margin, gx * w / GRID_COLUMNS), x1 = std::min(w - margin, (gx + 1) * w / GRID_COLUMNS);
      int y0 = std::max(margin, gy * h / GRID_ROWS), y1 = std::min(h - margin, (gy + 1) * h / GRID_ROWS);
      Best cell{0, 0, 0};
      for (int y = y0; y < y1; y += 2)
        for (int x = x0; x < x1; x += 2) {
          /* A flat pixel (no gradient at its centre) cannot be a corner: skip its window (most of a dark frame). */
          const size_t i = (size_t)y * w + x;
          if (level.gx[i] * level.gx[i] + level.gy[i] * level.gy[i] < 0.25f)
            continue;
          double s = score(x, y);
          if (s > cell.score && !avoided(x, y))
            cell = {s, x, y};
        }
      if (cell.score > 0) {
        best.push_back(cell);
        strongest = std::max(strongest, cell.score);
      }
    }
  /* Weak corners (flat sky, blur) follow badly: keep those within a fraction of the strongest. */
  for (const Best &b : best)
    if (b.score >= 0.01 * strongest && b.score > 1.0) {
      corners_.push_back((float)b.x);
      corners_.push_back((float)b.y);
    }
}

CameraMotion CameraMotionEstimator::track(std::vector<GreyLevel> &current) {
  CameraMotion result;
  result.features = (int)(corners_.size() / 2);
  const int levels = (int)std::min(previous_.size(), current.size());
  std::vector<double> from, to;
  for (size_t c = 0; c + 1 < corners_.size(); c += 2) {
    float dx = 0, dy = 0, residual = 0;
    bool ok = true;
    for (int l = levels - 1; l >= 0 && ok; l--) {
      float s = 1.0f / (float)(1 << l);
      ok = lucas_kanade(previous_[l], current[l], corners_[c] * s, corners_[c + 1] * s, &dx, &dy, &residual);
      if (ok && l > 0) {
        dx *= 2;
        dy *= 2;
      }
    }
    if (!ok || residual > MAX_RESIDUAL)
      continue;
    from.push_back(corners_[c]);
    from.push_back(corners_[c + 1]);
    to.push_back(corners_[c] + dx);
    to.push_back(corners_[c + 1] + dy);
  }
  const int n = (int)(from.size() / 2);
  result.tracked = n;
  if (n < MIN_INLIERS)
    return result;
  /* RANSAC over pairs of correspondences, with a fixed seed: the same frames give the same motion. */
  uint32_t seed = 0x9e3779b9u;
  auto next = [&]() {
    seed = seed * 1664525u + 1013904223u;
    return seed >> 8;
  };
  std::vector<int> best_inliers, inliers;
  for (int round = 0; round < RANSAC_ROUNDS; round++) {
    int i = (int)(next() % (uint32_t)n), j = (int)(next() % (uint32_t)n);
    if (i == j)
      continue;
    Similarity s;
    if (!similarity_from_two(&from[2 * i], &to[2 * i], &from[2 * j], &to[2 * j], &s))
      continue;
    inliers.clear();
    for (int k = 0; k < n; k++)
      if (distance_after(s, &from[2 * k], &to[2 * k]) < INLIER_DISTANCE)
        inliers.push_back(k);
    if (inliers.size() > best_inliers.size())
      best_inliers.swap(inliers);
  }
  Similarity fitted;
  if ((int)best_inliers.size() < std::max(MIN_INLIERS, (int)std::ceil(MIN_INLIER_SHARE * n)) ||
      !similarity_fit(from, to, best_inliers, &fitted))
    return result;
  /* Once more with the inliers of the fitted motion. */
  inliers.clear();
  for (int k = 0; k < n; k++)
    if (distance_after(fitted, &from[2 * k], &to[2 * k]) < INLIER_DISTANCE)
      inliers.push_back(k);
  if ((int)inliers.size() >= MIN_INLIERS)
    similarity_fit(from, to, inliers, &fitted);
  result.inliers = (int)inliers.size();
  double x0 = 1e30, y0 = 1e30, x1 = -1e30, y1 = -1e30;
  for (int k : inliers) {
    x0 = std::min(x0, from[2 * k]);
    x1 = std::max(x1, from[2 * k]);
    y0 = std::min(y0, from[2 * k + 1]);
    y1 = std::max(y1, from[2 * k + 1]);
  }
  const GreyLevel &base = previous_[0];
  if (x1 - x0 < MIN_INLIER_SPREAD * base.width && y1 - y0 < MIN_INLIER_SPREAD * base.height)
    return result;
  /* Downscaled → full-scale pixels: x_full = f·x + c with c = (f − 1) / 2 (a block's centre), so
   * t_full = f·t + c − M·c. */
  const double f = (double)factor_, c = (f - 1) / 2;
  result.motion.a = fitted.a;
  result.motion.b = fitted.b;
  result.motion.tx = f * fitted.tx + c - (fitted.a * c - fitted.b * c);
  result.motion.ty = f * fitted.ty + c - (fitted.b * c + fitted.a * c);
  result.ok = true;
  double largest = 0;
  for (double x : {0.0, (double)full_width_})
    for (double y : {0.0, (double)full_height_}) {
      const double p[2] = {x, y}, q[2] = {x, y};
      largest = std::max(largest, distance_after(result.motion, p, q));
    }
  if (largest < STILL)
    result.motion = Similarity();
  return result;
}

CameraMotion CameraMotionEstimator::next_frame(GreyLevel &&level0, int factor, int width, int height, const std::vector<double> &avoid) {
  if (has_previous_ && (width != full_width_ || height != full_height_ || factor != factor_))
    has_previous_ = false; /* a new size: nothing to compare with */
  std::vector<GreyLevel> current(1);
  current[0] = std::move(level0);
  build_pyramid(current);
  CameraMotion result;
  if (has_previous_)
    result = track(current);
  previous_.swap(current);
  factor_ = factor;
  full_width_ = width;
  full_height_ = height;
  has_previous_ = true;
  pick_corners(avoid);
  return result;
}

/* How much a width x height frame is downscaled (0: too small to estimate anything). */
static int downscale_factor(int width, int height) {
  int factor = std::max(1, (int)std::lround((double)width / TARGET_WIDTH));
  return width / factor < 2 * MIN_LEVEL_WIDTH || height / factor < 32 ? 0 : factor;
}

CameraMotion CameraMotionEstimator::estimate_grey(const uint8_t *grey, int width, int height, int stride,
                                                 const std::vector<double> &avoid) {
  int factor = downscale_factor(width, height);
  if (!grey || factor == 0) {
    has_previous_ = false;
    return CameraMotion();
  }
  /* Block averages by rows of pointers (the generic per-pixel luma() costs several times more on this path). */
  GreyLevel level0;
  level0.width = width / factor;
  level0.height = height / factor;
  level0.pixels.resize((size_t)level0.width * level0.height);
  std::vector<unsigned> sums((size_t)level0.width);
  const float scale = 1.0f / (float)(factor * factor);
  for (int y = 0; y < level0.height; y++) {
    std::fill(sums.begin(), sums.end(), 0u);
    for (int dy = 0; dy < factor; dy++) {
      const uint8_t *row = grey + (size_t)(y * factor + dy) * stride;
      for (int x = 0; x < level0.width; x++, row += factor)
        for (int dx = 0; dx < factor; dx++)
          sums[x] += row[dx];
    }
    float *out = level0.pixels.data() + (size_t)y * level0.width;
    for (int x = 0; x < level0.width; x++)
      out[x] = (float)sums[x] * scale;
  }
  return next_frame(std::move(level0), factor, width, height, avoid);
}

CameraMotion CameraMotionEstimator::estimate(const Frame &frame, const std::vector<Object> &objects) {
  std::vector<double> avoid;
  for (const Object &o : objects) {
    avoid.push_back(o.box.x);
    avoid.push_back(o.box.y);
    avoid.push_back(o.box.width);
    avoid.push_back(o.box.height);
  }
  if (!frame.data || frame.width <= 0 || frame.height <= 0) {
    has_previous_ = false;
    return CameraMotion();
  }
  const uint8_t *plane = frame.data + frame.offsets[0];
  const int stride = frame.strides[0];
  if (frame.format == "I420" || frame.format == "NV12")
    return estimate_grey(plane, frame.width, frame.height, stride, avoid);
  int factor = downscale_factor(frame.width, frame.height);
  if (factor == 0) {
    has_previous_ = false;
    return CameraMotion();
  }
  /* Packed RGB: (c0 + 2·G + c2) / 4 — G is the second byte in all six layouts, R and B weigh the same. */
  const int bytes = (frame.format == "RGB" || frame.format == "BGR") ? 3 : 4;
  auto luma = [&](int x, int y) {
    const uint8_t *p = plane + (size_t)y * stride + (size_t)x * bytes;
    return ((unsigned)p[0] + 2u * p[1] + p[2] + 2u) >> 2;
  };
  return next_frame(downscale(frame.width, frame.height, factor, luma), factor, frame.width, frame.height, avoid);
}

} // namespace tsv
