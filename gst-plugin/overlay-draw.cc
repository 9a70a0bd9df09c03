#include "overlay-draw.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>

#include <pango/pangocairo.h>

namespace tsv {

namespace overlay {

static uint8_t to_byte(double v) { return (uint8_t)std::lround(std::min(255.0, std::max(0.0, v))); }

Rgb palette_color(uint64_t index) {
  const double golden = 0.6180339887498949;
  /* fmod of the product of a (possibly huge) id loses precision only far beyond any real id. */
  double h = std::fmod((double)index * golden, 1.0) * 6.0;
  const double s = 0.85, v = 1.0;
  int sector = (int)h;
  double f = h - sector;
  double p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
  double r, g, b;
  switch (sector % 6) {
  case 0: r = v, g = t, b = p; break;
  case 1: r = q, g = v, b = p; break;
  case 2: r = p, g = v, b = t; break;
  case 3: r = p, g = q, b = v; break;
  case 4: r = t, g = p, b = v; break;
  default: r = v, g = p, b = q; break;
  }
  return {to_byte(r * 255), to_byte(g * 255), to_byte(b * 255)};
}

uint64_t label_index(const std::string &label) {
  uint32_t h = 2166136261u;
  for (unsigned char c : label) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

Rgb text_color_on(Rgb bg) {
  double luma = 0.299 * bg.r + 0.587 * bg.g + 0.114 * bg.b;
  return luma > 150 ? Rgb{0, 0, 0} : Rgb{255, 255, 255};
}

bool Canvas::supports(GstVideoFormat format) {
  const GstVideoFormatInfo *info = gst_video_format_get_info(format);
  if (!info || GST_VIDEO_FORMAT_INFO_IS_COMPLEX(info) || GST_VIDEO_FORMAT_INFO_BITS(info) != 8 ||
      GST_VIDEO_FORMAT_INFO_HAS_PALETTE(info) || GST_VIDEO_FORMAT_INFO_IS_TILED(info))
    return false;
  if (GST_VIDEO_FORMAT_INFO_IS_RGB(info))
    return GST_VIDEO_FORMAT_INFO_N_PLANES(info) == 1 &&
           (GST_VIDEO_FORMAT_INFO_PSTRIDE(info, 0) == 3 || GST_VIDEO_FORMAT_INFO_PSTRIDE(info, 0) == 4);
  if (GST_VIDEO_FORMAT_INFO_IS_YUV(info))
    return GST_VIDEO_FORMAT_INFO_N_COMPONENTS(info) == 3 && GST_VIDEO_FORMAT_INFO_N_PLANES(info) >= 2 &&
           GST_VIDEO_FORMAT_INFO_PSTRIDE(info, 0) == 1 && !GST_VIDEO_FORMAT_INFO_HAS_ALPHA(info);
  return false;
}

Canvas::Canvas(GstVideoFrame *frame)
    : frame_(frame), width_(GST_VIDEO_FRAME_WIDTH(frame)), height_(GST_VIDEO_FRAME_HEIGHT(frame)),
      yuv_(GST_VIDEO_INFO_IS_YUV(&frame->info)) {
  const GstVideoFormatInfo *finfo = frame->info.finfo;
  if (yuv_) {
    wsub_ = GST_VIDEO_FORMAT_INFO_W_SUB(finfo, 1);
    hsub_ = GST_VIDEO_FORMAT_INFO_H_SUB(finfo, 1);
    gdouble kr, kb;
    if (gst_video_color_matrix_get_Kr_Kb(frame->info.colorimetry.matrix, &kr, &kb)) {
      kr_ = kr;
      kb_ = kb;
    }
    full_range_ = frame->info.colorimetry.range == GST_VIDEO_COLOR_RANGE_0_255;
  } else {
    pstride_ = GST_VIDEO_FORMAT_INFO_PSTRIDE(finfo, 0);
    offsets_[0] = GST_VIDEO_FORMAT_INFO_POFFSET(finfo, GST_VIDEO_COMP_R);
    offsets_[1] = GST_VIDEO_FORMAT_INFO_POFFSET(finfo, GST_VIDEO_COMP_G);
    offsets_[2] = GST_VIDEO_FORMAT_INFO_POFFSET(finfo, GST_VIDEO_COMP_B);
    offsets_[3] = GST_VIDEO_FORMAT_INFO_HAS_ALPHA(finfo) ? GST_VIDEO_FORMAT_INFO_POFFSET(finfo, GST_VIDEO_COMP_A) : -1;
  }
}

Canvas::Paint Canvas::paint(Rgb c) const {
  Paint p;
  if (!yuv_) {
    p.bytes[offsets_[0]] = c.r;
    p.bytes[offsets_[1]] = c.g;
    p.bytes[offsets_[2]] = c.b;
    if (offsets_[3] >= 0)
      p.bytes[offsets_[3]] = 255;
    return p;
  }
  double r = c.r / 255.0, g = c.g / 255.0, b = c.b / 255.0;
  double y = kr_ * r + (1 - kr_ - kb_) * g + kb_ * b;
  double pb = (b - y) / (2 * (1 - kb_)), pr = (r - y) / (2 * (1 - kr_));
  if (full_range_) {
    p.y = to_byte(255 * y);
    p.u = to_byte(128 + 255 * pb);
    p.v = to_byte(128 + 255 * pr);
  } else {
    p.y = to_byte(16 + 219 * y);
    p.u = to_byte(128 + 224 * pb);
    p.v = to_byte(128 + 224 * pr);
  }
  return p;
}

void Canvas::fill_rect(int x0, int y0, int x1, int y1, const Paint &paint) {
  x0 = std::max(x0, 0);
  y0 = std::max(y0, 0);
  x1 = std::min(x1, width_);
  y1 = std::min(y1, height_);
  if (x0 >= x1 || y0 >= y1)
    return;
  if (yuv_)
    fill_yuv(x0, y0, x1, y1, paint);
  else
    fill_packed(x0, y0, x1, y1, paint);
}

void Canvas::fill_packed(int x0, int y0, int x1, int y1, const Paint &paint) {
  uint8_t *data = (uint8_t *)GST_VIDEO_FRAME_PLANE_DATA(frame_, 0);
  const int stride = GST_VIDEO_FRAME_PLANE_STRIDE(frame_, 0);
  const int ps = pstride_;
  for (int y = y0; y < y1; y++) {
    uint8_t *p = data + (size_t)y * stride + (size_t)x0 * ps;
    if (ps == 4) {
      uint32_t pixel;
      memcpy(&pixel, paint.bytes, 4);
      for (int x = x0; x < x1; x++, p += 4)
        memcpy(p, &pixel, 4);
    } else {
      for (int x = x0; x < x1; x++, p += 3) {
        p[0] = paint.bytes[0];
        p[1] = paint.bytes[1];
        p[2] = paint.bytes[2];
      }
    }
  }
}

void Canvas::blend_span(int y, int x0, int x1, const Paint &paint, int alpha) {
  x0 = std::max(x0, 0);
  x1 = std::min(x1, width_);
  if (x0 >= x1 || y < 0 || y >= height_)
    return;
  const int a = alpha, b = 255 - alpha;
  auto mix = [a, b](uint8_t dst, uint8_t src) { return (uint8_t)((dst * b + src * a + 127) / 255); };
  if (!yuv_) {
    uint8_t *p = (uint8_t *)GST_VIDEO_FRAME_PLANE_DATA(frame_, 0) + (size_t)y * GST_VIDEO_FRAME_PLANE_STRIDE(frame_, 0) +
                 (size_t)x0 * pstride_;
    if (pstride_ == 4) { /* the common case as one loop over bytes (vectorised): masks blend whole objects */
      uint32_t add[4];
      for (int c = 0; c < 4; c++)
        add[c] = (uint32_t)paint.bytes[c] * a + 127;
      const size_t n = (size_t)(x1 - x0) * 4;
      for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(((uint32_t)p[i] * b + add[i & 3]) / 255);
      return;
    }
    for (int x = x0; x < x1; x++, p += pstride_)
      for (int c = 0; c < pstride_; c++)
        p[c] = mix(p[c], paint.bytes[c]);
    return;
  }
  uint8_t *yrow = (uint8_t *)GST_VIDEO_FRAME_COMP_DATA(frame_, 0) + (size_t)y * GST_VIDEO_FRAME_COMP_STRIDE(frame_, 0);
  for (int x = x0; x < x1; x++)
    yrow[x] = mix(yrow[x], paint.y);
  if (y & ((1 << hsub_) - 1))
    return; /* each chroma row once: from its samples' top row */
  const int cy = y >> hsub_;
  const int cx0 = (x0 + (1 << wsub_) - 1) >> wsub_, cx1 = std::min((x1 + (1 << wsub_) - 1) >> wsub_, GST_VIDEO_FRAME_COMP_WIDTH(frame_, 1));
  uint8_t *u = (uint8_t *)GST_VIDEO_FRAME_COMP_DATA(frame_, 1) + (size_t)cy * GST_VIDEO_FRAME_COMP_STRIDE(frame_, 1);
  uint8_t *v = (uint8_t *)GST_VIDEO_FRAME_COMP_DATA(frame_, 2) + (size_t)cy * GST_VIDEO_FRAME_COMP_STRIDE(frame_, 2);
  const int up = GST_VIDEO_FRAME_COMP_PSTRIDE(frame_, 1), vp = GST_VIDEO_FRAME_COMP_PSTRIDE(frame_, 2);
  for (int cx = cx0; cx < cx1; cx++) {
    u[cx * up] = mix(u[cx * up], paint.u);
    v[cx * vp] = mix(v[cx * vp], paint.v);
  }
}

void Canvas::blend_class_row(int y, const uint8_t *classes, const Paint *palette, int alpha) {
  if (alpha <= 0 || y < 0 || y >= height_)
    return;
  for (int x = 0; x < width_;) {
    const uint8_t id = classes[x];
    int end = x + 1;
    while (end < width_ && classes[end] == id)
      end++;
    if (id != 0)
      blend_span(y, x, end, palette[id], alpha);
    x = end;
  }
}

void Canvas::fill_polygon(const std::vector<double> &xy, const Paint &paint, int alpha) {
  const size_t n = xy.size() / 2;
  if (n < 3 || alpha <= 0)
    return;
  double top = xy[1], bottom = xy[1];
  for (size_t i = 1; i < n; i++) {
    top = std::min(top, xy[2 * i + 1]);
    bottom = std::max(bottom, xy[2 * i + 1]);
  }
  const int y0 = std::max(0, (int)std::floor(top)), y1 = std::min(height_, (int)std::ceil(bottom) + 1);
  for (int y = y0; y < y1; y++) {
    const double cy = y + 0.5;
    crossings_.clear();
    for (size_t i = 0, j = n - 1; i < n; j = i++) {
      const double ax = xy[2 * j], ay = xy[2 * j + 1], bx = xy[2 * i], by = xy[2 * i + 1];
      if ((ay > cy) != (by > cy))
        crossings_.push_back(ax + (cy - ay) * (bx - ax) / (by - ay));
    }
    std::sort(crossings_.begin(), crossings_.end());
    for (size_t k = 0; k + 1 < crossings_.size(); k += 2) {
      /* Pixels whose centre x + 0.5 lies in [left, right). */
      const int xa = (int)std::ceil(crossings_[k] - 0.5), xb = (int)std::ceil(crossings_[k + 1] - 0.5);
      if (alpha >= 255)
        fill_rect(xa, y, xb, y + 1, paint);
      else
        blend_span(y, xa, xb, paint, alpha);
    }
  }
}

void Canvas::blend_bitmap(int x, int y, int width, int height, const uint8_t *bits, const Paint &paint, int alpha,
                          int outline) {
  if (width <= 0 || height <= 0 || (alpha <= 0 && outline <= 0))
    return;
  /* The outline: inside pixels whose (2 outline + 1)^2 neighbourhood is not all inside (beyond the bitmap counts as
   * outside): an erosion, separable, as ANDs of shifted rows (byte loops the compiler vectorises). */
  std::vector<uint8_t> edge;
  if (outline > 0) {
    const int r = outline;
    const size_t n = (size_t)width * height;
    std::vector<uint8_t> in(n), across(n, 0);
    for (size_t i = 0; i < n; i++)
      in[i] = bits[i] != 0;
    for (int j = 0; j < height; j++) {
      const uint8_t *b = in.data() + (size_t)j * width;
      uint8_t *h = across.data() + (size_t)j * width;
      for (int i = r; i < width - r; i++)
        h[i] = b[i];
      for (int d = 1; d <= r; d++)
        for (int i = r; i < width - r; i++)
          h[i] &= b[i - d] & b[i + d];
    }
    edge.assign(n, 0);
    for (int j = 0; j < height; j++) {
      uint8_t *e = edge.data() + (size_t)j * width;
      const uint8_t *b = in.data() + (size_t)j * width;
      if (j < r || j >= height - r) {
        memcpy(e, b, width); /* every inside pixel this close to the top or bottom */
        continue;
      }
      std::vector<uint8_t> &acc = kept_;
      acc.assign(across.begin() + (size_t)j * width, across.begin() + (size_t)(j + 1) * width);
      for (int d = 1; d <= r; d++) {
        const uint8_t *up = across.data() + (size_t)(j - d) * width, *down = across.data() + (size_t)(j + d) * width;
        for (int i = 0; i < width; i++)
          acc[i] &= up[i] & down[i];
      }
      for (int i = 0; i < width; i++)
        e[i] = b[i] & (uint8_t)!acc[i];
    }
  }
  std::vector<uint8_t> kinds(width);
  for (int j = 0; j < height; j++) {
    const int fy = y + j;
    if (fy < 0 || fy >= height_)
      continue;
    /* Per pixel 0 outside, 1 inside, 2 outline; then one span of equal kinds at a time. */
    const uint8_t *b = bits + (size_t)j * width;
    const uint8_t *e = edge.empty() ? nullptr : edge.data() + (size_t)j * width;
    for (int i = 0; i < width; i++)
      kinds[i] = (uint8_t)((b[i] != 0) + (e ? e[i] : 0));
    for (int i = 0; i < width;) {
      const int kind = kinds[i];
      int k = i + 1;
      while (k < width && kinds[k] == kind)
        k++;
      if (kind == 1 && alpha > 0)
        blend_span(fy, x + i, x + k, paint, alpha);
      else if (kind == 2)
        blend_span(fy, x + i, x + k, paint, 255);
      i = k;
    }
  }
}

void Canvas::line(double x0, double y0, double x1, double y1, double thickness, const Paint &paint) {
  const double dx = x1 - x0, dy = y1 - y0, len = std::hypot(dx, dy);
  if (len == 0)
    return;
  const double h = std::max(thickness, 1.0) / 2, nx = -dy / len * h, ny = dx / len * h;
  fill_polygon({x0 + nx, y0 + ny, x1 + nx, y1 + ny, x1 - nx, y1 - ny, x0 - nx, y0 - ny}, paint, 255);
}

void Canvas::fill_yuv(int x0, int y0, int x1, int y1, const Paint &paint) {
  uint8_t *ydata = (uint8_t *)GST_VIDEO_FRAME_COMP_DATA(frame_, 0);
  const int ystride = GST_VIDEO_FRAME_COMP_STRIDE(frame_, 0);
  for (int y = y0; y < y1; y++)
    memset(ydata + (size_t)y * ystride + x0, paint.y, (size_t)(x1 - x0));

  const int sw = 1 << wsub_, sh = 1 << hsub_;
  const int cx0 = x0 >> wsub_, cy0 = y0 >> hsub_;
  const int cx1 = std::min((x1 + sw - 1) >> wsub_, GST_VIDEO_FRAME_COMP_WIDTH(frame_, 1));
  const int cy1 = std::min((y1 + sh - 1) >> hsub_, GST_VIDEO_FRAME_COMP_HEIGHT(frame_, 1));
  if (cx0 >= cx1 || cy0 >= cy1)
    return;
  uint8_t *udata = (uint8_t *)GST_VIDEO_FRAME_COMP_DATA(frame_, 1);
  uint8_t *vdata = (uint8_t *)GST_VIDEO_FRAME_COMP_DATA(frame_, 2);
  const int ustride = GST_VIDEO_FRAME_COMP_STRIDE(frame_, 1), vstride = GST_VIDEO_FRAME_COMP_STRIDE(frame_, 2);
  const int upstride = GST_VIDEO_FRAME_COMP_PSTRIDE(frame_, 1), vpstride = GST_VIDEO_FRAME_COMP_PSTRIDE(frame_, 2);
  for (int cy = cy0; cy < cy1; cy++) {
    uint8_t *u = udata + (size_t)cy * ustride + (size_t)cx0 * upstride;
    uint8_t *v = vdata + (size_t)cy * vstride + (size_t)cx0 * vpstride;
    if (upstride == 1 && vpstride == 1) {
      memset(u, paint.u, (size_t)(cx1 - cx0));
      memset(v, paint.v, (size_t)(cx1 - cx0));
    } else {
      for (int cx = cx0; cx < cx1; cx++, u += upstride, v += vpstride) {
        *u = paint.u;
        *v = paint.v;
      }
    }
  }
}

void Canvas::outline(int x0, int y0, int x1, int y1, int t, const Paint &paint, bool dashed) {
  if (x1 <= x0 || y1 <= y0 || t <= 0)
    return;
  if (!dashed) {
    fill_rect(x0, y0, x1, std::min(y0 + t, y1), paint);      /* top */
    fill_rect(x0, std::max(y1 - t, y0), x1, y1, paint);      /* bottom */
    fill_rect(x0, y0 + t, std::min(x0 + t, x1), y1 - t, paint); /* left */
    fill_rect(std::max(x1 - t, x0), y0 + t, x1, y1 - t, paint); /* right */
    return;
  }
  const int on = std::max(3, 3 * t), period = on + std::max(2, 2 * t);
  for (int x = x0; x < x1; x += period) {
    int e = std::min(x + on, x1);
    fill_rect(x, y0, e, std::min(y0 + t, y1), paint);
    fill_rect(x, std::max(y1 - t, y0), e, y1, paint);
  }
  for (int y = y0; y < y1; y += period) {
    int e = std::min(y + on, y1);
    fill_rect(x0, y, std::min(x0 + t, x1), e, paint);
    fill_rect(std::max(x1 - t, x0), y, x1, e, paint);
  }
}

/* Rounded (bg x (255 - a) + ink x a) / 255 for a = 0..255, in a loop the compiler vectorises. */
static void mix_table(uint8_t bg, uint8_t ink, uint8_t *out, size_t step) {
  for (int a = 0; a < 256; a++)
    out[(size_t)a * step] = (uint8_t)((bg * (255 - a) + ink * a + 127) / 255);
}

const Canvas::Ink &Canvas::ink(const Paint &bg, const Paint &fg) {
  auto key_of = [this](const Paint &p) -> uint64_t {
    uint32_t k;
    if (yuv_)
      k = (uint32_t)p.y << 16 | (uint32_t)p.u << 8 | p.v;
    else
      memcpy(&k, p.bytes, 4);
    return k;
  };
  const uint64_t key = key_of(bg) << 32 | key_of(fg);
  for (const auto &[k, table] : inks_)
    if (k == key)
      return *table;
  auto table = std::make_unique<Ink>();
  if (yuv_) {
    mix_table(bg.y, fg.y, table->y, 1);
    mix_table(bg.u, fg.u, table->u, 1);
    mix_table(bg.v, fg.v, table->v, 1);
  } else {
    for (int c = 0; c < 4; c++)
      mix_table(bg.bytes[c], fg.bytes[c], (uint8_t *)table->packed + c, 4);
  }
  inks_.emplace_back(key, std::move(table));
  return *inks_.back().second;
}

/* Calls write(i, coverage) for each i in [0, n) but those in runs of 8 uncovered pixels, which are
 * skipped with one load: text is mostly background, already drawn with the label (so writing an
 * uncovered pixel, coverage 0, writes the background again; cheaper than a branch per pixel). */
template <typename Write> static inline void each_covered(const uint8_t *mask, int n, Write write) {
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t word;
    memcpy(&word, mask + i, 8);
    if (!word)
      continue;
    for (int j = i; j < i + 8; j++)
      write(j, mask[j]);
  }
  for (; i < n; i++)
    write(i, mask[i]);
}

void Canvas::text(int x, int y, const Mask &mask, int cx0, int cy0, int cx1, int cy1, const Ink &ink) {
  /* The part of the mask inside the clip and the frame, in frame coordinates. */
  const int x0 = std::max({x, cx0, 0}), y0 = std::max({y, cy0, 0});
  const int x1 = std::min({x + mask.width, cx1, width_}), y1 = std::min({y + mask.height, cy1, height_});
  if (x0 >= x1 || y0 >= y1)
    return;
  const uint8_t *alpha = mask.alpha.data();
  const int ms = mask.stride, n = x1 - x0;
  if (!yuv_) {
    uint8_t *data = (uint8_t *)GST_VIDEO_FRAME_PLANE_DATA(frame_, 0);
    const int stride = GST_VIDEO_FRAME_PLANE_STRIDE(frame_, 0);
    for (int py = y0; py < y1; py++) {
      const uint8_t *a = alpha + (size_t)(py - y) * ms + (x0 - x);
      uint8_t *p = data + (size_t)py * stride + (size_t)x0 * pstride_;
      if (pstride_ == 4)
        each_covered(a, n, [&](int i, uint8_t c) { memcpy(p + 4 * i, &ink.packed[c], 4); });
      else
        each_covered(a, n, [&](int i, uint8_t c) { memcpy(p + 3 * i, &ink.packed[c], 3); });
    }
    return;
  }
  uint8_t *ydata = (uint8_t *)GST_VIDEO_FRAME_COMP_DATA(frame_, 0);
  const int ystride = GST_VIDEO_FRAME_COMP_STRIDE(frame_, 0);
  for (int py = y0; py < y1; py++) {
    uint8_t *p = ydata + (size_t)py * ystride + x0;
    each_covered(alpha + (size_t)(py - y) * ms + (x0 - x), n, [&](int i, uint8_t c) { p[i] = ink.y[c]; });
  }
  /* Chroma samples whose pixels all lie in [x0, x1) x [y0, y1): the mean coverage of those pixels
   * (uncovered ones keep the label's chroma). */
  const int sw = 1 << wsub_, sh = 1 << hsub_;
  const int sx0 = (x0 + sw - 1) >> wsub_, sy0 = (y0 + sh - 1) >> hsub_;
  const int sx1 = std::min(x1 >> wsub_, GST_VIDEO_FRAME_COMP_WIDTH(frame_, 1));
  const int sy1 = std::min(y1 >> hsub_, GST_VIDEO_FRAME_COMP_HEIGHT(frame_, 1));
  if (sx0 >= sx1 || sy0 >= sy1)
    return;
  uint8_t *udata = (uint8_t *)GST_VIDEO_FRAME_COMP_DATA(frame_, 1);
  uint8_t *vdata = (uint8_t *)GST_VIDEO_FRAME_COMP_DATA(frame_, 2);
  const int ustride = GST_VIDEO_FRAME_COMP_STRIDE(frame_, 1), vstride = GST_VIDEO_FRAME_COMP_STRIDE(frame_, 2);
  const int upstride = GST_VIDEO_FRAME_COMP_PSTRIDE(frame_, 1), vpstride = GST_VIDEO_FRAME_COMP_PSTRIDE(frame_, 2);
  const int samples = sh * sw, shift = wsub_ + hsub_;
  const int m = (sx1 - sx0) << wsub_; /* pixel columns */
  std::vector<uint16_t> &acc = chroma_acc_;
  std::vector<uint8_t> &mean = chroma_mean_;
  acc.resize((size_t)m);
  mean.resize((size_t)(sx1 - sx0));
  for (int sy = sy0; sy < sy1; sy++) {
    /* The coverage summed over the sample row's `sh` pixel rows, then over each sample's `sw` columns. */
    const uint8_t *rows = alpha + (size_t)((sy << hsub_) - y) * ms + ((sx0 << wsub_) - x);
    if (sh == 2) {
      for (int i = 0; i < m; i++)
        acc[i] = (uint16_t)(rows[i] + rows[ms + i]);
    } else {
      for (int i = 0; i < m; i++)
        acc[i] = rows[i];
      for (int j = 1; j < sh; j++)
        for (int i = 0; i < m; i++)
          acc[i] += rows[(size_t)j * ms + i];
    }
    bool any = false;
    if (sw == 2) { /* I420, NV12 */
      for (int s = 0; s < sx1 - sx0; s++) {
        const int sum = acc[2 * s] + acc[2 * s + 1];
        mean[s] = (uint8_t)((sum + samples / 2) >> shift);
        any |= sum != 0;
      }
    } else {
      for (int s = 0; s < sx1 - sx0; s++) {
        int sum = 0;
        for (int k = 0; k < sw; k++)
          sum += acc[(s << wsub_) + k];
        mean[s] = (uint8_t)((sum + samples / 2) >> shift);
        any |= sum != 0;
      }
    }
    if (!any)
      continue;
    uint8_t *u = udata + (size_t)sy * ustride + (size_t)sx0 * upstride;
    uint8_t *v = vdata + (size_t)sy * vstride + (size_t)sx0 * vpstride;
    each_covered(mean.data(), sx1 - sx0, [&](int i, uint8_t c) {
      u[(size_t)i * upstride] = ink.u[c];
      v[(size_t)i * vpstride] = ink.v[c];
    });
  }
}

/* ---------------------------------------------------------------------------------------------- */
/* Text */

/* Glyph cache bounds: far above the distinct words of any real scene (labels, numbers' characters),
 * small next to a frame. */
static constexpr size_t CACHE_ENTRIES = 2048;
static constexpr size_t CACHE_BYTES = 8u << 20;
/* The font's em size per pixel of line height: DejaVu Sans' ascent + descent is 1.16 em, so a line
 * keeps about a tenth of its height as leading. */
static constexpr double EM_PER_LINE = 0.78;

TextRenderer::TextRenderer() {
  /* A font map of our own: Pango's default one is per thread, and this renderer may move between
   * streaming threads (one at a time). */
  font_map_ = pango_cairo_font_map_new();
  context_ = pango_font_map_create_context(font_map_);
  cairo_font_options_t *options = cairo_font_options_create();
  cairo_font_options_set_antialias(options, CAIRO_ANTIALIAS_GRAY);
  cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_SLIGHT);
  cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_ON); /* whole-pixel advances */
  pango_cairo_context_set_font_options(context_, options);
  cairo_font_options_destroy(options);
  layout_ = pango_layout_new(context_);
}

