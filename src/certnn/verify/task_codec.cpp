#include "certnn/verify/task_codec.hpp"

#include "certnn/core/error.hpp"

namespace certnn::verify {
namespace {

template <class Item, class Read>
std::vector<Item> read_items(ByteReader& in, std::size_t least_bytes, Read read) {
  std::vector<Item> items(in.count(least_bytes));
  for (Item& item : items) item = read(in);
  return items;
}

void write_matrices(ByteWriter& out, const std::vector<Eigen::MatrixXd>& matrices) {
  out.put(static_cast<std::uint64_t>(matrices.size()));
  for (const Eigen::MatrixXd& m : matrices) out.put(m);
}

std::vector<Eigen::MatrixXd> read_matrices(ByteReader& in) {
  return read_items<Eigen::MatrixXd>(in, 16, [](ByteReader& r) { return r.get_matrix<Eigen::MatrixXd>(); });
}

}  // namespace

void write_box(ByteWriter& out, const bounds::Box& box) {
  out.put(box.lower);
  out.put(box.upper);
}

bounds::Box read_box(ByteReader& in) {
  bounds::Box box;
  box.lower = in.get_matrix<Eigen::VectorXd>();
  box.upper = in.get_matrix<Eigen::VectorXd>();
  if (box.lower.size() != box.upper.size()) throw Error("message: a box with ends of different sizes");
  return box;
}

void write_region(ByteWriter& out, const bounds::Region& region) {
  write_box(out, region.input);
  out.put(static_cast<std::uint64_t>(region.values.size()));
  for (const bounds::Box& box : region.values) write_box(out, box);
  out.put(static_cast<std::uint64_t>(region.splits.size()));
  for (const bounds::SplitSigns& signs : region.splits) out.put(signs);
  out.put(static_cast<std::int32_t>(region.inference));
  out.put(static_cast<std::uint64_t>(region.engine_error.size()));
  for (const Eigen::VectorXd& error : region.engine_error) out.put(error);
  out.put(static_cast<std::uint8_t>(region.empty));
}

bounds::Region read_region(ByteReader& in) {
  bounds::Region region;
  region.input = read_box(in);
  region.values = read_items<bounds::Box>(in, 32, read_box);
  region.splits = read_items<bounds::SplitSigns>(in, 16, [](ByteReader& r) { return r.get_matrix<bounds::SplitSigns>(); });
  const auto inference = in.get<std::int32_t>();
  if (inference != static_cast<std::int32_t>(bounds::Inference::Exact) &&
      inference != static_cast<std::int32_t>(bounds::Inference::Float32))
    throw Error("message: an unknown inference mode");
  region.inference = static_cast<bounds::Inference>(inference);
  region.engine_error =
      read_items<Eigen::VectorXd>(in, 16, [](ByteReader& r) { return r.get_matrix<Eigen::VectorXd>(); });
  region.empty = in.get<std::uint8_t>() != 0;
  return region;
}

void write_parameters(ByteWriter& out, const bounds::RelaxationParameters& parameters) {
  write_matrices(out, parameters.lower_slope);
  write_matrices(out, parameters.beta);
}

bounds::RelaxationParameters read_parameters(ByteReader& in) {
  bounds::RelaxationParameters parameters;
  parameters.lower_slope = read_matrices(in);
  parameters.beta = read_matrices(in);
  return parameters;
}

void write_flags(ByteWriter& out, const std::vector<char>& flags) {
  out.put(static_cast<std::uint64_t>(flags.size()));
  for (const char flag : flags) out.put(static_cast<std::uint8_t>(flag != 0));
}

std::vector<char> read_flags(ByteReader& in) {
  return read_items<char>(in, 1, [](ByteReader& r) { return static_cast<char>(r.get<std::uint8_t>()); });
}

void write_indices(ByteWriter& out, const std::vector<Eigen::Index>& indices) {
  out.put(static_cast<std::uint64_t>(indices.size()));
  for (const Eigen::Index i : indices) out.put(static_cast<std::int64_t>(i));
}

std::vector<Eigen::Index> read_indices(ByteReader& in) {
  return read_items<Eigen::Index>(in, 8, [](ByteReader& r) { return static_cast<Eigen::Index>(r.get<std::int64_t>()); });
}

void write_witness(ByteWriter& out, const std::optional<Witness>& witness) {
  out.put(static_cast<std::uint8_t>(witness.has_value()));
  if (!witness) return;
  out.put(witness->input);
  out.put(witness->output);
}

std::optional<Witness> read_witness(ByteReader& in) {
  if (in.get<std::uint8_t>() == 0) return std::nullopt;
  Witness witness;
  witness.input = in.get_matrix<Eigen::VectorXd>();
  witness.output = in.get_matrix<Eigen::VectorXd>();
  return witness;
}

}  // namespace certnn::verify
