#include "overlay-draw.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "overlay-font.h"

namespace tsv {

namespace font {

const Glyph &glyph(char c) {
  static const struct Table {
    Glyph glyphs[LAST - FIRST + 1];
    Table() {
      for (int i = 0; i <= LAST - FIRST; i++) {
        for (int row = 0; row < GLYPH_HEIGHT; row++) {
          uint8_t mask = 0;
          const char *art = GLYPHS[i][row];
          for (int col = 0; art && col < GLYPH_WIDTH && art[col]; col++)
            if (art[col] == '#')
              mask |= (uint8_t)(1u << (GLYPH_WIDTH - 1 - col));
          glyphs[i].rows[row] = mask;
        }
      }
    }
  } table;
  if (c < FIRST || c > LAST)
    c = FALLBACK;
  return table.glyphs[c - FIRST];
}

} // namespace font

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

std::string printable(const std::string &utf8) {
  std::string out;
  out.reserve(utf8.size());
  for (size_t i = 0; i < utf8.size(); i++) {
    unsigned char c = utf8[i];
    if (c >= (unsigned char)font::FIRST && c <= (unsigned char)font::LAST) {
      out += (char)c;
      continue;
    }
    out += font::FALLBACK;
    if (c >= 0xc0) /* a UTF-8 lead byte: one '?' for the whole sequence */
      while (i + 1 < utf8.size() && ((unsigned char)utf8[i + 1] & 0xc0) == 0x80)
        i++;
  }
  return out;
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

void Canvas::fill_rect(int x0, int y0, int x1, int y1, const Paint &paint, Chroma chroma) {
  x0 = std::max(x0, 0);
  y0 = std::max(y0, 0);
  x1 = std::min(x1, width_);
  y1 = std::min(y1, height_);
  if (x0 >= x1 || y0 >= y1)
    return;
  if (yuv_)
    fill_yuv(x0, y0, x1, y1, paint, chroma);
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

void Canvas::fill_yuv(int x0, int y0, int x1, int y1, const Paint &paint, Chroma chroma) {
  uint8_t *ydata = (uint8_t *)GST_VIDEO_FRAME_COMP_DATA(frame_, 0);
  const int ystride = GST_VIDEO_FRAME_COMP_STRIDE(frame_, 0);
  for (int y = y0; y < y1; y++)
    memset(ydata + (size_t)y * ystride + x0, paint.y, (size_t)(x1 - x0));

  const int sw = 1 << wsub_, sh = 1 << hsub_;
  int cx0, cy0, cx1, cy1;
  if (chroma == Chroma::COVER) {
    cx0 = x0 >> wsub_, cy0 = y0 >> hsub_;
    cx1 = (x1 + sw - 1) >> wsub_, cy1 = (y1 + sh - 1) >> hsub_;
  } else {
    cx0 = (x0 + sw - 1) >> wsub_, cy0 = (y0 + sh - 1) >> hsub_;
    cx1 = x1 >> wsub_, cy1 = y1 >> hsub_;
  }
  cx1 = std::min(cx1, GST_VIDEO_FRAME_COMP_WIDTH(frame_, 1));
  cy1 = std::min(cy1, GST_VIDEO_FRAME_COMP_HEIGHT(frame_, 1));
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

void Canvas::text(int x, int y, const std::string &text, int scale, const Paint &paint) {
  for (size_t i = 0; i < text.size(); i++) {
    const int cx = x + (int)i * font::CELL_WIDTH * scale;
    if (cx >= width_)
      break;
    if (cx + font::GLYPH_WIDTH * scale <= 0)
      continue;
    const font::Glyph &g = font::glyph(text[i]);
    for (int row = 0; row < font::GLYPH_HEIGHT; row++) {
      const unsigned mask = g.rows[row];
      const int py = y + row * scale;
      /* One rectangle per horizontal run of ink. */
      for (int col = 0; col < font::GLYPH_WIDTH;) {
        if (!(mask & (1u << (font::GLYPH_WIDTH - 1 - col)))) {
          col++;
          continue;
        }
        int end = col;
        while (end < font::GLYPH_WIDTH && (mask & (1u << (font::GLYPH_WIDTH - 1 - end))))
          end++;
        fill_rect(cx + col * scale, py, cx + end * scale, py + scale, paint, Chroma::INSIDE);
        col = end;
      }
    }
  }
}

} // namespace overlay
} // namespace tsv
