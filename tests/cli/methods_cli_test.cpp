// certnn methods: the registry as users see it, and the README's support matrix, which must be
// exactly what `certnn methods --matrix` prints (the soundness matrix test checks each cell's
// claim against MPFR).
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>

#include "cli_fixture.hpp"
#include "test_support.hpp"

namespace certnn {
namespace {

TEST_F(Cli, MethodsJsonListsTheRegistry) {
  const RunResult r = run({"methods", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto report = nlohmann::json::parse(r.out);
  std::vector<std::string> names;
  for (const auto& method : report["methods"]) names.push_back(method["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"ibp", "affine", "doubleton", "crown", "alpha-crown", "sample"}));
  EXPECT_FALSE(report["methods"][5]["sound"].get<bool>());
  EXPECT_EQ(report["methods"][3]["refused_kinds"], nlohmann::json::array({"Softmax"}));
  EXPECT_EQ(report["matrix"]["Softmax"]["crown"], "refused");
  EXPECT_EQ(report["matrix"]["Conv"]["doubleton"], "sound");
  EXPECT_EQ(report["matrix"]["Dense"]["sample"], "estimate");
  const auto ops = report["onnx_operators"].get<std::vector<std::string>>();
  for (const std::string op : {"Gemm", "Conv", "Relu", "MaxPool", "BatchNormalization", "ConstantOfShape"})
    EXPECT_NE(std::find(ops.begin(), ops.end(), op), ops.end()) << op;
  EXPECT_TRUE(std::is_sorted(ops.begin(), ops.end()));
  EXPECT_EQ(report["layer_kinds"].size(), report["matrix"].size());
}

TEST_F(Cli, TheReadmeMatrixIsWhatMethodsPrints) {
  const RunResult r = run({"methods", "--matrix"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(r.out.rfind("| kind | ibp |", 0), 0u) << r.out;
  const std::string readme = test::read_file_bytes(test::source_dir() / "README.md");
  EXPECT_NE(readme.find(r.out), std::string::npos) << "README.md does not hold this matrix:\n" << r.out;
}

TEST_F(Cli, MethodsTableNamesEveryMethod) {
  const RunResult r = run({"methods"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const std::string name : {"ibp", "affine", "doubleton", "crown", "alpha-crown", "sample", "layer kinds",
                                 "ONNX operators"})
    EXPECT_NE(r.out.find(name), std::string::npos) << name;
}

}  // namespace
}  // namespace certnn
