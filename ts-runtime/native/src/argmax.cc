#include "argmax.h"

#include <cstddef>
#include <vector>

namespace tsv {

void argmaxClasses(const float* scores, int height, int width, int classes, bool channelsLast, uint8_t* out) {
  const size_t cells = (size_t)height * width;
  if (channelsLast) {
    for (size_t i = 0; i < cells; i++) {
      const float* s = scores + i * classes;
      float best = s[0];
      int c = 0;
      for (int k = 1; k < classes; k++)
        if (s[k] > best || (best != best && s[k] == s[k])) {  // NaN never wins: any number beats it
          best = s[k];
          c = k;
        }
      out[i] = (uint8_t)c;
    }
    return;
  }
  // Planes: one pass over each, the running best in a row of floats, so the compare vectorises.
  std::vector<float> best(scores, scores + cells);
  for (size_t i = 0; i < cells; i++) out[i] = 0;
  for (int k = 1; k < classes; k++) {
    const float* s = scores + (size_t)k * cells;
    float* b = best.data();
    for (size_t i = 0; i < cells; i++) {
      const bool wins = s[i] > b[i] || (b[i] != b[i] && s[i] == s[i]);
      b[i] = wins ? s[i] : b[i];
      out[i] = wins ? (uint8_t)k : out[i];
    }
  }
}

}  // namespace tsv