TextRenderer::~TextRenderer() {
  g_object_unref(layout_);
  g_object_unref(context_);
  g_object_unref(font_map_);
}

void TextRenderer::configure(const std::string &font, int line_height) {
  line_height = std::max(1, line_height);
  if (font == font_ && line_height == line_height_)
    return;
  font_ = font;
  line_height_ = line_height;
  padding_ = std::max(1, (line_height + 5) / 10);
  lru_.clear();
  index_.clear();
  bytes_ = 0;

  PangoFontDescription *desc = pango_font_description_from_string(font.c_str());
  pango_font_description_set_absolute_size(desc, EM_PER_LINE * line_height * PANGO_SCALE);
  pango_layout_set_font_description(layout_, desc);
  /* The line's baseline: the primary font's ascent + descent centred in the line. */
  PangoFontMetrics *metrics = pango_context_get_metrics(context_, desc, nullptr);
  const double ascent = (double)pango_font_metrics_get_ascent(metrics) / PANGO_SCALE;
  const double descent = (double)pango_font_metrics_get_descent(metrics) / PANGO_SCALE;
  pango_font_metrics_unref(metrics);
  pango_font_description_free(desc);
  baseline_ = (int)std::lround((line_height - ascent - descent) / 2 + ascent);
  pango_layout_set_text(layout_, " ", 1);
  PangoRectangle logical;
  pango_layout_get_pixel_extents(layout_, nullptr, &logical);
  space_ = logical.width;
}

