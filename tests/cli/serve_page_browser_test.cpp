// The page of certnn serve (GET /) in a real browser: Debian's chromium, driven headless through
// chromedriver's W3C WebDriver protocol over loopback. The page loads the model's description,
// predicts a pasted input, shows a refusal, and turns a stroke drawn on its canvas into an input.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "browser_session.hpp"
#include "cli_fixture.hpp"
#include "serve_process.hpp"

namespace certnn {
namespace {

using nlohmann::json;
using test::http;
using test::Browser;
using test::kChromedriver;
using test::kChromium;
using test::ListeningProcess;
using test::ServeProcess;

std::string text_of(const std::string& id) {
  return "const e = document.getElementById('" + id + "'); return e ? e.textContent : '';";
}

class ServePage : public Cli {
 protected:
  void SetUp() override {
    Cli::SetUp();
    if (!fs::exists(kChromium) || !fs::exists(kChromedriver))
      GTEST_SKIP() << "needs Debian's chromium and chromium-driver (scripts/setup installs them)";
  }
};

TEST_F(ServePage, PredictsAPastedInputShowsARefusalAndReadsADrawing) {
  const fs::path model = test::source_dir() / "examples" / "digits_mlp.onnx";
  ServeProcess server({model.string(), "--eps", "0.01", "--budget-ms", "5000"}, path("serve.log"));
  ASSERT_GT(server.port(), 0) << server.errors();
  ListeningProcess driver({kChromedriver.string(), "--port=0", "--disable-dev-shm-usage"}, path("driver.log"),
                          R"(started successfully on port (\d+))");
  ASSERT_GT(driver.port(), 0) << driver.output() << driver.errors();
  {
    Browser browser(driver.port(), path("profile"));
    ASSERT_TRUE(browser.started()) << driver.output() << driver.errors();
    browser.open("http://127.0.0.1:" + std::to_string(server.port()) + "/");
    ASSERT_EQ(browser.wait_for("return document.body.dataset.ready || '';"), "1") << "the page never loaded the model";
    EXPECT_NE(browser.run(text_of("model")).get<std::string>().find("input 1x64, 10 classes"), std::string::npos);

    // A pasted digit: the page shows what the server answers for the same body.
    std::string row = test::read_file_bytes(test::source_dir() / "examples" / "digits_inputs.csv");
    row = row.substr(0, row.find('\n'));
    const json expected = json::parse(http(server.port(), "POST", "/v1/predict", "{\"input\":[" + row + "]}").body);
    browser.clear("#input");
    browser.type("#input", row);
    browser.click("#predict");
    const std::string prediction = browser.wait_for(text_of("prediction"));
    EXPECT_EQ(prediction, "prediction: " + std::to_string(expected["prediction"].get<int>()));
    const std::string certificate = browser.run(text_of("certificate")).get<std::string>();
    EXPECT_EQ(certificate.rfind(expected["certificate"]["certified"].get<bool>() ? "certified at eps 0.01 (crown)"
                                                                                 : "not certified at eps 0.01 (crown)",
                                0),
              0u)
        << certificate;
    EXPECT_EQ(browser.run(text_of("trusted")).get<std::string>(), expected["trusted"].get<bool>() ? "trusted" : "not trusted");
    EXPECT_EQ(browser.run("return document.querySelectorAll('#result tr').length;").get<int>(), 10);

    // Too few values: the server's refusal, shown as an error.
    browser.clear("#input");
    browser.type("#input", "0.5,0.5");
    browser.click("#predict");
    const std::string error = browser.wait_for(text_of("error"));
    EXPECT_EQ(error.rfind("400: ", 0), 0u) << error;
    EXPECT_NE(error.find("64"), std::string::npos) << error;

    // A stroke across the 8x8 canvas becomes an input of 64 values, some of them inked.
    browser.click("#clear");
    browser.drag("#canvas", {{-80, -80}, {-40, -40}, {0, 0}, {40, 40}, {80, 80}});
    const json values = json::parse("[" + browser.run("return document.getElementById('input').value;").get<std::string>() + "]");
    ASSERT_EQ(values.size(), 64u);
    int inked = 0;
    for (const auto& v : values) inked += v.get<double>() > 0.0;
    EXPECT_GE(inked, 4) << values.dump();
    browser.click("#predict");
    EXPECT_EQ(browser.wait_for(text_of("prediction")).rfind("prediction: ", 0), 0u);
  }
  driver.stop(SIGTERM);
}

}  // namespace
}  // namespace certnn
