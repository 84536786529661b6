// Output shape of a layer from its input shapes; throws ShapeError when the layer's parameters do
// not fit its inputs.
#pragma once

#include <vector>

#include "certnn/core/shape.hpp"
#include "certnn/model/layers.hpp"

namespace certnn::model {

Shape infer_output_shape(const LayerOp& op, const std::vector<Shape>& input_shapes);

// Output height/width of a sliding window, or ShapeError when the window does not fit.
void complete_window(Window2d& window);

}  // namespace certnn::model
