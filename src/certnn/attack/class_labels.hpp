// The true classes that attacks and robustness radii compare a model's predictions with: each
// must be one of the model's classes, 0..classes-1, wherever the caller got it from.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace certnn::attack {

// Throws certnn::Error "<where>label L is outside the model's classes 0..k-1". where: the place
// the label came from, ending in ": " ("--label: ", "file.csv:3: ").
void check_class_label(std::int64_t label, std::int64_t classes, const std::string& where);

// One label per input: the first out of range is named with its input,
// "<where>label L (input i) is outside the model's classes 0..k-1".
void check_class_labels(const std::vector<std::int64_t>& labels, std::int64_t classes, const std::string& where);

}  // namespace certnn::attack
