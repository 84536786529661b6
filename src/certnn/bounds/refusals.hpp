// The check() of a bound method that refuses some layer kinds (DESIGN §3): one Unsupported error
// naming the method, the kind and the node of every refused layer, before any work is done.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "certnn/core/error.hpp"
#include "certnn/model/kind_dispatch.hpp"
#include "certnn/model/network.hpp"

namespace certnn::bounds {

template <class Rejects>
void refuse_listed_kinds(std::string_view method, const model::Network& network) {
  std::string refused;
  for (const model::Node& node : network.nodes())
    std::visit(
        [&]<class Kind>(const Kind&) {
          if constexpr (model::kind_in_list<Kind, Rejects>)
            refused += std::string(refused.empty() ? "" : "; ") + std::string(method) + ": layer " +
                       std::string(Kind::kind_name) + " (node '" + node.name + "') is not supported";
        },
        node.op);
  if (!refused.empty()) throw Unsupported(refused);
}

}  // namespace certnn::bounds
