#include "certnn/report/policy.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "certnn/bounds/method.hpp"
#include "certnn/core/error.hpp"
#include "certnn/core/real_text.hpp"
#include "certnn/core/text_file.hpp"

namespace certnn::report {
namespace {

using nlohmann::json;

class Reader {
 public:
  Reader(const json& object, std::string where) : object_(object), where_(std::move(where)) {
    if (!object_.is_object()) fail("", "must be a JSON object");
  }

  // Every key must be one of these.
  void allow(std::initializer_list<std::string_view> known) const {
    for (const auto& [key, value] : object_.items()) {
      bool found = false;
      for (auto k : known) found = found || k == key;
      if (found) continue;
      std::string list;
      for (auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      fail(key, "is not a known key (known: " + list + ")");
    }
  }

  const json* find(const std::string& key) const {
    const auto it = object_.find(key);
    return it == object_.end() ? nullptr : &*it;
  }

  std::optional<double> number(const std::string& key, double lo, double hi, std::string_view range) const {
    const json* value = find(key);
    if (!value) return std::nullopt;
    if (!value->is_number()) fail(key, "must be a number");
    const double x = value->get<double>();
    if (!(std::isfinite(x) && x >= lo && x <= hi)) fail(key, "must be " + std::string(range) + "; got " + format_real(x));
    return x;
  }

  std::optional<std::int64_t> count(const std::string& key, std::int64_t lo) const {
    const json* value = find(key);
    if (!value) return std::nullopt;
    if (!value->is_number_integer() || value->get<std::int64_t>() < lo)
      fail(key, "must be a whole number >= " + std::to_string(lo));
    return value->get<std::int64_t>();
  }

  std::optional<std::string> text(const std::string& key) const {
    const json* value = find(key);
    if (!value) return std::nullopt;
    if (!value->is_string() || value->get<std::string>().empty()) fail(key, "must be a non-empty string");
    return value->get<std::string>();
  }

  bool flag(const std::string& key) const {
    const json* value = find(key);
    if (!value) return false;
    if (!value->is_boolean()) fail(key, "must be true or false");
    return value->get<bool>();
  }

  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw Error(where_ + (key.empty() ? "" : ": \"" + key + "\"") + " " + what);
  }

 private:
  const json& object_;
  std::string where_;
};

constexpr double kHuge = 1e300;

}  // namespace

Policy parse_policy(std::string_view text, const std::string& source) {
  json document;
  try {
    document = json::parse(text);
  } catch (const json::parse_error& e) {
    throw Error(source + ": not valid JSON: " + e.what());
  }
  const Reader top(document, source);
  top.allow({"data", "eps", "norm", "method", "limit", "radius_limit", "test_fraction", "seed", "steps", "restarts",
             "gradient_tolerance", "checks"});
  Policy policy;
  if (const auto data = top.text("data")) policy.data = *data;
  policy.eps = top.number("eps", 0.0, kHuge, "a number >= 0");
  if (const auto norm = top.text("norm")) {
    if (*norm == "linf" || *norm == "inf") {
      policy.norm = attack::Norm::Linf;
    } else if (*norm == "l2" || *norm == "2") {
      policy.norm = attack::Norm::L2;
    } else {
      top.fail("norm", "must be \"linf\" or \"l2\"; got \"" + *norm + "\"");
    }
  }
  if (const auto method = top.text("method")) {
    try {
      bounds::make_sound_method(*method, "check");
    } catch (const Error& e) {
      top.fail("method", std::string("is not usable: ") + e.what());
    }
    policy.method = *method;
  }
  policy.limit = top.count("limit", 1);
  if (const auto n = top.count("radius_limit", 1)) policy.radius_limit = *n;
  if (const auto f = top.number("test_fraction", 0.0, 1.0, "in [0, 1]")) policy.test_fraction = *f;
  if (const auto s = top.count("seed", 0)) policy.seed = static_cast<std::uint64_t>(*s);
  if (const auto s = top.count("steps", 1)) policy.steps = static_cast<int>(std::min<std::int64_t>(*s, 100000));
  if (const auto r = top.count("restarts", 1)) policy.restarts = static_cast<int>(std::min<std::int64_t>(*r, 1000));
  if (const auto t = top.number("gradient_tolerance", 1e-12, 1.0, "in [1e-12, 1]")) policy.gradient_tolerance = *t;

  const json* checks = top.find("checks");
  if (!checks) top.fail("checks", "is missing: a policy without checks would pass any model");
  const Reader c(*checks, source + ": \"checks\"");
  c.allow({"finite_weights", "gradient_check", "max_condition_number", "max_lipschitz_upper", "min_clean_accuracy",
           "min_pgd_accuracy", "min_certified_accuracy", "min_median_certified_radius"});
  PolicyChecks& k = policy.checks;
  k.finite_weights = c.flag("finite_weights");
  k.gradient_check = c.flag("gradient_check");
  k.max_condition_number = c.number("max_condition_number", 1.0, kHuge, "a number >= 1");
  k.max_lipschitz_upper = c.number("max_lipschitz_upper", 0.0, kHuge, "a number >= 0");
  k.min_clean_accuracy = c.number("min_clean_accuracy", 0.0, 1.0, "in [0, 1]");
  k.min_pgd_accuracy = c.number("min_pgd_accuracy", 0.0, 1.0, "in [0, 1]");
  k.min_certified_accuracy = c.number("min_certified_accuracy", 0.0, 1.0, "in [0, 1]");
  k.min_median_certified_radius = c.number("min_median_certified_radius", 0.0, kHuge, "a number >= 0");

  const bool any = k.finite_weights || k.gradient_check || k.max_condition_number || k.max_lipschitz_upper ||
                   k.min_clean_accuracy || k.min_pgd_accuracy || k.min_certified_accuracy ||
                   k.min_median_certified_radius;
  if (!any) top.fail("checks", "names no check to run: a policy without checks would pass any model");
  if ((k.min_pgd_accuracy || k.min_certified_accuracy) && !policy.eps)
    top.fail("eps", "is missing: min_pgd_accuracy and min_certified_accuracy are measured over balls of radius eps");
  if (k.needs_data() && policy.data.empty())
    top.fail("data", "is missing: the accuracy, radius and gradient checks run on its test split");
  return policy;
}

Policy read_policy(const std::string& path) { return parse_policy(read_text_file(path), path); }

}  // namespace certnn::report
