// The CSV readers. The first byte picks the reader and its options, the rest is the file:
//   byte % 4 == 0  numeric CSV (data/csv), expected columns none, 1, 2 or 3
//              1  labelled CSV (data/labelled_csv), label column first, last, second or third,
//                 with or without a class count
//              2  VNN-COMP instances list (verify/instances)
//              3  VNN-COMP expected answers (verify/instances)
// What a reader accepts must keep its documented promises (finite values, labels in range,
// positive finite timeouts, answers sat or unsat).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <sstream>
#include <string>

#include "certnn/data/csv.hpp"
#include "certnn/data/labelled_csv.hpp"
#include "certnn/verify/instances.hpp"
#include "fuzz_support.hpp"

namespace {

using certnn::fuzz::Split;

void numeric(unsigned option, std::string_view text) {
  std::istringstream in{std::string(text)};
  const std::optional<std::int64_t> columns =
      option % 4 == 0 ? std::nullopt : std::optional<std::int64_t>(option % 4);
  const certnn::data::CsvTable table = certnn::data::read_csv_table(in, "fuzz.csv", columns);
  CERTNN_FUZZ_CHECK(table.values.allFinite());
  CERTNN_FUZZ_CHECK(table.line_numbers.size() == static_cast<std::size_t>(table.values.rows()));
  if (columns) CERTNN_FUZZ_CHECK(table.values.cols() == *columns);
  for (std::size_t row = 1; row < table.line_numbers.size(); ++row)
    CERTNN_FUZZ_CHECK(table.line_numbers[row - 1] < table.line_numbers[row]);
}

void labelled(unsigned option, std::string_view text) {
  std::istringstream in{std::string(text)};
  certnn::data::LabelledCsvOptions options;
  constexpr std::int64_t kLabelColumns[] = {0, -1, 1, 2};
  options.label_column = kLabelColumns[option % 4];
  if ((option / 4) % 2 == 1) options.classes = 10;
  const certnn::data::Dataset dataset = certnn::data::read_labelled_csv(in, "fuzz.csv", options);
  CERTNN_FUZZ_CHECK(dataset.inputs.allFinite());
  CERTNN_FUZZ_CHECK(dataset.labels.size() == static_cast<std::size_t>(dataset.size()));
  CERTNN_FUZZ_CHECK(certnn::element_count(dataset.sample_shape) == dataset.inputs.rows());
  if (options.classes) CERTNN_FUZZ_CHECK(dataset.classes == *options.classes);
  for (const std::int64_t label : dataset.labels) CERTNN_FUZZ_CHECK(label >= 0 && label < dataset.classes);
}

void instances(std::string_view text) {
  const auto rows = certnn::verify::parse_instances(text, "instances.csv");
  CERTNN_FUZZ_CHECK(!rows.empty());
  for (const certnn::verify::Instance& row : rows) {
    CERTNN_FUZZ_CHECK(!row.onnx.empty() && !row.vnnlib.empty());
    CERTNN_FUZZ_CHECK(std::isfinite(row.timeout_seconds) && row.timeout_seconds > 0);
    CERTNN_FUZZ_CHECK(row.line >= 1);
  }
}

void expected(std::string_view text) {
  for (const auto& [key, verdict] : certnn::verify::parse_expected(text, "expected.csv"))
    CERTNN_FUZZ_CHECK(verdict == certnn::verify::Verdict::Sat || verdict == certnn::verify::Verdict::Unsat);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Split input = certnn::fuzz::split_choice(data, size, 256);
  const unsigned reader = input.choice % 4, option = input.choice / 4;
  certnn::fuzz::refuse_only_with_error([&] {
    switch (reader) {
      case 0: numeric(option, input.payload); break;
      case 1: labelled(option, input.payload); break;
      case 2: instances(input.payload); break;
      case 3: expected(input.payload); break;
    }
  });
  return 0;
}
