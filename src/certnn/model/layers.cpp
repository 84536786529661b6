#include "certnn/model/layers.hpp"

namespace certnn::model {

std::string_view kind_name(const LayerOp& op) {
  return std::visit([]<class Kind>(const Kind&) { return Kind::kind_name; }, op);
}

std::vector<std::string_view> all_kind_names() {
  return []<class... Kinds>(std::variant<Kinds...>*) {
    return std::vector<std::string_view>{Kinds::kind_name...};
  }(static_cast<LayerOp*>(nullptr));
}

int input_count(const LayerOp& op) {
  return std::visit([]<class Kind>(const Kind&) { return input_count_of<Kind>; }, op);
}

}  // namespace certnn::model
