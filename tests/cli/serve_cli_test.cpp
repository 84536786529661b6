// certnn serve over real HTTP on loopback: every status code, every validation reason, malformed
// bodies, certificates against the library's CROWN bounds, the budget, metrics and shutdown.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "certnn/attack/radius.hpp"
#include "certnn/bounds/method.hpp"
#include "certnn/model/forward.hpp"
#include "certnn/onnx/importer.hpp"
#include "cli_fixture.hpp"
#include "serve_process.hpp"

namespace certnn {
namespace {

using nlohmann::json;
using test::http;
using test::HttpReply;
using test::ServeProcess;

fs::path digits_model() { return test::source_dir() / "examples" / "digits_mlp.onnx"; }
Eigen::MatrixXd digits_rows() { return test::read_numeric_csv(test::source_dir() / "examples" / "digits_inputs.csv"); }
const std::int64_t kDigitsLabels[] = {8, 8, 9, 8, 3};

json row_json(const Eigen::MatrixXd& rows, Eigen::Index r) {
  json values = json::array();
  for (Eigen::Index i = 0; i < rows.cols(); ++i) values.push_back(rows(r, i));
  return values;
}

std::string input_body(const Eigen::MatrixXd& rows, Eigen::Index r) { return json{{"input", row_json(rows, r)}}.dump(); }

// One server for the tests that only send requests.
class Serve : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    log_ = fs::temp_directory_path() / ("certnn_serve_" + std::to_string(::getpid()) + ".log");
    server_ = new ServeProcess({digits_model().string(), "--eps", "0.01", "--max-norm", "7", "--max-body", "65536",
                                "--max-inputs", "8", "--budget-ms", "5000"},
                               log_);
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    std::error_code ignored;
    fs::remove(log_, ignored);
    fs::remove(log_.string() + ".err", ignored);
  }
  void SetUp() override { ASSERT_GT(server_->port(), 0) << server_->output() << server_->errors(); }
  static int port() { return server_->port(); }

