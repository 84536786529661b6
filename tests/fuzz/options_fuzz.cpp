// The option parsers of the CLI that read free text. The first byte picks the parser and its
// setting, the rest is the text:
//   byte % 3 == 0  --label given as a string (a class, "pred", or a file name) for 0..7 input rows
//              1  --label given as a labels file holding the text, for 0..7 input rows
//              2  --arch (train/architecture) for samples of 1..3 channels of 1..12 x 1..12
// A label list that is accepted has one class per row, each among the model's outputs; an
// architecture that is accepted builds a network of the requested input and output sizes.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "certnn/train/architecture.hpp"
#include "fuzz_support.hpp"
#include "labels.hpp"

namespace {

using certnn::fuzz::Split;

constexpr std::int64_t kClasses = 3;

const certnn::model::Network& small_network() {
  static const certnn::model::Network network =
      certnn::train::to_network(certnn::train::build_architecture("mlp:4x1", {2}, kClasses, 1));
  return network;
}

Eigen::MatrixXd rows_for(unsigned option) {
  const Eigen::Index count = option % 8;
  Eigen::MatrixXd rows(count, 2);
  for (Eigen::Index r = 0; r < count; ++r) rows.row(r) << 0.25 * static_cast<double>(r), -0.5;
  return rows;
}

void check_labels(const std::vector<std::int64_t>& labels, const Eigen::MatrixXd& rows) {
  CERTNN_FUZZ_CHECK(labels.size() == static_cast<std::size_t>(rows.rows()));
  for (const std::int64_t label : labels) CERTNN_FUZZ_CHECK(label >= 0 && label < kClasses);
}

void label_string(unsigned option, std::string_view text) {
  const std::string spec(text);
  // A spec that names a file is read; keep the fuzzer to names in the working folder (where it
  // writes nothing) instead of letting it read /proc or /dev.
  if (spec.find('/') != std::string::npos || spec.find('\0') != std::string::npos) return;
  const Eigen::MatrixXd rows = rows_for(option);
  check_labels(certnn::cli::resolve_labels(spec, small_network(), rows), rows);
}

class TemporaryFile {
 public:
  TemporaryFile() {
    const char* dir = std::getenv("TMPDIR");
    path_ = std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/certnn-fuzz-labels-XXXXXX";
    const int fd = mkstemp(path_.data());
    if (fd < 0) {
      std::perror("mkstemp");
      std::abort();
    }
    close(fd);
  }
  ~TemporaryFile() { unlink(path_.c_str()); }
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;

  void write(std::string_view text) const {
    std::FILE* file = std::fopen(path_.c_str(), "wb");
    if (file == nullptr || std::fwrite(text.data(), 1, text.size(), file) != text.size() || std::fclose(file) != 0) {
      std::perror(path_.c_str());
      std::abort();
    }
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void label_file(unsigned option, std::string_view text) {
  static const TemporaryFile file;
  file.write(text);
  const Eigen::MatrixXd rows = rows_for(option);
  check_labels(certnn::cli::resolve_labels(file.path(), small_network(), rows), rows);
}

// Whether a WxD spec asks for more than a million weights: such networks are valid requests whose
// cost is the user's choice, not parser behaviour, and would only slow the fuzzer down.
bool too_large(const std::string& spec) {
  const auto colon = spec.find(':'), times = spec.find('x', colon == std::string::npos ? 0 : colon);
  if (colon == std::string::npos || times == std::string::npos) return false;
  const auto number = [](std::string_view digits) {
    double value = 0;
    for (const char c : digits) {
      if (c < '0' || c > '9') return 0.0;
      value = 10 * value + (c - '0');
    }
    return value;
  };
  const double width = number(std::string_view(spec).substr(colon + 1, times - colon - 1));
  const double depth = number(std::string_view(spec).substr(times + 1));
  return width * width * depth > 1e6;
}

void architecture(unsigned option, std::string_view text) {
  const std::string spec(text);
  const bool known = certnn::train::is_network_architecture(spec);
  if (too_large(spec)) return;
  const std::int64_t channels = 1 + option % 3, side = 1 + (option / 3) % 12, classes = 2 + option % 5;
  const certnn::Shape sample{channels, side, side};
  certnn::train::TrainableNetwork trainable;
  try {
    trainable = certnn::train::build_architecture(spec, sample, classes, option);
  } catch (const certnn::Error&) {
    // Refusing a known spec is right only where the samples do not fit it (the CNNs).
    CERTNN_FUZZ_CHECK(!known || spec.rfind("cnn-", 0) == 0);
    throw;
  }
  CERTNN_FUZZ_CHECK(known);
  CERTNN_FUZZ_CHECK(trainable.classes == classes);
  CERTNN_FUZZ_CHECK(trainable.input_size() == channels * side * side);
  Eigen::Index parameters = 0;
  for (const auto& block : trainable.blocks) parameters += block.rows * block.cols;
  CERTNN_FUZZ_CHECK(parameters == trainable.parameters.size());
  const certnn::model::Network network = certnn::train::to_network(trainable);
  CERTNN_FUZZ_CHECK(network.input_size() == channels * side * side);
  CERTNN_FUZZ_CHECK(network.output_size() == classes);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Split input = certnn::fuzz::split_choice(data, size, 255);
  const unsigned parser = input.choice % 3, option = input.choice / 3;
  certnn::fuzz::refuse_only_with_error([&] {
    switch (parser) {
      case 0: label_string(option, input.payload); break;
      case 1: label_file(option, input.payload); break;
      case 2: architecture(option, input.payload); break;
    }
  });
  return 0;
}
