// Instance masks of a prototype-mask head (YOLOv8/YOLO11-seg): each kept detection's mask coefficients times the
// prototype maps, upsampled bilinearly (as PyTorch's interpolate with align_corners=False) from the prototype grid
// to the frame through the input's letterbox, cropped to the box and thresholded. The logits are compared
// with logit(threshold), so no sigmoid runs per pixel: sigmoid(v) > t exactly when v > ln(t / (1 - t)).
#pragma once

#include <cstdint>
#include <vector>

namespace tsv {

struct MaskProtos {
  const float* data = nullptr;  // [count, height, width], channels first
  int count = 0;                // M: coefficients per detection
  int height = 0;
  int width = 0;
};

// How the frame was fitted into the model input: inputX = frameX * scaleX + padX (same for y).
struct MaskTransform {
  double scaleX = 1, scaleY = 1, padX = 0, padY = 0;
  int inputWidth = 0, inputHeight = 0;
};

// A mask's placement in frame pixels: the pixels whose centre lies in the box (x1 <= px + 0.5 < x2, same for y),
// clipped to the frame. Empty (0 x 0) for a box with no such pixel.
struct MaskRect {
  int x = 0, y = 0, width = 0, height = 0;
};

MaskRect maskRect(double x1, double y1, double x2, double y2, int frameWidth, int frameHeight);

// Masks of `n` detections: coefficients n x M, boxes n x 4 (x1, y1, x2, y2 in frame pixels). Writes each mask's
// placement to rects[i] and its pixels (row-major, 1 inside, 0 outside) to `out`, one after the other.
void decodeMasks(const MaskProtos& protos, const float* coefficients, const double* boxes, int n, const MaskTransform& t,
                 int frameWidth, int frameHeight, double threshold, std::vector<MaskRect>& rects, std::vector<uint8_t>& out);

}  // namespace tsv
