// The method registry: one row per method, whose factory makes the method of that name, and
// whose refused kinds are exactly what check() refuses, with the one refusal message.
#include "certnn/bounds/method.hpp"

#include <gtest/gtest.h>

#include <set>

#include "certnn/core/error.hpp"

namespace certnn::bounds {
namespace {

// x -> Dense -> Softmax: one kind every method handles, one that back-substitution refuses.
model::Network dense_softmax() {
  model::Network network(Shape{1, 3}, "x");
  const auto dense = network.add("fc", model::Dense{Eigen::MatrixXd::Identity(3, 3), Eigen::VectorXd::Zero(3)},
                                 {model::kInputValue});
  network.set_output(network.add("prob", model::Softmax{3}, {dense}));
  return network;
}

TEST(MethodRegistry, EachRowMakesItsMethod) {
  std::set<std::string_view> names;
  for (const MethodInfo& info : method_registry()) {
    EXPECT_TRUE(names.insert(info.name).second) << info.name << " is registered twice";
    EXPECT_EQ(info.make()->name(), info.name);
    EXPECT_EQ(make_method(info.name)->name(), info.name);
    EXPECT_FALSE(info.summary.empty());
  }
  EXPECT_EQ(names.size(), method_names().size());
  EXPECT_EQ(sound_method_names(), (std::vector<std::string>{"ibp", "affine", "doubleton", "crown", "alpha-crown"}));
}

TEST(MethodRegistry, CheckRefusesExactlyTheListedKinds) {
  const model::Network network = dense_softmax();
  for (const MethodInfo& info : method_registry()) {
    const auto method = info.make();
    const std::vector<std::string_view> refused = method->refused_kinds();
    const bool refuses_softmax = std::find(refused.begin(), refused.end(), "Softmax") != refused.end();
    SCOPED_TRACE(info.name);
    if (!refuses_softmax) {
      EXPECT_NO_THROW(method->check(network));
      continue;
    }
    try {
      method->check(network);
      ADD_FAILURE() << "Softmax was not refused";
    } catch (const Unsupported& e) {
      EXPECT_EQ(std::string(e.what()), std::string(info.name) + ": layer Softmax (node 'prob') is not supported");
    }
  }
}

TEST(MethodRegistry, UnknownAndUnsoundNamesAreRefusedNamingTheKnownOnes) {
  try {
    make_method("zonotope");
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("known: ibp, affine, doubleton, crown, alpha-crown, sample"), std::string::npos);
  }
  EXPECT_NO_THROW(make_sound_method("crown", "serve"));
  EXPECT_THROW(make_sound_method("sample", "serve"), Error);
}

}  // namespace
}  // namespace certnn::bounds