  // A refusal: the status, a JSON body {"error": message, "reason": reason}.
  static void expect_refused(const HttpReply& reply, int status, const std::string& reason) {
    EXPECT_EQ(reply.status, status) << reply.body;
    const json body = json::parse(reply.body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << reply.body;
    EXPECT_EQ(body.value("reason", ""), reason) << reply.body;
    EXPECT_FALSE(body.value("error", "").empty()) << reply.body;
    EXPECT_EQ(reply.header("Content-Type"), "application/json");
  }

  static inline ServeProcess* server_ = nullptr;
  static inline fs::path log_;
};

TEST_F(Serve, HealthAndModelDescription) {
  const HttpReply health = http(port(), "GET", "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(json::parse(health.body), (json{{"status", "ok"}}));
  const HttpReply model = http(port(), "GET", "/v1/model");
  ASSERT_EQ(model.status, 200);
  const json m = json::parse(model.body);
  EXPECT_EQ(m["input_size"], 64);
  EXPECT_EQ(m["classes"], 10);
  EXPECT_EQ(m["domain"], json::array({0.0, 1.0}));
  EXPECT_EQ(m["certificate"]["method"], "crown");
  EXPECT_EQ(m["certificate"]["eps"], 0.01);
  EXPECT_EQ(m["max_batch"], 64);
  EXPECT_TRUE(m["guard"].is_null());
}

TEST_F(Serve, PredictionsAndScoresAreTheForwardPass) {
  const auto rows = digits_rows();
  const model::Network network = onnx::import_model(digits_model().string());
  for (Eigen::Index r = 0; r < rows.rows(); ++r) {
    const HttpReply reply = http(port(), "POST", "/v1/predict", input_body(rows, r));
    ASSERT_EQ(reply.status, 200) << reply.body;
    const json answer = json::parse(reply.body);
    EXPECT_EQ(answer["prediction"], kDigitsLabels[r]);
    const Eigen::VectorXd expected = model::forward(network, Eigen::MatrixXd(rows.row(r).transpose()));
    ASSERT_EQ(answer["scores"].size(), 10u);
    for (Eigen::Index j = 0; j < 10; ++j) EXPECT_EQ(answer["scores"][j].get<double>(), expected(j));
    EXPECT_EQ(answer["trusted"], true);
    EXPECT_EQ(answer["reasons"], json::array());
  }
}

TEST_F(Serve, CertificateIsTheLibrarysCrownBoundOfTheMargins) {
  const auto rows = digits_rows();
  const model::Network network = onnx::import_model(digits_model().string());
  const auto crown = bounds::make_sound_method("crown", "test");
  for (const double eps : {0.01}) {
    for (Eigen::Index r = 0; r < rows.rows(); ++r) {
      const HttpReply reply = http(port(), "POST", "/v1/predict", input_body(rows, r));
      ASSERT_EQ(reply.status, 200) << reply.body;
      const json c = json::parse(reply.body)["certificate"];
      const model::Network margins = attack::margin_network(network, kDigitsLabels[r]);
      const Eigen::VectorXd x = rows.row(r).transpose();
      const double lowest =
          crown->propagate(margins, bounds::linf_ball(x, eps, bounds::Domain{}), {}).output.lower.minCoeff();
      EXPECT_EQ(c["margin_lower"].get<double>(), lowest);
      EXPECT_EQ(c["certified"], lowest > 0.0);
      EXPECT_EQ(c["eps"], eps);
      EXPECT_EQ(c["norm"], "linf");
      EXPECT_EQ(c["method"], "crown");
      EXPECT_GE(c["seconds"].get<double>(), 0.0);
      // A sound margin bound is below the margin at the point itself.
      const Eigen::VectorXd y = model::forward(network, Eigen::MatrixXd(x));
      double margin = std::numeric_limits<double>::infinity();
      for (Eigen::Index j = 0; j < y.size(); ++j)
        if (j != kDigitsLabels[r]) margin = std::min(margin, y(kDigitsLabels[r]) - y(j));
      EXPECT_LE(lowest, margin);
    }
  }
}

TEST_F(Serve, CertificateIsTighterThanTheBoundsCommandsOutputBox) {
  // certnn bounds gives a box around the outputs; the margin of the box is a looser lower bound
  // of the same margins, so the server's (which bounds the differences) may not be below it.
  const auto rows = digits_rows();
  const std::string command = shell_quote(CERTNN_CLI) + " bounds " + shell_quote(digits_model().string()) +
                              " --input " + shell_quote((test::source_dir() / "examples" / "digits_inputs.csv").string()) +
                              " --eps 0.01 --method crown --json";
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string out;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  ASSERT_EQ(::pclose(pipe), 0) << out;
  const json per_input = json::parse(out)["inputs"];
  ASSERT_EQ(per_input.size(), 5u) << out.substr(0, 400);
  for (Eigen::Index r = 0; r < rows.rows(); ++r) {
    const json& box = per_input[static_cast<std::size_t>(r)]["methods"]["crown"];
    const auto label = static_cast<std::size_t>(kDigitsLabels[r]);
    double box_margin = std::numeric_limits<double>::infinity();
    for (std::size_t j = 0; j < 10; ++j)
      if (j != label) box_margin = std::min(box_margin, box["lower"][label].get<double>() - box["upper"][j].get<double>());
    const json c = json::parse(http(port(), "POST", "/v1/predict", input_body(rows, r)).body)["certificate"];
    EXPECT_GE(c["margin_lower"].get<double>(), box_margin);
  }
}

TEST_F(Serve, BatchesAnswerInOrderAndRadiusBracketsTheCertificate) {
  const auto rows = digits_rows();
  json inputs = json::array();
  for (Eigen::Index r = 0; r < rows.rows(); ++r) inputs.push_back(row_json(rows, r));
  const HttpReply reply = http(port(), "POST", "/v1/predict", json{{"inputs", inputs}, {"radius", true}}.dump());
  ASSERT_EQ(reply.status, 200) << reply.body;
  const json results = json::parse(reply.body)["results"];
  ASSERT_EQ(results.size(), 5u);
  for (std::size_t r = 0; r < 5; ++r) {
    EXPECT_EQ(results[r]["prediction"], kDigitsLabels[r]);
    const json& radius = results[r]["certificate"]["radius"];
    ASSERT_TRUE(radius.is_object()) << results[r];
    const double certified = radius["certified"];
    EXPECT_GT(certified, 0.0);
    if (!radius["attacked"].is_null()) {
      EXPECT_LE(certified, radius["attacked"].get<double>());
    }
    // Certified at eps means the radius search proves at least about eps (to its 1% tolerance).
    if (results[r]["certificate"]["certified"] == true) {
      EXPECT_GE(certified, 0.0099);
    }
  }
  const HttpReply single = http(port(), "POST", "/v1/predict", json{{"inputs", {row_json(rows, 0)}}}.dump());
  EXPECT_EQ(json::parse(single.body)["results"].size(), 1u);
}

TEST_F(Serve, PredictWithoutCertificateIsNotTrusted) {
  const auto rows = digits_rows();
  const HttpReply reply =
      http(port(), "POST", "/v1/predict", json{{"input", row_json(rows, 0)}, {"certify", false}}.dump());
  ASSERT_EQ(reply.status, 200);
  const json answer = json::parse(reply.body);
  EXPECT_FALSE(answer.contains("certificate"));
  EXPECT_EQ(answer["trusted"], false);
  EXPECT_EQ(answer["reasons"], json::array({"no_certificate"}));
}

TEST_F(Serve, EveryValidationReason) {
  const auto rows = digits_rows();
  const json good = row_json(rows, 0);
  json outside = good, negative = good;
  outside[3] = 1.5;
  negative[63] = -0.25;
  json too_long = good;
  too_long.push_back(0.0);
  json nine;
  for (int k = 0; k < 9; ++k) nine.push_back(good);
  std::string huge = good.dump();
  huge.replace(1, huge.find(',') - 1, "1e400");
  const json ones = std::vector<double>(64, 1.0);  // L2 norm 8, above --max-norm 7
  struct Case {
    std::string body;
    int status;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {std::string(70000, ' '), 413, "body_too_large"},
      {"", 400, "empty_body"},
      {"  \n", 400, "empty_body"},
      {"{\"input\":[0.1,", 400, "malformed_json"},
      {std::string(20, '[') + std::string(20, ']'), 400, "too_deep"},
      {"[1,2,3]", 400, "not_an_object"},
      {json{{"input", good}, {"label", 3}}.dump(), 400, "unknown_field"},
      {"{}", 400, "missing_input"},
      {json{{"input", good}, {"inputs", {good}}}.dump(), 400, "ambiguous_input"},
      {json{{"input", "0.1,0.2"}}.dump(), 400, "wrong_type"},
      {json{{"input", good}, {"radius", "yes"}}.dump(), 400, "wrong_type"},
      {json{{"input", too_long}}.dump(), 400, "wrong_shape"},
      {json{{"inputs", json::array()}}.dump(), 400, "wrong_shape"},
      {json{{"inputs", nine}}.dump(), 400, "too_many_inputs"},
      {"{\"input\":" + huge + "}", 400, "not_finite"},
      {json{{"input", outside}}.dump(), 400, "outside_domain"},
      {json{{"inputs", {good, negative}}}.dump(), 400, "outside_domain"},
      {json{{"input", ones}}.dump(), 400, "norm_too_large"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body.substr(0, 120));
    expect_refused(http(port(), "POST", "/v1/predict", c.body), c.status, c.reason);
  }
  // Messages name the place.
  const json refused = json::parse(http(port(), "POST", "/v1/predict", json{{"inputs", {good, negative}}}.dump()).body);
  EXPECT_NE(refused["error"].get<std::string>().find("input 1, element 63"), std::string::npos) << refused;
}

TEST_F(Serve, HeldOutMalformedBodiesAreAll4xx) {
  const auto rows = digits_rows();
  const std::string good = input_body(rows, 0);
  const std::vector<std::string> bodies = {
      good.substr(0, good.size() / 2),                        // truncated
      good.substr(0, good.size() - 1),                        // the closing brace missing
      "{\"input\":[" + std::string(64 * 2 - 1, ',') + "]}",   // commas only
      "{\"input\":[NaN" + std::string(63 * 2, ',') + "]}",    // NaN as text
      "{\"input\":[Infinity]}", "{\"input\":[\"0.5\"]}",       // strings for numbers
      "{\"input\":[[0.1],[0.2]]}",                            // nested arrays
      "{\"inputs\":[[[0.1]]]}", "{\"inputs\":[0.1,0.2]}",     // one level too deep, too shallow
      "{\"input\":[true,false]}", "{\"input\":null}", "{\"input\":{}}", "null", "true", "42", "\"input\"",
      "{\"input\":[1e999999999999]}", "{\"input\":[-1e309]}", "{\"input\":[123456789012345678901234567890]}",
      "{\"input\":[0x10]}", "{\"input\":[.5]}", "{\"input\":[+1]}", "{\"input\":[1.]}",
      "input=0.1,0.2",                                        // a form, not JSON
      "\xff\xfe{\x00\"\x00i\x00",                              // UTF-16 with a byte-order mark
      "{\"inp\xc3\x28ut\":[0.1]}",                             // invalid UTF-8 in a key
      "{\"input\":[0.1]} trailing",
      "{\"input\":[0.1]}{\"input\":[0.2]}",
      "{\"input\": [" + std::string(100000, '[') + "]}",      // deep, and over --max-body
      std::string(1000, '{'),
      "\x1f\x8b\x08\x00\x00\x00\x00\x00",                     // gzip bytes
      "{\"radius\":true}",
  };
  for (const auto& body : bodies) {
    SCOPED_TRACE(body.substr(0, 80));
    const HttpReply reply = http(port(), "POST", "/v1/predict", body);
    EXPECT_GE(reply.status, 400) << reply.body;
    EXPECT_LT(reply.status, 500) << reply.body;
    const json answer = json::parse(reply.body, nullptr, false);
    ASSERT_TRUE(answer.is_object()) << reply.body;
    EXPECT_TRUE(answer.contains("error"));
  }
  // Wrong content types are read for what the body is.
  const HttpReply form = test::raw_http(port(), test::http_request("POST", "/v1/predict", "a=1", "application/x-www-form-urlencoded"));
  expect_refused(form, 400, "malformed_json");
  const HttpReply plain = test::raw_http(port(), test::http_request("POST", "/v1/predict", good, "text/plain"));
  EXPECT_EQ(plain.status, 200);
  EXPECT_EQ(http(port(), "GET", "/healthz").status, 200) << "the server survived";
}

TEST_F(Serve, StatusCodesOfPathsAndMethods) {
  expect_refused(http(port(), "GET", "/v2/predict"), 404, "not_found");
  expect_refused(http(port(), "POST", "/nothing/here", "{}"), 404, "not_found");
  const HttpReply get_predict = http(port(), "GET", "/v1/predict");
  expect_refused(get_predict, 405, "method_not_allowed");
  EXPECT_EQ(get_predict.header("Allow"), "POST");
  const HttpReply post_model = http(port(), "POST", "/v1/model", "{}");
  expect_refused(post_model, 405, "method_not_allowed");
  EXPECT_EQ(post_model.header("Allow"), "GET");
  expect_refused(http(port(), "DELETE", "/healthz"), 405, "method_not_allowed");
  expect_refused(http(port(), "PUT", "/v1/predict", "{}"), 405, "method_not_allowed");
  // A body over --max-body is refused by its Content-Length, whatever it holds.
  expect_refused(http(port(), "POST", "/v1/predict", std::string(2 << 20, 'x')), 413, "body_too_large");
  const HttpReply page = http(port(), "GET", "/");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("/v1/predict"), std::string::npos);
  EXPECT_EQ(page.body.find("http://"), std::string::npos) << "the page loads nothing from elsewhere";
  EXPECT_EQ(page.body.find("https://"), std::string::npos);
}

TEST_F(Serve, MetricsCountRequestsRejectionsAndCertificates) {
  const auto rows = digits_rows();
  http(port(), "POST", "/v1/predict", input_body(rows, 1));
  http(port(), "POST", "/v1/predict", "{\"input\":[2]}");
  http(port(), "GET", "/no/such");
  const HttpReply metrics = http(port(), "GET", "/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.header("Content-Type").rfind("text/plain", 0), 0u);
  const std::string& m = metrics.body;
  const auto value = [&](const std::string& sample) {
    const auto at = m.find("\n" + sample + " ");
    return at == std::string::npos ? -1.0 : std::stod(m.substr(at + sample.size() + 2));
  };
  EXPECT_GE(value("certnn_requests_total{path=\"/v1/predict\",status=\"200\"}"), 1.0) << m;
  EXPECT_GE(value("certnn_requests_total{path=\"/v1/predict\",status=\"400\"}"), 1.0) << m;
  EXPECT_GE(value("certnn_requests_total{path=\"other\",status=\"404\"}"), 1.0) << m;
  EXPECT_GE(value("certnn_rejected_inputs_total{reason=\"wrong_shape\"}"), 1.0) << m;
  EXPECT_GE(value("certnn_rejected_inputs_total{reason=\"norm_too_large\"}"), 0.0) << "listed before it happens";
  EXPECT_GE(value("certnn_predict_seconds_count"), 1.0);
  EXPECT_EQ(value("certnn_predict_seconds_count"), value("certnn_predict_seconds_bucket{le=\"+Inf\"}"));
  EXPECT_GE(value("certnn_certify_seconds_count"), 1.0);
  EXPECT_GE(value("certnn_certificates_total{outcome=\"certified\"}"), 1.0);
  const double fraction = value("certnn_certified_fraction");
  EXPECT_GT(fraction, 0.0);
  EXPECT_LE(fraction, 1.0);
  EXPECT_NE(m.find("# TYPE certnn_predict_seconds histogram"), std::string::npos);
  // Every predicted input went through a forward pass, joined with others or not.
  EXPECT_GE(value("certnn_forward_passes_total"), 1.0);
  EXPECT_GE(value("certnn_forward_inputs_total"), value("certnn_forward_passes_total"));
}

// A budget too short for the certificates of a batch: each answer has its prediction, and those
// whose certificate did not finish say so.
TEST(ServeBudget, UnfinishedCertificatesAreNullWithTheReason) {
  const fs::path log = fs::temp_directory_path() / ("certnn_serve_budget_" + std::to_string(::getpid()));
  ServeProcess server({digits_model().string(), "--budget-ms", "1", "--threads", "1", "--method", "alpha-crown"}, log);
  ASSERT_GT(server.port(), 0) << server.errors();
  const auto rows = digits_rows();
  json inputs = json::array();
  for (int k = 0; k < 200; ++k) inputs.push_back(row_json(rows, k % rows.rows()));
  const HttpReply reply = http(server.port(), "POST", "/v1/predict", json{{"inputs", inputs}}.dump());
  ASSERT_EQ(reply.status, 200) << reply.body;
  const json results = json::parse(reply.body)["results"];
  ASSERT_EQ(results.size(), 200u);
  int unfinished = 0;
  for (std::size_t k = 0; k < results.size(); ++k) {
    EXPECT_EQ(results[k]["prediction"], kDigitsLabels[k % 5]);
    const json& c = results[k]["certificate"];
    if (!c["certified"].is_null()) continue;
    ++unfinished;
    EXPECT_NE(c["reason"].get<std::string>().find("budget of 1 ms"), std::string::npos) << c;
    EXPECT_EQ(results[k]["trusted"], false);
    EXPECT_EQ(results[k]["reasons"], json::array({"certificate_unfinished"}));
  }
  EXPECT_GT(unfinished, 0);
  EXPECT_EQ(server.stop(SIGTERM), std::optional<int>(0));
  std::error_code ignored;
  fs::remove(log, ignored);
  fs::remove(log.string() + ".err", ignored);
}

// SIGTERM and SIGINT: a request in flight (its body half sent) is answered, then the server exits 0.
TEST(ServeShutdown, SignalsFinishTheRequestInFlightAndExitZero) {
  for (const int signal : {SIGTERM, SIGINT}) {
    SCOPED_TRACE(signal);
    const fs::path log = fs::temp_directory_path() / ("certnn_serve_stop_" + std::to_string(::getpid()));
    ServeProcess server({digits_model().string()}, log);
    ASSERT_GT(server.port(), 0) << server.errors();
    const std::string request = test::http_request("POST", "/v1/predict", input_body(digits_rows(), 0));
    const int fd = test::connect_loopback(server.port());
    ASSERT_GE(fd, 0);
    test::send_all(fd, request.substr(0, request.size() - 100));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    ::kill(server.pid(), signal);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_FALSE(server.exited()) << "stopped before answering";
    test::send_all(fd, request.substr(request.size() - 100));
    const HttpReply reply = test::read_reply(fd);
    EXPECT_EQ(reply.status, 200) << reply.body;
    EXPECT_EQ(json::parse(reply.body, nullptr, false).value("prediction", -1), 8);
    const auto status = server.stop(0);
    ASSERT_TRUE(status.has_value()) << "still running";
    EXPECT_TRUE(WIFEXITED(*status));
    EXPECT_EQ(WEXITSTATUS(*status), 0) << server.errors();
    EXPECT_EQ(test::connect_loopback(server.port()), -1) << "still listening";
    std::error_code ignored;
    fs::remove(log, ignored);
    fs::remove(log.string() + ".err", ignored);
  }
}

TEST_F(Cli, ServeRefusesWhatItCannotServe) {
  const std::string model = digits_model().string();
  expect_user_error({"serve", model, "--method", "sample", "--port", "0"}, {"not a sound bound"});
  expect_user_error({"serve", model, "--method", "nope", "--port", "0"}, {"nope"});
  expect_user_error({"serve", model, "--threads", "0"}, {"--threads"});
  expect_user_error({"serve", model, "--max-batch", "0"}, {"--max-batch"});
  expect_user_error({"serve", model, "--guard", path("missing.json").string(), "--port", "0"}, {"missing.json"});
  write("guard.json", "{\"format\":\"something else\"}");
  expect_user_error({"serve", model, "--guard", path("guard.json").string(), "--port", "0"}, {"not a certnn guard"});
  expect_user_error({"serve", path("nothing.onnx").string()}, {"nothing.onnx"});
}

}  // namespace
}  // namespace certnn
