// The extension rule, made mechanical (DESIGN §3). An analysis is a Step (an overload set over
// layer kinds) plus a KindList of the kinds it refuses. visit_layer<Rejects>() static_asserts that
// every alternative of LayerOp is handled by Step or listed in Rejects, never both, never neither,
// so adding a kind without teaching every analysis about it fails to compile.
#pragma once

#include <concepts>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "certnn/model/layers.hpp"

namespace certnn::model {

template <class... Kinds>
struct KindList {};

// The names of a list's kinds (Kind::kind_name), for telling users what an analysis refuses.
template <class... Kinds>
std::vector<std::string_view> kind_names(KindList<Kinds...>) {
  return {Kinds::kind_name...};
}

// The one message of a refusal (DESIGN §3), naming the analysis, the kind and the node:
// "crown: layer Softmax (node 'prob') is not supported".
inline std::string refusal_message(std::string_view analysis, std::string_view kind, std::string_view node) {
  return std::string(analysis) + ": layer " + std::string(kind) + " (node '" + std::string(node) + "') is not supported";
}

template <class Kind, class List>
inline constexpr bool kind_in_list = false;
template <class Kind, class... Kinds>
inline constexpr bool kind_in_list<Kind, KindList<Kinds...>> = (std::same_as<Kind, Kinds> || ...);

template <class Step, class Kind>
concept handles_kind = std::invocable<Step&, const Kind&>;

// True for a kind handled by Step xor refused in Rejects.
template <class Step, class Rejects, class Kind>
inline constexpr bool kind_covered_once = handles_kind<Step, Kind> != kind_in_list<Kind, Rejects>;

template <class Step, class Rejects, class Variant>
inline constexpr bool covers_all_kinds_of = false;
template <class Step, class Rejects, class... Kinds>
inline constexpr bool covers_all_kinds_of<Step, Rejects, std::variant<Kinds...>> =
    (kind_covered_once<Step, Rejects, Kinds> && ...);

template <class Step, class Rejects>
inline constexpr bool covers_all_kinds = covers_all_kinds_of<Step, Rejects, LayerOp>;

// Calls step(kind) for handled kinds and refuse(kind_name) for refused ones; both must return
// the same type (refuse normally throws Unsupported).
template <class Rejects, class Step, class Refuse>
decltype(auto) visit_layer(const LayerOp& op, Step&& step, Refuse&& refuse) {
  static_assert(covers_all_kinds<std::remove_reference_t<Step>, Rejects>,
                "every layer kind must be handled by the step or listed in its rejects, "
                "exactly once (see model/kind_dispatch.hpp)");
  return std::visit(
      [&]<class Kind>(const Kind& kind) -> decltype(auto) {
        if constexpr (kind_in_list<Kind, Rejects>) {
          return refuse(Kind::kind_name);
        } else {
          return step(kind);
        }
      },
      op);
}

// For analyses that refuse nothing.
template <class Step>
decltype(auto) visit_layer(const LayerOp& op, Step&& step) {
  return visit_layer<KindList<>>(op, std::forward<Step>(step), [](std::string_view) {});
}

}  // namespace certnn::model
