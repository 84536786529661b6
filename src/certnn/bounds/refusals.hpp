// The check() of an analysis that refuses some layer kinds (DESIGN §3): one Unsupported error
// naming the analysis, the kind and the node of every refused layer, before any work is done.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "certnn/core/error.hpp"
#include "certnn/model/kind_dispatch.hpp"
#include "certnn/model/network.hpp"

namespace certnn::bounds {

inline void refuse_kinds(std::string_view analysis, const std::vector<std::string_view>& refused,
                         const model::Network& network) {
  std::string message;
  for (const model::Node& node : network.nodes()) {
    const std::string_view kind = model::kind_name(node.op);
    if (std::find(refused.begin(), refused.end(), kind) != refused.end())
      message += (message.empty() ? "" : "; ") + model::refusal_message(analysis, kind, node.name);
  }
  if (!message.empty()) throw Unsupported(message);
}

template <class Rejects>
void refuse_listed_kinds(std::string_view analysis, const model::Network& network) {
  refuse_kinds(analysis, model::kind_names(Rejects{}), network);
}

}  // namespace certnn::bounds
