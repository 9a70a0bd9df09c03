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

std::vector<std::pair<uint8_t, std::vector<uint32_t>>> coco_rle_class_counts(const SegmentationMap &map, int frame_width,
                                                                             int frame_height) {
  std::vector<std::pair<uint8_t, std::vector<uint32_t>>> out;
  if (map.empty() || frame_width <= 0 || frame_height <= 0)
    return out;
  /* A column of the frame crosses the map rows in segments of equal map row: (map row, length). */
  std::vector<std::pair<int, uint32_t>> segments;
  for (int y = 0; y < frame_height; y++) {
    const int my = map.cell_y(y);
    if (segments.empty() || segments.back().first != my)
      segments.emplace_back(my, 0);
    segments.back().second++;
  }
  /* The classes the frame shows. */
  bool present[256] = {false};
  for (int x = 0, last = -1; x < frame_width; x++) {
    const int mx = map.cell_x(x);
    if (mx == last)
      continue;
    last = mx;
    for (const auto &seg : segments)
      present[map.classes[(size_t)seg.first * map.width + mx]] = true;
  }
  struct Runs {
    uint8_t value = 0;
    uint32_t run = 0;
    std::vector<uint32_t> counts;
  };
  std::vector<Runs> runs(256);
  std::vector<int> ids;
  for (int id = 1; id < 256; id++)
    if (present[id])
      ids.push_back(id);
  for (int x = 0; x < frame_width; x++) {
    const uint8_t *col = map.classes.data() + map.cell_x(x);
    for (const auto &seg : segments) {
      const uint8_t c = col[(size_t)seg.first * map.width];
      for (int id : ids) {
        Runs &r = runs[id];
        const uint8_t v = c == id;
        if (v != r.value) {
          r.counts.push_back(r.run);
          r.value = v;
          r.run = 0;
        }
        r.run += seg.second;
      }
    }
  }
  for (int id : ids) {
    runs[id].counts.push_back(runs[id].run);
    out.emplace_back((uint8_t)id, std::move(runs[id].counts));
  }
  return out;
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