std::shared_ptr<const TextRenderer::Image> TextRenderer::render(const std::string &text) {
  auto img = std::make_shared<Image>();
  pango_layout_set_text(layout_, text.data(), (int)text.size());
  PangoRectangle ink, logical;
  pango_layout_get_pixel_extents(layout_, &ink, &logical);
  if (pango_layout_get_unknown_glyphs_count(layout_) > 0 && missing_.empty())
    missing_ = text;
  /* The layout's top in line coordinates: its baseline on the line's. */
  const int top = baseline_ - PANGO_PIXELS(pango_layout_get_baseline(layout_));
  img->advance = logical.width;
  /* The ink, cut to what can be drawn: not beyond the frame's width, nor piled far above or below the
   * line (stacked combining marks); this also bounds the image (and cairo's surface). */
  const int x0 = std::max(ink.x, -line_height_), x1 = std::min(ink.x + ink.width, max_width_);
  const int y0 = std::max(top + ink.y, -line_height_), y1 = std::min(top + ink.y + ink.height, 2 * line_height_);
  img->x = x0;
  img->y = y0;
  Mask &m = img->mask;
  if (x1 > x0 && y1 > y0) {
    m.width = x1 - x0;
    m.height = y1 - y0;
    m.stride = cairo_format_stride_for_width(CAIRO_FORMAT_A8, m.width);
    m.alpha.assign((size_t)m.stride * m.height, 0);
    cairo_surface_t *surface =
        cairo_image_surface_create_for_data(m.alpha.data(), CAIRO_FORMAT_A8, m.width, m.height, m.stride);
    cairo_t *cr = cairo_create(surface);
    cairo_move_to(cr, -x0, top - y0); /* the layout's top-left corner */
    pango_cairo_show_layout(cr, layout_);
    cairo_destroy(cr);
    cairo_surface_finish(surface);
    cairo_surface_destroy(surface);
  }
  return img;
}

