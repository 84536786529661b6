#include "certnn/bounds/method.hpp"

#include "certnn/bounds/affine.hpp"
#include "certnn/bounds/crown.hpp"
#include "certnn/bounds/doubleton.hpp"
#include "certnn/bounds/ibp.hpp"
#include "certnn/bounds/sample.hpp"
#include "certnn/core/error.hpp"

namespace certnn::bounds {
namespace {

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& n : names) text += (text.empty() ? "" : ", ") + n;
  return text;
}

}  // namespace

std::vector<std::string> method_names() { return {"ibp", "affine", "doubleton", "crown", "alpha-crown", "sample"}; }

std::unique_ptr<Method> make_method(std::string_view name) {
  if (name == "ibp") return std::make_unique<IbpMethod>();
  if (name == "affine") return std::make_unique<AffineMethod>();
  if (name == "doubleton") return std::make_unique<DoubletonMethod>();
  if (name == "crown") return std::make_unique<CrownMethod>();
  if (name == "alpha-crown") return std::make_unique<AlphaCrownMethod>();
  if (name == "sample") return std::make_unique<SampleMethod>();
  throw Error("unknown bound method '" + std::string(name) + "' (known: " + joined(method_names()) + ")");
}

std::vector<std::string> sound_method_names() {
  std::vector<std::string> names;
  for (const std::string& name : method_names())
    if (make_method(name)->sound()) names.push_back(name);
  return names;
}

std::unique_ptr<Method> make_sound_method(std::string_view name, std::string_view user) {
  std::unique_ptr<Method> method = make_method(name);
  if (!method->sound())
    throw Error(std::string(user) + ": method '" + std::string(name) +
                "' is not a sound bound and certifies nothing (sound methods: " + joined(sound_method_names()) + ")");
  return method;
}

}  // namespace certnn::bounds
