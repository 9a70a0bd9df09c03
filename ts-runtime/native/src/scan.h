// Best class per candidate of a detector's score tensor: the hot loop of output decoding (YOLOX's 3549 x 85,
// YOLOv8's transposed 84 x 8400, GFL's levels), where JavaScript manages ~1.3 ns per score and a vectorised
// max ~0.1 ns.
#pragma once

#include <cstdint>
#include <vector>

namespace tsv {

struct ScanLayout {
  int64_t rows = 0;      // candidates
  int64_t classes = 0;   // scores per candidate
  int64_t start = 0;     // offset of candidate 0's first score
  int64_t rowStride = 0; // row-major: distance between candidates; transposed: 0 (scores of class c at start + c * rows)
};

// Candidates whose best score is >= threshold, in order: their index, best class (the first of equal maxima)
// and score. NaN scores never win. The threshold is compared in double precision, as JavaScript does.
void bestClassPerRow(const float* data, const ScanLayout& layout, double threshold, std::vector<int32_t>& index,
                     std::vector<int32_t>& classId, std::vector<float>& score);

}  // namespace tsv