std::shared_ptr<const TextRenderer::Image> TextRenderer::image(const std::string &text) {
  auto found = index_.find(text);
  if (found != index_.end()) {
    lru_.splice(lru_.begin(), lru_, found->second);
    return found->second->second;
  }
  std::shared_ptr<const Image> img = render(text);
  lru_.emplace_front(text, img);
  index_.emplace(text, lru_.begin());
  bytes_ += text.size() + img->mask.alpha.size();
  while (lru_.size() > 1 && (lru_.size() > CACHE_ENTRIES || bytes_ > CACHE_BYTES)) {
    const Entry &last = lru_.back();
    bytes_ -= last.first.size() + last.second->mask.alpha.size();
    index_.erase(last.first);
    lru_.pop_back();
  }
  return img;
}

/* Characters of numbers as tsoverlay writes them (track ids, confidences): they do not shape or
 * kern, so a number is drawn from images of its characters. */
static bool is_number(const std::string &word) {
  for (char c : word)
    if (!g_ascii_isdigit(c) && c != '.' && c != '#' && c != '%' && c != '-' && c != '+')
      return false;
  return !word.empty();
}

/* Whether `text` has characters of right-to-left scripts (Hebrew, Arabic, Syriac, Thaana, NKo, …). */
static bool has_rtl(const std::string &text) {
  for (const char *p = text.c_str(); *p; p = g_utf8_next_char(p)) {
    if ((unsigned char)*p < 0x80)
      continue;
    gunichar c = g_utf8_get_char(p);
    if ((c >= 0x0590 && c < 0x0900) || (c >= 0xFB1D && c < 0xFE00) || (c >= 0xFE70 && c < 0xFF00) ||
        (c >= 0x10800 && c < 0x11000) || (c >= 0x1E800 && c < 0x1F000))
      return true;
  }
  return false;
}

