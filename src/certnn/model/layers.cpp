#include "certnn/model/layers.hpp"

namespace certnn::model {

std::string_view kind_name(const LayerOp& op) {
  return std::visit([]<class Kind>(const Kind&) { return Kind::kind_name; }, op);
}

int input_count(const LayerOp& op) {
  return std::visit([]<class Kind>(const Kind&) { return input_count_of<Kind>; }, op);
}

}  // namespace certnn::model
