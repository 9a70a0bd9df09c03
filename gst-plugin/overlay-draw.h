/* Drawing primitives of tsoverlay: filled rectangles, box outlines and text in the built-in bitmap
 * font (overlay-font.h), straight into a mapped video frame, in its own format:
 *   - packed 8-bit RGB with 3 or 4 bytes per pixel (RGB, BGR, RGBx, BGRx, RGBA, BGRA, ...): the
 *     colour's bytes (alpha 255, padding bytes 255);
 *   - 8-bit YUV with a one-byte-per-pixel Y plane and subsampled chroma in planes (I420) or
 *     interleaved (NV12): the colour converted with the frame's colorimetry (matrix and range),
 *     chroma written at chroma resolution.
 * Everything is clipped to the frame. */
#pragma once

#include <gst/video/video.h>

#include <cstdint>
#include <string>

namespace tsv {
namespace overlay {

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
};

/* Entry `index` of the endless, deterministic palette: hue = frac(index x golden ratio conjugate),
 * saturation 0.85, value 1 (HSV), so that neighbouring ids get clearly different colours and the
 * same id always gets the same colour, in every run and every format. */
Rgb palette_color(uint64_t index);

/* A stable palette index for a label that has no class id (FNV-1a of its bytes). */
uint64_t label_index(const std::string &label);

/* Black or white, whichever reads better on `background`. */
Rgb text_color_on(Rgb background);

/* What the font can draw: printable ASCII kept, every other byte or UTF-8 sequence becomes '?'. */
std::string printable(const std::string &utf8);

/* Size in pixels of `chars` characters of text at `scale` (cells of 6 x 10 font pixels). */
inline int text_width(size_t chars, int scale) { return (int)chars * 6 * scale; }
inline int line_height(int scale) { return 10 * scale; }

/* How chroma samples (4:2:0 formats) are painted by a fill: COVER paints every sample whose
 * footprint touches the rectangle (lines keep their colour at any position; the colour may bleed
 * one pixel outwards), INSIDE only those entirely inside it (glyphs: no bleeding into the label). */
enum class Chroma { COVER, INSIDE };

class Canvas {
public:
  /* Whether frames of `format` can be drawn on. */
  static bool supports(GstVideoFormat format);

  /* `frame` must be mapped writable and of a supported format, and outlive the canvas. */
  explicit Canvas(GstVideoFrame *frame);

  int width() const { return width_; }
  int height() const { return height_; }

  /* A colour in the frame's format. */
  struct Paint {
    uint8_t bytes[4] = {255, 255, 255, 255}; /* packed RGB: one pixel */
    uint8_t y = 0, u = 128, v = 128;          /* YUV */
  };
  Paint paint(Rgb color) const;

  /* Fills [x0, x1) x [y0, y1). */
  void fill_rect(int x0, int y0, int x1, int y1, const Paint &paint, Chroma chroma = Chroma::COVER);

  /* The outline of [x0, x1) x [y0, y1), `thickness` pixels wide, inside the rectangle; dashed:
   * dashes of 3 x thickness (at least 3 pixels) with gaps of 2 x thickness (at least 2 pixels). */
  void outline(int x0, int y0, int x1, int y1, int thickness, const Paint &paint, bool dashed);

  /* Draws `text` (printable ASCII, see printable()) with the top-left corner of its first cell at
   * (x, y); ink pixels only, the background is left alone. */
  void text(int x, int y, const std::string &text, int scale, const Paint &paint);

private:
  void fill_packed(int x0, int y0, int x1, int y1, const Paint &paint);
  void fill_yuv(int x0, int y0, int x1, int y1, const Paint &paint, Chroma chroma);

  GstVideoFrame *frame_;
  int width_, height_;
  bool yuv_;
  /* packed RGB */
  int pstride_ = 0;
  int offsets_[4] = {0, 0, 0, -1}; /* R, G, B, A (-1: no alpha) */
  /* YUV */
  int wsub_ = 0, hsub_ = 0;
  double kr_ = 0.299, kb_ = 0.114;
  bool full_range_ = false;
};

} // namespace overlay
} // namespace tsv
