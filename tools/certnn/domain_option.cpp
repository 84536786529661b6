#include "domain_option.hpp"

#include <sstream>

#include "certnn/core/error.hpp"
#include "cli_common.hpp"

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
  if (!domain) return;
  for (Eigen::Index r = 0; r < rows.rows(); ++r)
    for (Eigen::Index i = 0; i < rows.cols(); ++i)
      if (!(domain->lower <= rows(r, i) && rows(r, i) <= domain->upper))
        throw Error(path + ": input " + std::to_string(r) + " has element " + std::to_string(i) + " = " +
                    format_real(rows(r, i)) + " outside the domain [" + format_real(domain->lower) + ", " +
                    format_real(domain->upper) + "]; give --domain LO,HI or --domain none");
}

}  // namespace certnn::cli
