// certnn report: a quick report of the digits MLP writes the page and its data, whose figures obey
// what the analyses guarantee (certified <= pgd <= clean; certified radius <= attacked radius;
// widths growing with eps; sound methods at least as wide as sampling); missing plot libraries,
// bad radii and unknown methods are one-line user errors before any work.
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <map>
#include <set>

#include "cli_fixture.hpp"

namespace certnn {
namespace {

const fs::path kDigitsModel = test::source_dir() / "examples" / "digits_mlp.onnx";

TEST_F(Cli, ReportWritesAPageWhoseFiguresKeepTheirGuarantees) {
  const RunResult r = run({"report", kDigitsModel.string(), "--data", "digits", "--quick", "--out",
                           path("report").string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json summary = nlohmann::json::parse(r.out);
  EXPECT_FALSE(summary["stopped"].get<bool>());
  for (const char* file : {"index.html", "report.json", "specs.json", "weights.png"})
    EXPECT_TRUE(fs::exists(path("report") / file)) << file;

  const std::string page = test::read_file_bytes(path("report") / "index.html");
  EXPECT_NE(page.find("Content-Security-Policy"), std::string::npos);
  EXPECT_EQ(page.find("src=\"http"), std::string::npos) << "the page must not load anything";
  EXPECT_NE(page.find("vegaEmbed"), std::string::npos);

  const nlohmann::json data = nlohmann::json::parse(test::read_file_bytes(path("report") / "report.json"));
  EXPECT_EQ(data["model"]["parameters"], 3466);
  EXPECT_LE(data["lipschitz"]["lower"].get<double>(), data["lipschitz"]["upper"].get<double>());

  // Accuracy: certified <= pgd <= clean at every point, both norms present.
  std::map<std::pair<std::string, double>, std::map<std::string, double>> accuracy;
  for (const auto& row : data["figures"]["accuracy"])
    accuracy[{row["norm"], row["eps"]}][row["measure"]] = row["accuracy"];
  ASSERT_GE(accuracy.size(), 6u);
  std::set<std::string> norms;
  for (const auto& [key, m] : accuracy) {
    norms.insert(key.first);
    EXPECT_LE(m.at("certified"), m.at("pgd")) << key.first << " " << key.second;
    EXPECT_LE(m.at("pgd"), m.at("clean")) << key.first << " " << key.second;
  }
  EXPECT_EQ(norms, (std::set<std::string>{"linf", "l2"}));

  // Radii: a sound certificate never exceeds the distance of an adversarial example.
  ASSERT_EQ(data["figures"]["radii"].size(), 10u);
  for (const auto& row : data["figures"]["radii"])
    if (!row["attacked"].is_null()) {
      EXPECT_LE(row["certified"].get<double>(), row["attacked"].get<double>()) << row;
    }

  // Widths: per output and method non-decreasing in eps, and every sound method at least as wide
  // as the sampled lower bound.
  std::map<std::pair<std::string, std::string>, std::vector<double>> widths;
  std::map<std::pair<std::string, double>, double> sampled;
  for (const auto& row : data["figures"]["widths"]) {
    widths[{row["output"], row["method"]}].push_back(row["width"]);
    if (row["method"] == "sample") sampled[{row["output"], row["eps"]}] = row["width"];
  }
  EXPECT_TRUE(widths.count({"logits", "crown"}));
  EXPECT_TRUE(widths.count({"softmax", "ibp"}));
  for (const auto& [key, series] : widths)
    EXPECT_TRUE(std::is_sorted(series.begin(), series.end())) << key.first << " " << key.second;
  for (const auto& row : data["figures"]["widths"]) {
    const std::pair<std::string, double> at{row["output"], row["eps"]};
    if (row["method"] != "sample") {
      EXPECT_GE(row["width"].get<double>(), sampled[at]) << row;
    }
  }
  // crown refuses the appended softmax, and says so.
  bool crown_refused = false;
  for (const auto& m : data["refused_methods"]) crown_refused = crown_refused || (m["method"] == "crown" && m["output"] == "softmax");
  EXPECT_TRUE(crown_refused) << data["refused_methods"];
}

TEST_F(Cli, ReportDrawsTheKernelsOfACnn) {
  // The PyTorch CNN with its own inputs as a labelled CSV (labels: the model's predictions).
  const RunResult predicted = run({"eval", torch_file("cnn.onnx").string(), "--input",
                                   torch_file("cnn.input.csv").string(), "--json"});
  ASSERT_EQ(predicted.exit_code, 0) << predicted.err;
  const nlohmann::json outputs = nlohmann::json::parse(predicted.out)["outputs"];
  const std::string inputs = test::read_file_bytes(torch_file("cnn.input.csv"));
  std::string labelled;
  std::size_t row = 0, start = 0;
  for (std::size_t end = inputs.find('\n'); end != std::string::npos; start = end + 1, end = inputs.find('\n', start)) {
    const auto& scores = outputs[row++];
    const auto best = std::max_element(scores.begin(), scores.end()) - scores.begin();
    labelled += std::to_string(best) + "," + inputs.substr(start, end - start) + "\n";
  }
  const fs::path csv = write("cnn_labelled.csv", labelled);
  const RunResult r = run({"report", torch_file("cnn.onnx").string(), "--data", csv.string(), "--test-fraction", "0.9",
                           "--eps", "0,0.01", "--l2-eps", "0,0.1", "--methods", "ibp,crown,sample", "--radius-inputs",
                           "3", "--out", path("cnn").string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json data = nlohmann::json::parse(test::read_file_bytes(path("cnn") / "report.json"));
  EXPECT_EQ(data["images"]["filters"]["kind"], "Conv");
  EXPECT_EQ(data["images"]["filters"]["count"], 4);
  EXPECT_EQ(data["figures"]["radii"].size(), 3u);
}

TEST_F(Cli, ReportRefusesBeforeAnyWork) {
  expect_user_error({"report", kDigitsModel.string(), "--data", "digits", "--out", path("r").string(), "--eps", "0.1,x"},
                    {"'x' is not a radius"});
  expect_user_error({"report", kDigitsModel.string(), "--data", "digits", "--out", path("r").string(), "--methods",
                     "ibp,nope"},
                    {"nope"});
  expect_user_error({"report", kDigitsModel.string(), "--data", "digits", "--out", path("r").string(), "--method",
                     "sample"},
                    {"sample"});
  expect_user_error({"report", kDigitsModel.string(), "--data", "digits", "--out", path("missing/r").string()},
                    {"is not a folder"});
  write("file", "x");
  expect_user_error({"report", kDigitsModel.string(), "--data", "digits", "--out", path("file").string()},
                    {"is not a folder"});
  // Without the plot libraries: named, with the way to install them.
  ::setenv("CERTNN_VEGA_DIR", path("no_modules").string().c_str(), 1);
  expect_user_error({"report", kDigitsModel.string(), "--data", "digits", "--out", path("r").string()},
                    {"vega.min.js is missing", "scripts/setup"});
  ::unsetenv("CERTNN_VEGA_DIR");
  EXPECT_FALSE(fs::exists(path("r")));
}

}  // namespace
}  // namespace certnn
