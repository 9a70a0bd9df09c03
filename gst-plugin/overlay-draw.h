/* Drawing primitives of tsoverlay: filled rectangles and polygons, lines, box outlines and text, straight into a mapped
 * video frame, in its own format:
 *   - packed 8-bit RGB with 3 or 4 bytes per pixel (RGB, BGR, RGBx, BGRx, RGBA, BGRA, ...): the
 *     colour's bytes (alpha 255, padding bytes 255);
 *   - 8-bit YUV with a one-byte-per-pixel Y plane and subsampled chroma in planes (I420) or
 *     interleaved (NV12): the colour converted with the frame's colorimetry (matrix and range),
 *     chroma written at chroma resolution.
 * Everything is clipped to the frame.
 *
 * Text: TextRenderer shapes and renders with Pango + Cairo (fonts and fallback through fontconfig)
 * into 8-bit coverage (alpha) images, once per distinct word and size, kept in a bounded LRU cache;
 * a frame only composes cached images and writes them with Canvas::text (no Pango call for words
 * seen before). */
#pragma once

#include <gst/video/video.h>

#include <algorithm>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

typedef struct _PangoFontMap PangoFontMap;
typedef struct _PangoContext PangoContext;
typedef struct _PangoLayout PangoLayout;

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

/* An 8-bit coverage image: `alpha` has `height` rows of `stride` bytes, 0 = background, 255 = ink. */
struct Mask {
  int width = 0, height = 0, stride = 0;
  std::vector<uint8_t> alpha;
};

/* Renders text lines in one font and size. Not thread-safe: one per element instance, used by its
 * streaming thread only (Pango objects must not be shared between threads that use them at once). */
class TextRenderer {
public:
  TextRenderer();
  ~TextRenderer();
  TextRenderer(const TextRenderer &) = delete;
  TextRenderer &operator=(const TextRenderer &) = delete;

  /* `font`: a Pango font description ("Sans Bold", "DejaVu Serif Italic"; a size in it is ignored);
   * `line_height`: pixels per text line, the font's size follows from it. Clears the cache when
   * either changes; cheap when neither does. */
  void configure(const std::string &font, int line_height);
  int line_height() const { return line_height_; }
  /* Text beyond this width (the frame's) is never drawn, so neither laid out nor kept. */
  void set_max_width(int width) { max_width_ = std::max(1, width); }
  /* Room to leave around text (label padding), in pixels. */
  int padding() const { return padding_; }

  /* An image of the cache, placed relative to the pen (x) and the line's top (y). */
  struct Image {
    int x = 0, y = 0; /* top-left of the ink */
    int advance = 0;  /* logical width: where the next image starts */
    Mask mask;
  };
  /* A line laid out: images (kept alive by the line, whatever the cache evicts meanwhile) at pen
   * positions, and its width in pixels. */
  struct Line {
    std::vector<std::pair<int, std::shared_ptr<const Image>>> pieces;
    int width = 0;
  };
  /* Lays out a line of UTF-8 (invalid bytes become U+FFFD, control characters spaces). Words
   * (split at spaces) are shaped whole, so every script's shaping and font fallback apply within
   * them; numbers ("#12", "0.87", which change from frame to frame) are composed of cached
   * images of their characters; a line with right-to-left text is shaped whole, so that bidi
   * reordering applies across its words. */
  Line layout(const std::string &utf8);
  /* A block of lines as one mask: `padding()` pixels around the widest line's width on the left
   * and right (ink that overhangs a line's logical extent stays), padding() / 2 above and the rest
   * of padding() below the line_height() rows of each line; valid until the next call. */
  const Mask &compose(const std::vector<Line> &lines);

  /* Text (a word) that had characters none of the installed fonts has (Pango draws them as boxes)
   * since the last call, or "". */
  std::string take_missing();

private:
  std::shared_ptr<const Image> image(const std::string &text);
  std::shared_ptr<const Image> render(const std::string &text);

