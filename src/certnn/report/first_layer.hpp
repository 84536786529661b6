// The first layer's filters over the pixels of a one-channel image input, the rows that
// report/weight_image.hpp draws: what a model has learned to look for, at a glance.
#pragma once

#include <Eigen/Dense>

#include "certnn/model/network.hpp"
#include "certnn/report/weight_image.hpp"

namespace certnn::report {

struct FirstLayerFilters {
  const model::Node* node = nullptr;  // the layer drawn
  Eigen::MatrixXd rows;               // one filter per row, tile.height * tile.width columns
  TileShape tile;
};

// A first Dense layer reached from the input through Reshape nodes only: its rows over the input
// image (report::image_shape_of). A first Conv over one input channel: one kernel per output
// channel, kernel_h x kernel_w. Anything else is refused by kind (Unsupported); a Dense layer over
// an input that is no image is a ShapeError.
FirstLayerFilters first_layer_filters(const model::Network& network);

}  // namespace certnn::report
