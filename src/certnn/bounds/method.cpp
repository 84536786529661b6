#include "certnn/bounds/method.hpp"

#include "certnn/bounds/affine.hpp"
#include "certnn/bounds/crown.hpp"
#include "certnn/bounds/doubleton.hpp"
#include "certnn/bounds/ibp.hpp"
#include "certnn/bounds/sample.hpp"
#include "certnn/core/error.hpp"

namespace certnn::bounds {

std::vector<std::string> method_names() { return {"ibp", "affine", "doubleton", "crown", "alpha-crown", "sample"}; }

std::unique_ptr<Method> make_method(std::string_view name) {
  if (name == "ibp") return std::make_unique<IbpMethod>();
  if (name == "affine") return std::make_unique<AffineMethod>();
  if (name == "doubleton") return std::make_unique<DoubletonMethod>();
  if (name == "crown") return std::make_unique<CrownMethod>();
  if (name == "alpha-crown") return std::make_unique<AlphaCrownMethod>();
  if (name == "sample") return std::make_unique<SampleMethod>();
  std::string known;
  for (const auto& n : method_names()) known += (known.empty() ? "" : ", ") + n;
  throw Error("unknown bound method '" + std::string(name) + "' (known: " + known + ")");
}

}  // namespace certnn::bounds
