#include "scan.h"

#include <cmath>

namespace tsv {

namespace {

// Row-major: the max of a candidate's contiguous scores first (a reduction the compiler vectorises), and only
// for the few candidates at or above the threshold the class that has it.
void rowMajor(const float* data, const ScanLayout& l, double threshold, std::vector<int32_t>& index,
              std::vector<int32_t>& classId, std::vector<float>& score) {
  for (int64_t r = 0; r < l.rows; r++) {
    const float* s = data + l.start + r * l.rowStride;
    float m = -INFINITY;
    for (int64_t c = 0; c < l.classes; c++) m = s[c] > m ? s[c] : m;
    if (!(static_cast<double>(m) >= threshold)) continue;
    int64_t best = 0;
    while (!(s[best] == m)) best++;
    index.push_back(static_cast<int32_t>(r));
    classId.push_back(static_cast<int32_t>(best));
    score.push_back(m);
  }
}

// Transposed (class planes of `rows` scores): running maxima over the planes in memory order.
void transposed(const float* data, const ScanLayout& l, double threshold, std::vector<int32_t>& index,
                std::vector<int32_t>& classId, std::vector<float>& score) {
  std::vector<float> best(static_cast<size_t>(l.rows), -INFINITY);
  std::vector<int32_t> which(static_cast<size_t>(l.rows), -1);
  float* __restrict b = best.data();
  int32_t* __restrict w = which.data();
  for (int64_t c = 0; c < l.classes; c++) {
    const float* __restrict plane = data + l.start + c * l.rows;
    const int32_t cc = static_cast<int32_t>(c);
    for (int64_t r = 0; r < l.rows; r++) {
      // branch-free (a mask), so that the loop vectorises
      const float p = plane[r], old = b[r];
      const int32_t better = -static_cast<int32_t>(p > old);
      b[r] = p > old ? p : old;
      w[r] = (cc & better) | (w[r] & ~better);
    }
  }
  for (int64_t r = 0; r < l.rows; r++) {
    if (!(static_cast<double>(b[r]) >= threshold)) continue;
    index.push_back(static_cast<int32_t>(r));
    classId.push_back(w[r]);
    score.push_back(b[r]);
  }
}

}  // namespace

void bestClassPerRow(const float* data, const ScanLayout& layout, double threshold, std::vector<int32_t>& index,
                     std::vector<int32_t>& classId, std::vector<float>& score) {
  if (layout.rowStride > 0)
    rowMajor(data, layout, threshold, index, classId, score);
  else
    transposed(data, layout, threshold, index, classId, score);
}

}  // namespace tsv
