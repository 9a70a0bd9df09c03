#include "coco-rle.h"

#include <algorithm>

namespace tsv {

std::vector<uint32_t> coco_rle_counts(const Mask &m, int frame_width, int frame_height) {
  std::vector<uint32_t> counts;
  uint8_t value = 0;
  uint32_t run = 0;
  auto add = [&](uint8_t v, uint32_t n) {
    if (n == 0)
      return;
    if (v != value) {
      counts.push_back(run);
      value = v;
      run = 0;
    }
    run += n;
  };
  const int w = std::max(0, frame_width), h = std::max(0, frame_height);
  /* The rows and columns of the frame the mask covers. */
  const int c0 = std::clamp(m.x, 0, w), c1 = m.empty() ? c0 : std::clamp(m.x + m.width, c0, w);
  const int r0 = std::clamp(m.y, 0, h), r1 = m.empty() ? r0 : std::clamp(m.y + m.height, r0, h);
  add(0, (uint32_t)c0 * h);
  for (int c = c0; c < c1; c++) {
    add(0, (uint32_t)r0);
    const uint8_t *col = m.data.data() + (c - m.x) + (size_t)(r0 - m.y) * m.width;
    for (int r = r0; r < r1; r++, col += m.width)
      add(*col ? 1 : 0, 1);
    add(0, (uint32_t)(h - r1));
  }
  add(0, (uint32_t)(w - c1) * h);
  counts.push_back(run);
  return counts;
}

std::string coco_rle_string(const std::vector<uint32_t> &counts) {
  std::string s;
  s.reserve(counts.size() * 2);
  for (size_t i = 0; i < counts.size(); i++) {
    long long x = counts[i];
    if (i > 2)
      x -= counts[i - 2];
    bool more = true;
    while (more) {
      char c = (char)(x & 0x1f);
      x >>= 5; /* arithmetic: a negative delta ends in 0x10 with x == -1 */
      more = (c & 0x10) ? x != -1 : x != 0;
      if (more)
        c |= 0x20;
      s.push_back((char)(c + 48));
    }
  }
  return s;
}

} // namespace tsv