  PangoFontMap *font_map_ = nullptr;
  PangoContext *context_ = nullptr;
  PangoLayout *layout_ = nullptr;
  std::string font_;
  int line_height_ = 0, padding_ = 1, baseline_ = 0, space_ = 0, max_width_ = 8192;
  std::string missing_;
  /* LRU: most recently used first; bounded in entries and bytes. */
  using Entry = std::pair<std::string, std::shared_ptr<const Image>>;
  std::list<Entry> lru_;
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
  size_t bytes_ = 0;
  Mask scratch_;
};

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

  /* Fills [x0, x1) x [y0, y1). YUV 4:2:0: every chroma sample whose footprint touches the rectangle
   * is painted (lines keep their colour at any position; the colour may bleed one pixel outwards). */
  void fill_rect(int x0, int y0, int x1, int y1, const Paint &paint);

  /* The outline of [x0, x1) x [y0, y1), `thickness` pixels wide, inside the rectangle; dashed:
   * dashes of 3 x thickness (at least 3 pixels) with gaps of 2 x thickness (at least 2 pixels). */
  void outline(int x0, int y0, int x1, int y1, int thickness, const Paint &paint, bool dashed);

  /* Fills the polygon `xy` (x0, y0, x1, y1, …; even–odd rule, pixel centres inside), blended over
   * the frame with opacity `alpha` (255: opaque). YUV 4:2:0: chroma from the rows and columns of
   * the chroma samples' top-left pixels. */
  void fill_polygon(const std::vector<double> &xy, const Paint &paint, int alpha);

  /* An object's mask: the `width` x `height` bytes `bits` (row-major, non-zero inside) placed with their top-left
   * at (x, y), blended over the frame with opacity `alpha`, and its outline — the inside pixels at most
   * `outline` pixels from an outside one or beyond the bitmap's edge — painted opaque (0: no outline). */
  void blend_bitmap(int x, int y, int width, int height, const uint8_t *bits, const Paint &paint, int alpha, int outline);

  /* Row `y` of a semantic class map at frame resolution: `classes` holds one class id per frame pixel of the row;
   * each run of one class other than 0 (the background, left as it is) is blended with palette[id] at opacity
   * `alpha` (runs, not pixels: maps upsampled from model resolution have long ones). */
  void blend_class_row(int y, const uint8_t *classes, const Paint *palette, int alpha);

  /* A straight line from (x0, y0) to (x1, y1), `thickness` pixels wide (a filled quadrilateral). */
  void line(double x0, double y0, double x1, double y1, double thickness, const Paint &paint);

  /* Text colours: `ink` over `background` at each coverage 0..255. */
  struct Ink {
    uint32_t packed[256]; /* packed RGB: the pixel's bytes */
    uint8_t y[256], u[256], v[256];
  };
  /* The table for a pair of colours, computed once per canvas (labels of a class share it); valid
   * while the canvas lives. */
  const Ink &ink(const Paint &background, const Paint &ink);

  /* Writes `mask` with its top-left corner at (x, y), clipped to [cx0, cx1) x [cy0, cy1) and the
   * frame: every pixel becomes background blended with ink by its coverage (the area must already
   * have the background colour: text goes on a filled label). YUV: chroma from the mean coverage
   * of each chroma sample's pixels, for samples entirely inside the clip. */
  void text(int x, int y, const Mask &mask, int cx0, int cy0, int cx1, int cy1, const Ink &ink);

private:
  void fill_packed(int x0, int y0, int x1, int y1, const Paint &paint);
  void fill_yuv(int x0, int y0, int x1, int y1, const Paint &paint);
  void blend_span(int y, int x0, int x1, const Paint &paint, int alpha);
  std::vector<double> crossings_; /* fill_polygon(): a row's edge crossings */
  std::vector<uint8_t> kept_;      /* blend_bitmap(): a row of the erosion */

  GstVideoFrame *frame_;
  int width_, height_;
  bool yuv_;
  /* packed RGB */
  int pstride_ = 0;
  int offsets_[4] = {0, 0, 0, -1}; /* R, G, B, A (-1: no alpha) */
  /* YUV */
  int wsub_ = 0, hsub_ = 0;
  std::vector<std::pair<uint64_t, std::unique_ptr<Ink>>> inks_;
  std::vector<uint16_t> chroma_acc_; /* text(): a row of coverage sums */
  std::vector<uint8_t> chroma_mean_;
  double kr_ = 0.299, kb_ = 0.114;
  bool full_range_ = false;
};

} // namespace overlay
} // namespace tsv
