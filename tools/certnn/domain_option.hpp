// The --domain option: the box LO,HI that inputs (and the sets or attacks around them) are
// confined to, or "none" for no bound.
#pragma once

#include <Eigen/Core>
#include <optional>
#include <string>

#include "certnn/bounds/box.hpp"

namespace certnn::cli {

// Throws certnn::Error unless the text is "none" or LO,HI with LO <= HI.
std::optional<bounds::Domain> parse_domain(const std::string& text);

// rows: one input per row, read from the file at `path`. bounds::check_inside_domain with the
// options that widen the domain as its remedy.
void check_inside_domain(const Eigen::MatrixXd& rows, const std::optional<bounds::Domain>& domain,
                         const std::string& path);

}  // namespace certnn::cli