TextRenderer::Line TextRenderer::layout(const std::string &utf8) {
  std::string text;
  if (g_utf8_validate(utf8.data(), (gssize)utf8.size(), nullptr)) {
    text = utf8;
  } else {
    gchar *valid = g_utf8_make_valid(utf8.data(), (gssize)utf8.size());
    text = valid;
    g_free(valid);
  }
  for (char &c : text)
    if ((unsigned char)c < 0x20 || c == 0x7f)
      c = ' ';

  Line line;
  int pen = 0;
  auto place = [&](const std::string &s) {
    if (pen >= max_width_)
      return; /* past the frame's edge */
    std::shared_ptr<const Image> img = image(s);
    line.pieces.emplace_back(pen, img);
    pen += img->advance;
  };
  if (has_rtl(text)) {
    place(text);
  } else {
    size_t start = 0;
    while (start <= text.size()) {
      size_t end = text.find(' ', start);
      if (end == std::string::npos)
        end = text.size();
      if (start > 0)
        pen += space_;
      const std::string word = text.substr(start, end - start);
      if (is_number(word)) {
        for (char c : word)
          place(std::string(1, c));
      } else if (!word.empty()) {
        place(word);
      }
      start = end + 1;
    }
  }
  line.width = std::min(pen, max_width_);
  return line;
}

