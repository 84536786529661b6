// certnn evaluate --norm l2 on the digits example: the documented JSON keys plus "norm" and
// "lipschitz_bound" (the bound certnn stability reports), certified ≤ pgd ≤ clean; a norm other
// than linf or l2 is a one-line error.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_fixture.hpp"

namespace certnn {
namespace {

const std::string kModel = std::string(CERTNN_SOURCE_DIR) + "/examples/digits_mlp.onnx";

TEST_F(Cli, EvaluateL2ReportsItsLipschitzBound) {
  const RunResult stability = run({"stability", kModel, "--samples", "4", "--json"});
  ASSERT_EQ(stability.exit_code, 0) << stability.err;
  const double lipschitz = nlohmann::json::parse(stability.out)["lipschitz_upper"];
  bool certified_some = false;
  for (const char* eps : {"0", "0.1", "0.5"}) {
    const RunResult r = run({"evaluate", kModel, "--data", "digits", "--norm", "l2", "--eps", eps, "--limit", "60",
                             "--steps", "10", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const nlohmann::ordered_json report = nlohmann::ordered_json::parse(r.out);
    std::vector<std::string> keys;
    for (const auto& [key, value] : report.items()) keys.push_back(key);
    EXPECT_EQ(keys, (std::vector<std::string>{"n", "clean_accuracy", "pgd_accuracy", "certified_accuracy", "seconds",
                                              "norm", "lipschitz_bound"}));
    EXPECT_EQ(report["n"], 60);
    EXPECT_EQ(report["norm"], "l2");
    EXPECT_EQ(report["lipschitz_bound"].get<double>(), lipschitz);
    const double clean = report["clean_accuracy"], pgd = report["pgd_accuracy"], certified = report["certified_accuracy"];
    EXPECT_LE(certified, pgd) << "eps " << eps;
    EXPECT_LE(pgd, clean) << "eps " << eps;
    certified_some |= std::string(eps) != "0" && certified > 0;
  }
  EXPECT_TRUE(certified_some);
}

TEST_F(Cli, EvaluateRefusesAnUnknownNorm) {
  expect_user_error({"evaluate", kModel, "--data", "digits", "--eps", "0.1", "--norm", "l1"}, {"--norm", "l1"});
}

}  // namespace
}  // namespace certnn
