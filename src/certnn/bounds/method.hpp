// The one interface of every bound method, and the registry that lets the CLI, the verifier and
// the server reach each method by name (DESIGN §3).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "certnn/bounds/box.hpp"
#include "certnn/model/network.hpp"

namespace certnn::bounds {

struct Options {
  // For the empirical `sample` method: random points drawn, and the generator seed.
  std::int64_t samples = 1000;
  std::uint64_t seed = 0;
};

struct Result {
  Box output;  // per output element; for a sound method, every reachable output lies inside
  bool sound = true;  // false for empirical lower bounds (`sample`)
};

class Method {
 public:
  virtual ~Method() = default;
  virtual std::string_view name() const = 0;
  // Throws Unsupported naming every layer of the network the method refuses, before any work.
  virtual void check(const model::Network& network) const = 0;
  // Encloses the outputs of the network over the input box (input.size() == input_size()).
  virtual Result propagate(const model::Network& network, const Box& input, const Options& options) const = 0;
};

// Throws certnn::Error listing the known names for an unknown one.
std::unique_ptr<Method> make_method(std::string_view name);
std::vector<std::string> method_names();

}  // namespace certnn::bounds
