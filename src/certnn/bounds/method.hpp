// The one interface of every bound method, and the registry that lets the CLI, the verifier and
// the server reach each method by name (DESIGN §3).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "certnn/bounds/box.hpp"
#include "certnn/bounds/relax/activation.hpp"
#include "certnn/model/network.hpp"

namespace certnn::bounds {

// How a doubleton re-chooses its error coordinates B after each layer (the seed paper's
// strategies 1–3).
enum class DoubletonStrategy {
  Identity,   // B = I: the error part is kept as a box (interval arithmetic on it)
  Qr,         // B = Q of the QR factorisation of the propagated B
  QrPivoted,  // QR with column pivoting, columns scaled by the error widths (Lohner)
};

// Which computation the bounds enclose: the exact real-arithmetic network, or additionally any
// float32 inference engine (bounds/inference_error.hpp states the error model).
enum class Inference { Exact, Float32 };

struct Options {
  // For the empirical `sample` method: random points drawn, and the generator seed.
  std::int64_t samples = 1000;
  std::uint64_t seed = 0;
  // affine: the slope of unstable ReLUs, and the noise-symbol count above which the smallest
  // symbols are consolidated into a box.
  relax::ReluSlope relu_slope = relax::ReluSlope::MinimalArea;
  std::int64_t max_noise_symbols = 20000;
  // doubleton: the re-orthogonalisation strategy, and the largest layer width it accepts (the
  // QR factorisations cost width³ per layer: 1024 keeps one bound within seconds).
  DoubletonStrategy doubleton_strategy = DoubletonStrategy::QrPivoted;
  std::int64_t doubleton_max_width = 1024;
  Inference inference = Inference::Exact;
};

struct Result {
  Box output;  // per output element; for a sound method, every reachable output lies inside
  bool sound = true;  // false for empirical lower bounds (`sample`)
};

class Method {
 public:
  virtual ~Method() = default;
  virtual std::string_view name() const = 0;
  // The layer kinds (Kind::kind_name) the method refuses; check() refuses exactly these.
  virtual std::vector<std::string_view> refused_kinds() const = 0;
  // Throws Unsupported naming every layer of the network the method refuses, before any work.
  void check(const model::Network& network) const;
  // Encloses the outputs of the network over the input box (input.size() == input_size()).
  virtual Result propagate(const model::Network& network, const Box& input, const Options& options) const = 0;
};

// The registry: one row per method, the one list that the commands, the server and the support
// matrix (`certnn methods --matrix`) go through.
struct MethodInfo {
  std::string_view name;
  bool sound;                // false: an empirical estimate that proves nothing (`sample`)
  std::string_view summary;  // one line for `certnn methods`
  std::unique_ptr<Method> (*make)();
};
const std::vector<MethodInfo>& method_registry();

// Throws certnn::Error listing the known names for an unknown one.
const MethodInfo& method_info(std::string_view name);
std::unique_ptr<Method> make_method(std::string_view name);
std::vector<std::string> method_names();

// For uses whose answer is a certificate (radius, evaluate, serve): also refuses a method that is
// not sound, naming the sound ones; `user` starts the message ("radius").
std::unique_ptr<Method> make_sound_method(std::string_view name, std::string_view user);
std::vector<std::string> sound_method_names();

}  // namespace certnn::bounds
