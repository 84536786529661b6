// Damaged and inconsistent input through the certnn command: each case ends in exit 1 with one
// line "certnn: ..." or in the documented correct result, never in a wrong verdict, a crash, a
// hang or a half-written file. The README's table of bad-input classes points here.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_fixture.hpp"
#include "test_support.hpp"

namespace certnn {
namespace {

const std::string kModel = (test::source_dir() / "examples" / "digits_mlp.onnx").string();
const std::string kInputs = (test::source_dir() / "examples" / "digits_inputs.csv").string();
const std::string kProperty = (test::source_dir() / "examples" / "digits_robustness_0.05.vnnlib").string();

// `text` as a gzip member; with `finish` false the stream ends after a sync flush (no final block,
// no CRC), as a writer killed mid-file leaves it.
std::string gzip(const std::string& text, bool finish) {
  z_stream stream{};
  deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&stream, text.size()) + 64, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  stream.avail_in = static_cast<uInt>(text.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  deflate(&stream, finish ? Z_FINISH : Z_SYNC_FLUSH);
  out.resize(out.size() - stream.avail_out);
  deflateEnd(&stream);
  return out;
}

// The example model with one weight of its first initializer replaced by `value`.
std::string model_with_weight(float value) {
  ::onnx::ModelProto model;
  EXPECT_TRUE(model.ParseFromString(test::read_file_bytes(kModel)));
  auto& tensor = *model.mutable_graph()->mutable_initializer(0);
  if (tensor.has_raw_data()) {
    std::string raw = tensor.raw_data();
    std::memcpy(raw.data() + 4 * sizeof(float), &value, sizeof(float));
    tensor.set_raw_data(raw);
  } else {
    tensor.set_float_data(4, value);
  }
  std::string bytes;
  EXPECT_TRUE(model.SerializeToString(&bytes));
  return bytes;
}

class BadInput : public Cli {
 protected:
  std::string property_text() const { return test::read_file_bytes(kProperty); }
  // The property cut just before its first output constraint.
  std::string property_without_outputs() const {
    const std::string text = property_text();
    return text.substr(0, text.find("(assert (or"));
  }
};

TEST_F(BadInput, CompressedPropertyCutShortIsRefusedNotAnswered) {
  const std::string text = property_text();
  ASSERT_NE(text.find("(assert (or"), std::string::npos);
  // Flushed but unfinished, and cut at several points: never a verdict, always "error" in the file.
  const std::string whole = gzip(text, true);
  const std::vector<std::string> damaged = {gzip(text, false), gzip(property_without_outputs(), false),
                                            whole.substr(0, whole.size() / 2), whole.substr(0, whole.size() - 4)};
  for (std::size_t k = 0; k < damaged.size(); ++k) {
    SCOPED_TRACE("damaged stream " + std::to_string(k));
    const auto property = write("p.vnnlib.gz", damaged[k]);
    expect_user_error({"verify", kModel, property.string(), "--result", path("result.txt").string()}, {"p.vnnlib.gz"});
    EXPECT_EQ(test::read_file_bytes(path("result.txt")), "error\n");
    expect_user_error({"bounds", kModel, "--vnnlib", property.string()}, {"p.vnnlib.gz"});
  }
  expect_user_error({"verify", kModel, write("p.vnnlib.gz", gzip(text, false)).string()}, {"cut short"});
  // The whole stream is read and proved as the plain file is.
  const RunResult r = run({"verify", kModel, write("whole.vnnlib.gz", whole).string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.substr(0, r.out.find('\n')), "unsat");
}

TEST_F(BadInput, CorruptOrForeignCompressedBytesAreNamedAsSuch) {
  std::string crc = gzip(property_text(), true);
  crc[crc.size() - 6] ^= 0x10;
  expect_user_error({"verify", kModel, write("crc.vnnlib.gz", crc).string()}, {"corrupt gzip stream"});
  expect_user_error({"verify", kModel, write("garbage.vnnlib.gz", "\x13\x37 not gzip at all").string()},
                    {"not a gzip file"});
  expect_user_error({"verify", kModel, write("trailing.vnnlib.gz", gzip(property_text(), true) + "junk").string()},
                    {"unexpected bytes after the end of the gzip stream"});
}

TEST_F(BadInput, PropertyWithoutOutputConstraintIsRefused) {
  const auto property = write("inputs_only.vnnlib", property_without_outputs());
  expect_user_error({"verify", kModel, property.string()}, {"no output constraint"});
}

TEST_F(BadInput, DeeplyNestedPropertyIsRefusedWithoutRecursingToDeath) {
  const auto property = write("deep.vnnlib", std::string(30'000, '(') + std::string(30'000, ')'));
  expect_user_error({"verify", kModel, property.string()}, {"deep.vnnlib:1:1001", "nested more than 1000 deep"});
  expect_user_error({"bounds", kModel, "--vnnlib", property.string()}, {"nested more than 1000 deep"});
}

TEST_F(BadInput, NonFiniteWeightsAreRefusedByEveryCommandButInfo) {
  for (const float value : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    SCOPED_TRACE(value);
    const std::string model = write("damaged.onnx", model_with_weight(value)).string();
    const std::string fragment = "non-finite parameters: initializer '";
    expect_user_error({"eval", model, "--input", kInputs}, {fragment});
    expect_user_error({"stability", model}, {fragment});
    expect_user_error({"bounds", model, "--input", kInputs, "--eps", "0.01"}, {fragment});
    expect_user_error({"verify", model, kProperty}, {fragment});
    expect_user_error({"radius", model, "--input", kInputs, "--label", "pred"}, {fragment});
    const RunResult info = run({"info", model, "--json"});
    ASSERT_EQ(info.exit_code, 0) << info.err;
    const auto report = nlohmann::json::parse(info.out);
    ASSERT_EQ(report["non_finite_tensors"].size(), 1u);
    EXPECT_NE(report["non_finite_tensors"][0].get<std::string>().find(std::isnan(value) ? "1 NaN" : "1 infinite"),
              std::string::npos);
  }
  const RunResult clean = run({"info", kModel, "--json"});
  EXPECT_TRUE(nlohmann::json::parse(clean.out)["non_finite_tensors"].empty());
}

TEST_F(BadInput, ThreadCountsAreBounded) {
  for (const std::string threads : {"100000", "0", "-1", "1.5"}) {
    expect_user_error({"verify", kModel, kProperty, "--threads", threads}, {"--threads"});
    expect_user_error({"suite", path("none.csv").string(), "--threads", threads}, {"--threads"});
  }
}

TEST_F(BadInput, AnEnormousTimeLimitIsNoLimitRatherThanAnOverflow) {
  const RunResult r = run({"verify", kModel, kProperty, "--timeout", "1e308"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.substr(0, r.out.find('\n')), "unsat");
}

TEST_F(BadInput, RadiusToleranceHasAFloorAndTheFinestAllowedEnds) {
  expect_user_error({"radius", kModel, "--input", kInputs, "--label", "pred", "--tolerance", "1e-16"}, {"--tolerance"});
  const auto start = std::chrono::steady_clock::now();
  const RunResult r = run({"radius", kModel, "--input", kInputs, "--label", "pred", "--method", "ibp", "--tolerance",
                           "1e-12", "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 60.0);
}

TEST_F(BadInput, CertifyingCommandsRefuseMethodsThatProveNothing) {
  expect_user_error({"radius", kModel, "--input", kInputs, "--label", "pred", "--method", "sample"},
                    {"'sample' is not a sound bound", "ibp, affine, doubleton, crown, alpha-crown"});
  expect_user_error({"evaluate", kModel, "--data", "digits", "--eps", "0.01", "--method", "sample", "--limit", "5"},
                    {"'sample' is not a sound bound"});
}

TEST_F(BadInput, ALargeRadiusSearchRangeLosesNothing) {
  std::vector<double> certified;
  for (const std::string max_eps : {"100", "1e6"}) {
    const RunResult r = run({"radius", kModel, "--input", kInputs, "--label", "pred", "--method", "ibp", "--domain",
                             "none", "--max-eps", max_eps, "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    certified.push_back(nlohmann::json::parse(r.out)["results"][0]["certified"].get<double>());
  }
  EXPECT_GT(certified[1], 0.0);
  // Both bisections stop within the default tolerance (1%) of what IBP proves.
  EXPECT_NEAR(certified[1], certified[0], 0.02 * certified[0]);
}

TEST_F(BadInput, TrainingOutputsAreCheckedBeforeTheFirstEpoch) {
  const std::vector<std::string> train = {"train", "--data", "digits", "--arch", "mlp:16x1", "--mode", "standard",
                                          "--epochs", "100000", "--quiet"};
  const auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = train;
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  const auto start = std::chrono::steady_clock::now();
  expect_user_error(with({"--out", path("missing/model.onnx").string()}), {"missing", "does not exist"});
  expect_user_error(with({"--out", path("model.onnx").string(), "--log", path("missing/log.json").string()}),
                    {"does not exist"});
  expect_user_error(with({"--out", path("model.onnx").string(), "--log", path("model.onnx").string()}),
                    {"--out and --log name the same file"});
  expect_user_error(with({"--out", dir_.string()}), {"is a folder"});
  // 100,000 epochs would take minutes: every refusal came before the first.
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 30.0);
  EXPECT_FALSE(fs::exists(path("model.onnx")));
  // A finished run leaves the model and its log and no temporary file.
  const RunResult r = run({"train", "--data", "digits", "--arch", "mlp:16x1", "--mode", "standard", "--epochs", "1",
                           "--quiet", "--out", path("model.onnx").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir_)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"model.json", "model.onnx", "stderr", "stdout"}));
}

TEST_F(BadInput, BothNormSpellingsAreReadAlike) {
  for (const std::string command : {"attack", "radius"}) {
    std::vector<std::string> results;
    for (const std::string norm : {"2", "l2"}) {
      std::vector<std::string> args = {command, kModel, "--input", kInputs, "--label", "pred", "--norm", norm, "--json"};
      if (command == "attack") args.insert(args.end(), {"--eps", "0.5"});
      if (command == "radius") args.insert(args.end(), {"--method", "ibp"});
      const RunResult r = run(args);
      ASSERT_EQ(r.exit_code, 0) << r.err;
      auto report = nlohmann::json::parse(r.out);
      EXPECT_EQ(report["norm"], "l2");
      results.push_back(report.dump());
    }
    EXPECT_EQ(results[0], results[1]) << command;
  }
  const RunResult r = run({"evaluate", kModel, "--data", "digits", "--eps", "0.01", "--norm", "inf", "--limit", "5",
                           "--attack", "none", "--method", "ibp"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  expect_user_error({"attack", kModel, "--input", kInputs, "--label", "pred", "--eps", "0.1", "--norm", "l1"}, {"--norm"});
}

TEST_F(BadInput, ATargetEqualToTheLabelIsNeverASuccess) {
  // Each example digit is predicted correctly; its own class as the target leaves nothing to attack.
  const RunResult predicted = run({"eval", kModel, "--input", kInputs, "--json"});
  ASSERT_EQ(predicted.exit_code, 0);
  const auto outputs = nlohmann::json::parse(predicted.out)["outputs"][0].get<std::vector<double>>();
  const auto label = std::max_element(outputs.begin(), outputs.end()) - outputs.begin();
  const auto one = write("one.csv", test::read_file_bytes(kInputs).substr(0, test::read_file_bytes(kInputs).find('\n') + 1));
  const RunResult r = run({"attack", kModel, "--input", one.string(), "--label", "pred", "--eps", "0.5", "--target",
                           std::to_string(label), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto report = nlohmann::json::parse(r.out);
  EXPECT_FALSE(report["results"][0]["success"].get<bool>());
  EXPECT_EQ(report["attacked_accuracy"].get<double>(), 1.0);
}

TEST_F(BadInput, FoldersAndUnreadableCsvRowsAreNamed) {
  expect_user_error({"info", dir_.string()}, {"is a directory"});
  std::string overflow = "1e400", semicolons = "0";
  for (int k = 1; k < 64; ++k) {
    overflow += ",0";
    semicolons += ";0";
  }
  expect_user_error({"eval", kModel, "--input", write("big.csv", overflow + "\n").string()},
                    {"big.csv:1:1", "outside the range of a double"});
  expect_user_error({"eval", kModel, "--input", write("semi.csv", semicolons + "\n").string()},
                    {"semi.csv:1:", "fields must be separated by commas"});
}

TEST_F(BadInput, OptionsThatWouldBeIgnoredAreRefused) {
  expect_user_error({"stability", kModel, "--eps", "0.1"}, {"--eps", "--input"});
  expect_user_error({"attack", kModel, "--input", kInputs, "--label", "pred", "--eps", "0.1", "--method", "fgsm",
                     "--steps", "10"},
                    {"--steps applies to pgd only"});
  expect_user_error({"evaluate", kModel, "--data", "digits", "--eps", "0.1", "--norm", "l2", "--method", "ibp"},
                    {"--method does not apply to --norm l2"});
  expect_user_error({"evaluate", kModel, "--data", "digits", "--eps", "0.1", "--attack", "none", "--steps", "5"},
                    {"--steps applies to --attack pgd only"});
  expect_user_error({"data", "digits", "--out", path("x.csv").string()}, {"--out", "--export"});
}

}  // namespace
}  // namespace certnn
