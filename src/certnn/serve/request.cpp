#include "certnn/serve/request.hpp"

#include <cmath>
#include <nlohmann/json.hpp>


namespace certnn::serve {
namespace {

using nlohmann::json;

// Objects and arrays nested deeper than this are refused before parsing: a valid body nests three
// deep ({"inputs":[[...]]}), and a bound keeps a body of brackets from costing a deep parse.
constexpr int kMaxDepth = 8;
// Names from the body are quoted in messages only this far.
constexpr std::size_t kMaxQuoted = 40;

Rejection reject(std::string reason, std::string message, int status = 400) {
  return Rejection{status, std::move(reason), std::move(message)};
}

// The nesting depth of brackets outside strings, stopping as soon as it passes kMaxDepth.
bool nested_too_deep(std::string_view body) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (const char c : body) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxDepth) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

std::string quoted(const std::string& name) {
  if (name.size() <= kMaxQuoted) return "'" + name + "'";
  std::size_t cut = kMaxQuoted;
  while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) --cut;  // a UTF-8 boundary
  std::string shortened = "'";  // appended piecewise: GCC 12 misreads "'" + std::string as overlapping copies
  shortened.append(name, 0, cut).append("...'");
  return shortened;
}

const char* type_word(const json& value) {
  switch (value.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::string: return "a string";
    case json::value_t::array: return "an array";
    case json::value_t::object: return "an object";
    case json::value_t::binary: return "binary data";
    case json::value_t::discarded: return "nothing";
    default: return "a number";
  }
}

// nlohmann's message without its "[json.exception.parse_error.101] " prefix.
std::string parse_message(const json::exception& error) {
  std::string message = error.what();
  if (const auto end = message.find("] "); message.rfind("[json.exception", 0) == 0 && end != std::string::npos)
    message.erase(0, end + 2);
  return message;
}

// Reads one input into `column`; `where` names it in messages ("input 2, " or "").
std::optional<Rejection> read_input(const json& value, const RequestLimits& limits, const std::string& where,
                                    Eigen::Ref<Eigen::VectorXd> column) {
  const std::string what = where.empty() ? "'input'" : where;
  if (!value.is_array())
    return reject("wrong_type", what + " must be an array of numbers, not " + type_word(value));
  if (static_cast<std::int64_t>(value.size()) != limits.input_size)
    return reject("wrong_shape", what + " has " + std::to_string(value.size()) + " elements; the model takes " +
                                     std::to_string(limits.input_size));
  for (std::size_t i = 0; i < value.size(); ++i) {
    const json& element = value[i];
    const std::string at = what + ", element " + std::to_string(i);
    if (!element.is_number()) return reject("wrong_type", at + " is " + type_word(element) + ", not a number");
    const double x = element.get<double>();
    if (!std::isfinite(x)) return reject("not_finite", at + " is beyond the range of a double");
    if (limits.domain && !(limits.domain->lower <= x && x <= limits.domain->upper))
      return reject("outside_domain", at + " = " + element.dump() + " is outside the model's domain [" +
                                          json(limits.domain->lower).dump() + ", " +
                                          json(limits.domain->upper).dump() + "]");
    column(static_cast<Eigen::Index>(i)) = x;
  }
  if (limits.max_norm) {
    const double norm = column.norm();
    if (!(norm <= *limits.max_norm))
      return reject("norm_too_large", what + " has L2 norm " + json(norm).dump() + ", above the limit " +
                                          json(*limits.max_norm).dump());
  }
  return std::nullopt;
}

std::optional<Rejection> read_flag(const json& body, const char* name, bool& flag) {
  const auto it = body.find(name);
  if (it == body.end()) return std::nullopt;
  if (!it->is_boolean())
    return reject("wrong_type", std::string("'") + name + "' must be true or false, not " + type_word(*it));
  flag = it->get<bool>();
  return std::nullopt;
}

}  // namespace

const std::vector<std::string>& rejection_reasons() {
  static const std::vector<std::string> reasons = {
      "body_too_large", "empty_body",     "malformed_json", "too_deep",    "not_an_object",
      "unknown_field",  "missing_input",  "ambiguous_input", "wrong_type", "wrong_shape",
      "too_many_inputs", "not_finite",    "outside_domain", "norm_too_large"};
  return reasons;
}

std::variant<PredictRequest, Rejection> parse_predict_request(std::string_view body, const RequestLimits& limits) {
  if (body.size() > limits.max_body)
    return reject("body_too_large",
                  "the body has " + std::to_string(body.size()) + " bytes; the limit is " +
                      std::to_string(limits.max_body),
                  413);
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return reject("empty_body", "the body is empty; send {\"input\":[...]} as JSON");
  if (nested_too_deep(body))
    return reject("too_deep", "the body nests arrays or objects more than " + std::to_string(kMaxDepth) + " deep");
  json parsed;
  try {
    parsed = json::parse(body.begin(), body.end());
  } catch (const json::parse_error& error) {
    return reject("malformed_json", "malformed JSON: " + parse_message(error));
  } catch (const json::out_of_range& error) {
    // nlohmann refuses numbers beyond the double range (1e400) while parsing.
    return reject("not_finite", "a number is beyond the range of a double: " + parse_message(error));
  } catch (const json::exception& error) {
    return reject("malformed_json", "malformed JSON: " + parse_message(error));
  }
  if (!parsed.is_object())
    return reject("not_an_object", std::string("the body must be a JSON object, not ") + type_word(parsed));
  for (const auto& [key, value] : parsed.items())
    if (key != "input" && key != "inputs" && key != "certify" && key != "radius")
      return reject("unknown_field", "unknown field " + quoted(key) + "; known: input, inputs, certify, radius");

  PredictRequest request;
  if (auto refused = read_flag(parsed, "certify", request.certify)) return *refused;
  if (auto refused = read_flag(parsed, "radius", request.radius)) return *refused;
  const bool one = parsed.contains("input"), many = parsed.contains("inputs");
  if (one && many) return reject("ambiguous_input", "give either 'input' or 'inputs', not both");
  if (!one && !many) return reject("missing_input", "the body has no 'input' (one input) or 'inputs' (a list)");
  if (one) {
    request.inputs.resize(limits.input_size, 1);
    if (auto refused = read_input(parsed["input"], limits, "", request.inputs.col(0))) return *refused;
    return request;
  }
  const json& list = parsed["inputs"];
  request.batch = true;
  if (!list.is_array())
    return reject("wrong_type", std::string("'inputs' must be an array of inputs, not ") + type_word(list));
  if (list.empty()) return reject("wrong_shape", "'inputs' is empty");
  if (static_cast<std::int64_t>(list.size()) > limits.max_inputs)
    return reject("too_many_inputs", "'inputs' holds " + std::to_string(list.size()) + " inputs; the limit is " +
                                         std::to_string(limits.max_inputs));
  request.inputs.resize(limits.input_size, static_cast<Eigen::Index>(list.size()));
  for (std::size_t k = 0; k < list.size(); ++k)
    if (auto refused = read_input(list[k], limits, "input " + std::to_string(k), request.inputs.col(k)))
      return *refused;
  return request;
}

}  // namespace certnn::serve
