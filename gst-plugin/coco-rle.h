/* COCO run-length encoding of an object's mask, as pycocotools (maskApi.c) writes it: the frame's pixels in
 * column-major order (down each column, columns left to right), runs alternating 0s and 1s starting with 0s, and the
 * counts compressed into the string of `{"size": [h, w], "counts": "..."}` (rleToString: from the fourth count on, each
 * minus the count two before it, in 5-bit groups, low first, 0x20 = more, plus 48). */
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "host/host-api.h"

namespace tsv {

/* The run lengths of `mask` placed in a frame_width x frame_height frame (pixels outside the frame dropped). */
std::vector<uint32_t> coco_rle_counts(const Mask &mask, int frame_width, int frame_height);

/* The run lengths of each class of a semantic class map (other than 0, the background) over a frame_width x
 * frame_height frame, each pixel taking its nearest map cell (SegmentationMap::cell_x/cell_y): (class id, runs)
 * for the classes on the frame, by id, in one pass over the frame's columns (no frame-size bitmap). */
std::vector<std::pair<uint8_t, std::vector<uint32_t>>> coco_rle_class_counts(const SegmentationMap &map, int frame_width,
                                                                             int frame_height);

/* pycocotools' compressed string of run lengths. */
std::string coco_rle_string(const std::vector<uint32_t> &counts);

} // namespace tsv
