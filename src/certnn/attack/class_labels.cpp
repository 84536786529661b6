#include "certnn/attack/class_labels.hpp"

#include "certnn/core/error.hpp"

namespace certnn::attack {
namespace {

void check(std::int64_t label, std::int64_t classes, const std::string& where, const std::string& input) {
  if (label < 0 || label >= classes)
    throw Error(where + "label " + std::to_string(label) + input + " is outside the model's classes 0.." +
                std::to_string(classes - 1));
}

}  // namespace

void check_class_label(std::int64_t label, std::int64_t classes, const std::string& where) {
  check(label, classes, where, "");
}

void check_class_labels(const std::vector<std::int64_t>& labels, std::int64_t classes, const std::string& where) {
  for (std::size_t i = 0; i < labels.size(); ++i) check(labels[i], classes, where, " (input " + std::to_string(i) + ")");
}

}  // namespace certnn::attack
