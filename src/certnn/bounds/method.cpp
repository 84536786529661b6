#include "certnn/bounds/method.hpp"

#include "certnn/bounds/affine.hpp"
#include "certnn/bounds/crown.hpp"
#include "certnn/bounds/doubleton.hpp"
#include "certnn/bounds/ibp.hpp"
#include "certnn/bounds/refusals.hpp"
#include "certnn/bounds/sample.hpp"
#include "certnn/core/error.hpp"

namespace certnn::bounds {
namespace {

template <class M>
std::unique_ptr<Method> make() {
  return std::make_unique<M>();
}

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& n : names) text += (text.empty() ? "" : ", ") + n;
  return text;
}

}  // namespace

void Method::check(const model::Network& network) const { refuse_kinds(name(), refused_kinds(), network); }

const std::vector<MethodInfo>& method_registry() {
  static const std::vector<MethodInfo> registry = {
      {"ibp", true, "interval bound propagation: a box per value", make<IbpMethod>},
      {"affine", true, "affine arithmetic (zonotopes): noise symbols shared across the network", make<AffineMethod>},
      {"doubleton", true, "Lohner's doubleton sets with QR re-orthogonalisation of the errors", make<DoubletonMethod>},
      {"crown", true, "back-substitution of linear relaxations (CROWN/DeepPoly)", make<CrownMethod>},
      {"alpha-crown", true, "crown with the ReLU lower slopes optimised per neuron and output", make<AlphaCrownMethod>},
      {"sample", false, "not a bound: the hull of sampled and gradient-ascended outputs", make<SampleMethod>},
  };
  return registry;
}

std::vector<std::string> method_names() {
  std::vector<std::string> names;
  for (const MethodInfo& info : method_registry()) names.emplace_back(info.name);
  return names;
}

const MethodInfo& method_info(std::string_view name) {
  for (const MethodInfo& info : method_registry())
    if (info.name == name) return info;
  throw Error("unknown bound method '" + std::string(name) + "' (known: " + joined(method_names()) + ")");
}

std::unique_ptr<Method> make_method(std::string_view name) { return method_info(name).make(); }

std::vector<std::string> sound_method_names() {
  std::vector<std::string> names;
  for (const MethodInfo& info : method_registry())
    if (info.sound) names.emplace_back(info.name);
  return names;
}

std::unique_ptr<Method> make_sound_method(std::string_view name, std::string_view user) {
  const MethodInfo& info = method_info(name);
  if (!info.sound)
    throw Error(std::string(user) + ": method '" + std::string(name) +
                "' is not a sound bound and certifies nothing (sound methods: " + joined(sound_method_names()) + ")");
  return info.make();
}

}  // namespace certnn::bounds
