// Semantic segmentation: the class of each cell of a model's class-score map (logits or probabilities, any
// monotonic activation gives the same argmax), for tsclassify output-type=segmentation. The first of equal maxima
// wins and NaN never does (a cell of NaNs only gets class 0), as elements/classify/segmentation.ts argmaxJs.
#pragma once

#include <cstdint>

namespace tsv {

// `scores` holds height x width x classes values: NHWC (channels last: the classes of a cell together) when
// `channelsLast`, else NCHW (one height x width plane per class). Writes height x width class ids (row-major) to
// `out`; classes <= 256.
void argmaxClasses(const float* scores, int height, int width, int classes, bool channelsLast, uint8_t* out);

}  // namespace tsv
