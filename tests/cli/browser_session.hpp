// A headless chromium session driven through chromedriver's W3C WebDriver protocol over loopback
// (plain sockets, serve_process.hpp's client): for the tests of the pages certnn serves and writes.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "serve_process.hpp"

namespace certnn::test {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kChromium = "/usr/bin/chromium";
const fs::path kChromedriver = "/usr/bin/chromedriver";
// The key under which WebDriver names an element (W3C WebDriver, "web element identifier").
const char* const kElementKey = "element-6066-11e4-a52e-4f735466cecf";

// One browser session; closes the browser when destroyed, even after a failed assertion.
class Browser {
 public:
  Browser(int driver_port, const fs::path& profile) : port_(driver_port) {
    const json capabilities = {
        {"capabilities",
         {{"alwaysMatch",
           {{"goog:chromeOptions",
             {{"binary", kChromium.string()},
              {"args",
               {"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--user-data-dir=" + profile.string(), "--window-size=1000,1200"}}}},
            // The console, readable through log("browser").
            {"goog:loggingPrefs", {{"browser", "ALL"}}}}}}}};
    const json answer = call("POST", "/session", capabilities);
    session_ = answer.value("sessionId", "");
  }
  ~Browser() {
    if (!session_.empty()) http(port_, "DELETE", "/session/" + session_);
  }
  Browser(const Browser&) = delete;
  Browser& operator=(const Browser&) = delete;

  bool started() const { return !session_.empty(); }

  void open(const std::string& url) { call("POST", path("/url"), {{"url", url}}); }
  json run(const std::string& script) { return call("POST", path("/execute/sync"), {{"script", script}, {"args", json::array()}}); }
  // The script's last argument is the callback that ends it, with the value to return.
  json run_async(const std::string& script) {
    return call("POST", path("/execute/async"), {{"script", script}, {"args", json::array()}});
  }
  // The entries logged since the last call (chromedriver's log endpoint): for "browser", the
  // console's messages with their "level" ("SEVERE" for errors) and "message".
  json log(const std::string& type) { return call("POST", path("/se/log"), {{"type", type}}); }
  std::string element(const std::string& css) {
    return call("POST", path("/element"), {{"using", "css selector"}, {"value", css}}).value(kElementKey, "");
  }
  void clear(const std::string& css) { call("POST", path("/element/" + element(css) + "/clear"), json::object()); }
  void type(const std::string& css, const std::string& text) {
    call("POST", path("/element/" + element(css) + "/value"), {{"text", text}});
  }
  void click(const std::string& css) { call("POST", path("/element/" + element(css) + "/click"), json::object()); }
  // A pointer stroke with the left button held, through points (x, y) relative to the element's centre.
  void drag(const std::string& css, const std::vector<std::pair<int, int>>& points) {
    const json origin = {{kElementKey, element(css)}};
    json actions = json::array();
    actions.push_back({{"type", "pointerMove"}, {"duration", 0}, {"origin", origin}, {"x", points[0].first}, {"y", points[0].second}});
    actions.push_back({{"type", "pointerDown"}, {"button", 0}});
    for (const auto& [x, y] : points)
      actions.push_back({{"type", "pointerMove"}, {"duration", 20}, {"origin", origin}, {"x", x}, {"y", y}});
    actions.push_back({{"type", "pointerUp"}, {"button", 0}});
    call("POST", path("/actions"),
         {{"actions",
           {{{"type", "pointer"}, {"id", "mouse"}, {"parameters", {{"pointerType", "mouse"}}}, {"actions", actions}}}}});
  }
  // Polls the script until it returns a non-empty string (or the time is up: then "").
  std::string wait_for(const std::string& script, double seconds = 20.0) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < until) {
      const json value = run(script);
      if (value.is_string() && !value.get<std::string>().empty()) return value.get<std::string>();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return "";
  }

 private:
  std::string path(const std::string& rest) const { return "/session/" + session_ + rest; }
  // The command's "value"; a WebDriver error fails the test with its message.
  json call(const std::string& method, const std::string& where, const json& body) {
    const HttpReply reply = http(port_, method, where, body.dump());
    const json answer = json::parse(reply.body, nullptr, false);
    EXPECT_EQ(reply.status, 200) << method << " " << where << ": " << reply.body;
    return answer.is_object() && answer.contains("value") ? answer["value"] : json();
  }

  int port_;
  std::string session_;
};

}  // namespace certnn::test
