// The extension rule at compile time (covers_all_kinds) and at run time (visit_layer sends each
// kind to its own overload, and refused kinds to the refuse function).
#include "certnn/model/kind_dispatch.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "certnn/core/error.hpp"
#include "certnn/model/layers.hpp"

namespace certnn::model {
namespace {

// A step built from a list of kinds: one overload per kind, returning the kind's name. The steps
// below are derived from LayerOp itself, so they stay complete when a kind is added.
template <class Kind>
struct NamesKind {
  std::string_view operator()(const Kind&) const { return Kind::kind_name; }
};
template <class... Kinds>
struct NamingStep : NamesKind<Kinds>... {
  using NamesKind<Kinds>::operator()...;
};

// NamingStep over every kind of a variant except Missing (none when Missing is void).
template <class Missing, class Done, class... Rest>
struct StepWithout;
template <class Missing, class... Done>
struct StepWithout<Missing, KindList<Done...>> {
  using type = NamingStep<Done...>;
};
template <class Missing, class... Done, class First, class... Rest>
struct StepWithout<Missing, KindList<Done...>, First, Rest...> {
  using type = typename std::conditional_t<
      std::is_same_v<First, Missing>, StepWithout<Missing, KindList<Done...>, Rest...>,
      StepWithout<Missing, KindList<Done..., First>, Rest...>>::type;
};
template <class Missing, class Variant>
struct StepForVariant;
template <class Missing, class... Kinds>
struct StepForVariant<Missing, std::variant<Kinds...>> {
  using type = typename StepWithout<Missing, KindList<>, Kinds...>::type;
};

using FullStep = StepForVariant<void, LayerOp>::type;
using StepWithoutPad = StepForVariant<Pad, LayerOp>::type;
using StepWithoutDense = StepForVariant<Dense, LayerOp>::type;

// An analysis that handles two kinds and refuses the rest, written out by hand like a real one:
// adding a kind to LayerOp breaks this file's build until the kind joins the refused list.
struct DenseAndReluStep {
  std::string_view operator()(const Dense&) const { return "dense handled"; }
  std::string_view operator()(const Relu&) const { return "relu handled"; }
};
using AllButDenseAndRelu =
    KindList<Conv2d, LeakyRelu, Sigmoid, Tanh, Softmax, Reshape, BatchNorm, AddTensors, SubTensors,
             AddConstant, SubConstant, MulConstant, DivConstant, AveragePool, MaxPool, Pad>;

static_assert(handles_kind<FullStep, Pad>);
static_assert(!handles_kind<StepWithoutPad, Pad>);
static_assert(handles_kind<StepWithoutPad, Relu>);
static_assert(kind_in_list<Pad, KindList<Relu, Pad>>);
static_assert(!kind_in_list<Pad, KindList<Relu, MaxPool>>);
static_assert(!kind_in_list<Pad, KindList<>>);

// Handled by the step, refused by nobody: complete.
static_assert(covers_all_kinds<FullStep, KindList<>>);
// A kind neither handled nor refused: incomplete, wherever it sits in the variant.
static_assert(!covers_all_kinds<StepWithoutPad, KindList<>>);
static_assert(!covers_all_kinds<StepWithoutDense, KindList<>>);
// The missing kind refused instead: complete again.
static_assert(covers_all_kinds<StepWithoutPad, KindList<Pad>>);
static_assert(covers_all_kinds<StepWithoutDense, KindList<Dense>>);
// Refusing a kind that is also handled is ambiguous and rejected, as is refusing the wrong kind.
static_assert(!covers_all_kinds<FullStep, KindList<Pad>>);
static_assert(!covers_all_kinds<StepWithoutPad, KindList<Pad, Relu>>);
static_assert(!covers_all_kinds<StepWithoutPad, KindList<MaxPool>>);
// A hand-written partial step with its rejects.
static_assert(covers_all_kinds<DenseAndReluStep, AllButDenseAndRelu>);
static_assert(!covers_all_kinds<DenseAndReluStep, KindList<>>);

static_assert(input_count_of<AddTensors> == 2);
static_assert(input_count_of<SubTensors> == 2);
static_assert(input_count_of<Dense> == 1);
static_assert(input_count_of<Pad> == 1);

// One default-constructed value of every alternative of LayerOp.
template <std::size_t... Index>
std::vector<LayerOp> every_kind(std::index_sequence<Index...>) {
  return {LayerOp(std::in_place_index<Index>)...};
}
std::vector<LayerOp> every_kind() {
  return every_kind(std::make_index_sequence<std::variant_size_v<LayerOp>>{});
}

TEST(VisitLayer, SendsEveryKindToItsOwnOverload) {
  for (const LayerOp& op : every_kind()) {
    const std::string_view expected = std::visit([](const auto& kind) { return kind.kind_name; }, op);
    EXPECT_EQ(visit_layer(op, FullStep{}), expected);
    EXPECT_EQ(kind_name(op), expected);
  }
}

TEST(VisitLayer, KindNamesAreDistinct) {
  std::set<std::string_view> names;
  for (const LayerOp& op : every_kind()) names.insert(kind_name(op));
  EXPECT_EQ(names.size(), std::variant_size_v<LayerOp>);
}

TEST(VisitLayer, CallsRefuseWithTheKindNameForRejectedKinds) {
  auto refuse = [](std::string_view name) -> std::string_view {
    throw Unsupported("test step: layer " + std::string(name) + " is not supported");
  };
  EXPECT_EQ(visit_layer<AllButDenseAndRelu>(LayerOp(Dense{}), DenseAndReluStep{}, refuse),
            "dense handled");
  EXPECT_EQ(visit_layer<AllButDenseAndRelu>(LayerOp(Relu{}), DenseAndReluStep{}, refuse),
            "relu handled");
  try {
    visit_layer<AllButDenseAndRelu>(LayerOp(MaxPool{}), DenseAndReluStep{}, refuse);
    FAIL() << "a rejected kind reached the step";
  } catch (const Unsupported& error) {
    EXPECT_EQ(std::string(error.what()), "test step: layer MaxPool is not supported");
  }
}

TEST(VisitLayer, RefusesExactlyTheRejectedKinds) {
  for (const LayerOp& op : every_kind()) {
    bool refused = false;
    auto refuse = [&refused](std::string_view) -> std::string_view {
      refused = true;
      return "refused";
    };
    const std::string_view result = visit_layer<KindList<Pad>>(op, StepWithoutPad{}, refuse);
    const bool is_pad = std::holds_alternative<Pad>(op);
    EXPECT_EQ(refused, is_pad) << kind_name(op);
    EXPECT_EQ(result, is_pad ? std::string_view("refused") : kind_name(op));
  }
}

// A step with state, passed as an lvalue, is used in place rather than copied: analyses
// accumulate into their step.
struct CountingStep : StepWithoutDense {
  using StepWithoutDense::operator();
  int dense_calls = 0;
  std::string_view operator()(const Dense&) {
    ++dense_calls;
    return Dense::kind_name;
  }
};

TEST(VisitLayer, UsesAnLvalueStepInPlace) {
  CountingStep step;
  visit_layer(LayerOp(Dense{}), step);
  visit_layer(LayerOp(Relu{}), step);
  visit_layer(LayerOp(Pad{}), step);
  visit_layer(LayerOp(Dense{}), step);
  EXPECT_EQ(step.dense_calls, 2);
}

TEST(VisitLayer, PassesTheLayerParametersThrough) {
  LeakyRelu leaky;
  leaky.alpha = 0.25;
  using StepWithoutLeakyRelu = StepForVariant<LeakyRelu, LayerOp>::type;
  struct AlphaStep : StepWithoutLeakyRelu {
    using StepWithoutLeakyRelu::operator();
    std::string_view operator()(const LeakyRelu& l) const { return l.alpha == 0.25 ? "0.25" : "?"; }
  };
  EXPECT_EQ(visit_layer(LayerOp(leaky), AlphaStep{}), "0.25");
}

TEST(InputCount, TwoForElementWiseTensorOperationsOneOtherwise) {
  for (const LayerOp& op : every_kind()) {
    const bool binary = std::holds_alternative<AddTensors>(op) || std::holds_alternative<SubTensors>(op);
    EXPECT_EQ(input_count(op), binary ? 2 : 1) << kind_name(op);
  }
}

}  // namespace
}  // namespace certnn::model
