// The page of certnn report in a real browser (headless chromium through chromedriver): it opens
// from a file with no network request and no console error, every plot renders marks, and the
// numbers the plots and tables show are those of report.json.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "browser_session.hpp"
#include "cli_fixture.hpp"

namespace certnn {
namespace {

using nlohmann::json;
using test::Browser;
using test::kChromedriver;
using test::kChromium;
using test::ListeningProcess;

class ReportPage : public Cli {
 protected:
  void SetUp() override {
    Cli::SetUp();
    if (!fs::exists(kChromium) || !fs::exists(kChromedriver))
      GTEST_SKIP() << "needs Debian's chromium and chromium-driver (scripts/setup installs them)";
  }
};

// Numbers compared exactly: the page must show the measured doubles, not approximations.
void expect_same_rows(const json& shown, const json& data, const std::string& figure) {
  ASSERT_TRUE(shown.is_array()) << figure << ": " << shown.dump().substr(0, 300);
  ASSERT_EQ(shown.size(), data.size()) << figure;
  for (std::size_t i = 0; i < data.size(); ++i)
    for (const auto& [key, value] : data[i].items()) {
      ASSERT_TRUE(shown[i].contains(key)) << figure << " row " << i << " lacks " << key;
      if (value.is_number()) {
        EXPECT_EQ(shown[i][key].get<double>(), value.get<double>()) << figure << " row " << i << " " << key;
      } else {
        EXPECT_EQ(shown[i][key], value) << figure << " row " << i << " " << key;
      }
    }
}

TEST_F(ReportPage, OpensOfflineRendersEveryPlotAndShowsTheNumbersOfItsData) {
  const fs::path model = test::source_dir() / "examples" / "digits_mlp.onnx";
  const RunResult made = run({"report", model.string(), "--data", "digits", "--quick", "--out", path("report").string()});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  const json data = json::parse(test::read_file_bytes(path("report") / "report.json"));
  const json specs = json::parse(test::read_file_bytes(path("report") / "specs.json"));
  ASSERT_EQ(specs.size(), 5u) << specs.dump().substr(0, 200);

  ListeningProcess driver({kChromedriver.string(), "--port=0", "--disable-dev-shm-usage"}, path("driver.log"),
                          R"(started successfully on port (\d+))");
  ASSERT_GT(driver.port(), 0) << driver.output() << driver.errors();
  {
    Browser browser(driver.port(), path("profile"));
    ASSERT_TRUE(browser.started()) << driver.output() << driver.errors();
    browser.open("file://" + (path("report") / "index.html").string());
    const json rendered = browser.run_async(
        "const done = arguments[arguments.length - 1];"
        "window.certnnRendered.then(n => done(n), e => done('failed: ' + e));");
    ASSERT_TRUE(rendered.is_number()) << rendered.dump();
    EXPECT_EQ(rendered.get<int>(), static_cast<int>(specs.size()));

    EXPECT_EQ(browser.run("return window.certnnErrors;"), json::array());
    for (const auto& entry : browser.log("browser"))
      EXPECT_NE(entry.value("level", ""), "SEVERE") << entry.dump();
    EXPECT_EQ(browser.run("return performance.getEntriesByType('resource').map(e => e.name);"), json::array())
        << "the page fetched something";

    for (const auto& [name, spec] : specs.items()) {
      SCOPED_TRACE(name);
      // Each plot is an SVG holding marks.
      const json marks = browser.run("return document.querySelectorAll('#figure-" + name +
                                     " svg .role-mark > *').length;");
      EXPECT_GT(marks.get<int>(), 0);
      // The plot's data is the figure's rows of report.json.
      const json shown = browser.run("return JSON.parse(JSON.stringify(window.certnnViews['" + name +
                                     "'].data('table')));");
      const std::string figure = name == "radius_histogram" ? "radii" : name;
      expect_same_rows(shown, data["figures"][figure], name);
    }
    // One scatter point per input that PGD broke.
    std::size_t attacked = 0;
    for (const auto& row : data["figures"]["radii"]) attacked += row["attacked"].is_null() ? 0 : 1;
    EXPECT_EQ(browser.run("return document.querySelectorAll('#figure-radii svg .mark-symbol.role-mark path').length;").get<std::size_t>(),
              attacked);

    // The tables: every cell holds the number of report.json, written to round-trip exactly.
    const json cells = browser.run(
        "return [...document.querySelectorAll('#layers tr')].slice(1).map(tr => Object.fromEntries("
        "[...tr.querySelectorAll('td')].map(td => [td.dataset.key, td.textContent])));");
    const json& layers = data["figures"]["layers"];
    ASSERT_EQ(cells.size(), layers.size());
    for (std::size_t i = 0; i < layers.size(); ++i)
      for (const std::string key : {"spectral_norm", "spectral_norm_upper", "condition_number"}) {
        const std::string text = cells[i][key];
        if (layers[i][key].is_null()) {
          EXPECT_EQ(text, "-");
        } else {
          EXPECT_EQ(std::stod(text), layers[i][key].get<double>()) << key << " of layer " << i;
        }
      }
    EXPECT_EQ(std::stod(browser.run("return document.querySelector('#lipschitz td[data-key=upper]').textContent;")
                            .get<std::string>()),
              data["lipschitz"]["upper"].get<double>());
    EXPECT_EQ(browser.run("return document.querySelectorAll('img').length;").get<std::size_t>(),
              1 + data["images"]["closest"].size());
  }
  driver.stop(SIGTERM);
}

}  // namespace
}  // namespace certnn
