// ONNX importer on arbitrary bytes: a ModelProto that parses, or anything protobuf rejects, must
// give a network whose shapes fit together or a certnn::Error.
#include <cstddef>
#include <cstdint>
#include <string>

#include "certnn/onnx/importer.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  certnn::fuzz::refuse_only_with_error([&] {
    const certnn::model::Network network = certnn::onnx::import_model_bytes(bytes, "fuzz.onnx");
    CERTNN_FUZZ_CHECK(network.input_size() >= 0);
    CERTNN_FUZZ_CHECK(network.output_size() >= 0);
    for (certnn::model::ValueId value = 0; value < network.value_count(); ++value)
      CERTNN_FUZZ_CHECK(network.size(value) >= 0);
  });
  return 0;
}
