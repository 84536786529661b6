#include "domain_option.hpp"

#include <sstream>

#include "certnn/core/error.hpp"

namespace certnn::cli {

std::optional<bounds::Domain> parse_domain(const std::string& text) {
  if (text == "none") return std::nullopt;
  std::istringstream in(text);
  bounds::Domain domain;
  char comma = 0;
  if (!(in >> domain.lower >> comma >> domain.upper) || comma != ',' || !in.eof() || !(domain.lower <= domain.upper))
    throw Error("--domain expects LO,HI with LO <= HI, or none; got '" + text + "'");
  return domain;
}

void check_inside_domain(const Eigen::MatrixXd& rows, const std::optional<bounds::Domain>& domain,
                         const std::string& path) {
  bounds::check_inside_domain(rows.transpose(), domain, path, "give --domain LO,HI or --domain none");
}

}  // namespace certnn::cli