const Mask &TextRenderer::compose(const std::vector<Line> &lines) {
  Mask &m = scratch_;
  int width = 0;
  for (const Line &line : lines)
    width = std::max(width, line.width);
  m.width = width + 2 * padding_;
  m.height = padding_ + (int)lines.size() * line_height_;
  m.stride = m.width;
  m.alpha.assign((size_t)m.stride * m.height, 0);
  for (size_t i = 0; i < lines.size(); i++) {
    const int top = padding_ / 2 + (int)i * line_height_;
    for (const auto &[pen, img] : lines[i].pieces) {
      const Mask &src = img->mask;
      /* Where the image lands, clipped to the mask; overlaps (overhanging ink) keep the larger coverage. */
      const int dx = padding_ + pen + img->x, dy = top + img->y;
      const int x0 = std::max(0, dx), x1 = std::min(m.width, dx + src.width);
      const int y0 = std::max(0, dy), y1 = std::min(m.height, dy + src.height);
      for (int y = y0; y < y1; y++) {
        const uint8_t *s = src.alpha.data() + (size_t)(y - dy) * src.stride + (x0 - dx);
        uint8_t *d = m.alpha.data() + (size_t)y * m.stride + x0;
        for (int x = x0; x < x1; x++, s++, d++)
          *d = std::max(*d, *s);
      }
    }
  }
  return m;
}

std::string TextRenderer::take_missing() {
  std::string missing;
  std::swap(missing, missing_);
  return missing;
}

} // namespace overlay
} // namespace tsv
