#include "certnn/data/idx.hpp"

#include <zlib.h>

#include <array>
#include <limits>
#include <memory>
#include <span>

#include "certnn/core/error.hpp"

namespace certnn::data {
namespace {

constexpr std::uint8_t kUnsignedByteType = 0x08;

struct GzFileCloser {
  void operator()(gzFile file) const { gzclose(file); }
};
using GzFile = std::unique_ptr<std::remove_pointer_t<gzFile>, GzFileCloser>;

// Reads up to `size` bytes; returns how many were read. A gzip stream that is corrupt or cut
// short is an error, not a short read, so it is reported as such.
std::size_t read_bytes(gzFile file, const std::string& path, std::uint8_t* out, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(size - done, 1u << 30));
    const int got = gzread(file, out + done, chunk);
    if (got < 0) {
      int code = 0;
      throw ParseError(path + ": cannot be read: " + gzerror(file, &code));
    }
    if (got == 0) break;
    done += static_cast<std::size_t>(got);
  }
  int code = Z_OK;
  const char* message = gzerror(file, &code);
  // Z_BUF_ERROR: the gzip stream ended in the middle (a truncated .gz file).
  if (code != Z_OK && code != Z_STREAM_END) throw ParseError(path + ": corrupt gzip data: " + message);
  return done;
}

std::string hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text = "0x";
  for (std::uint8_t byte : bytes) text += {kDigits[byte >> 4], kDigits[byte & 15]};
  return text;
}

std::uint32_t big_endian(const std::uint8_t* bytes) {
  return (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) | (std::uint32_t{bytes[2]} << 8) |
         std::uint32_t{bytes[3]};
}

}  // namespace

IdxArray read_idx(const std::string& path, std::int64_t expected_rank) {
  GzFile file(gzopen(path.c_str(), "rb"));
  if (!file) throw Error(path + ": cannot open the file");

  std::array<std::uint8_t, 4> magic{};
  if (read_bytes(file.get(), path, magic.data(), magic.size()) != magic.size())
    throw ParseError(path + ": not an IDX file (shorter than its 4-byte magic number)");
  if (magic[0] != 0 || magic[1] != 0)
    throw ParseError(path + ": not an IDX file (bad magic number " + hex(magic) + ")");
  if (magic[2] != kUnsignedByteType)
    throw Unsupported(path + ": IDX data type " + hex(std::span(magic).subspan(2, 1)) +
                      " is not supported (only unsigned bytes, 0x08)");
  const std::int64_t rank = magic[3];
  if (rank != expected_rank)
    throw ParseError(path + ": IDX file has " + std::to_string(rank) + " dimensions, expected " +
                     std::to_string(expected_rank));

  std::vector<std::uint8_t> header(static_cast<std::size_t>(rank) * 4);
  if (read_bytes(file.get(), path, header.data(), header.size()) != header.size())
    throw ParseError(path + ": truncated IDX header");
  IdxArray array;
  for (std::int64_t d = 0; d < rank; ++d) array.dims.push_back(big_endian(header.data() + 4 * d));
  std::int64_t count = 0;
  try {
    count = element_count(array.dims);
  } catch (const ShapeError&) {
    throw ParseError(path + ": IDX dimensions " + to_string(array.dims) + " exceed the limit of " +
                     std::to_string(kMaxTensorElements) + " elements");
  }

  // Reserved address space is not memory until written, and reading in pieces writes no more
  // than the file holds, so a header claiming more costs little before the truncation is found.
  array.values.reserve(static_cast<std::size_t>(count));
  constexpr std::size_t kPiece = std::size_t{1} << 22;
  std::size_t done = 0;
  while (done < static_cast<std::size_t>(count)) {
    const std::size_t want = std::min(kPiece, static_cast<std::size_t>(count) - done);
    array.values.resize(done + want);
    const std::size_t got = read_bytes(file.get(), path, array.values.data() + done, want);
    done += got;
    if (got < want)
      throw ParseError(path + ": truncated: the header " + to_string(array.dims) + " declares " +
                       std::to_string(count) + " values, the file holds " + std::to_string(done));
  }
  std::uint8_t extra = 0;
  if (read_bytes(file.get(), path, &extra, 1) != 0)
    throw ParseError(path + ": more data than the header " + to_string(array.dims) + " declares (" +
                     std::to_string(count) + " values)");
  return array;
}

void write_idx(const std::string& path, const IdxArray& array, bool compress) {
  const std::int64_t count = element_count(array.dims);
  if (count != static_cast<std::int64_t>(array.values.size()) || array.dims.size() > 255)
    throw ShapeError(path + ": IDX dimensions " + to_string(array.dims) + " do not match " +
                     std::to_string(array.values.size()) + " values");
  // "T" writes without compression through the same interface.
  GzFile file(gzopen(path.c_str(), compress ? "wb6" : "wbT"));
  if (!file) throw Error(path + ": cannot create the file");
  std::vector<std::uint8_t> header = {0, 0, kUnsignedByteType, static_cast<std::uint8_t>(array.dims.size())};
  for (std::int64_t dim : array.dims) {
    if (dim > std::numeric_limits<std::uint32_t>::max()) throw ShapeError(path + ": IDX dimension too large");
    for (int shift = 24; shift >= 0; shift -= 8) header.push_back(static_cast<std::uint8_t>(dim >> shift));
  }
  const auto write = [&](const std::uint8_t* bytes, std::size_t size) {
    while (size > 0) {
      const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(size, 1u << 30));
      if (gzwrite(file.get(), bytes, chunk) != static_cast<int>(chunk)) throw Error(path + ": write error");
      bytes += chunk;
      size -= chunk;
    }
  };
  write(header.data(), header.size());
  write(array.values.data(), array.values.size());
  if (gzclose(file.release()) != Z_OK) throw Error(path + ": write error");
}

Dataset read_idx_dataset(const std::string& images_path, const std::string& labels_path, const std::string& name,
                         std::int64_t classes) {
  const IdxArray images = read_idx(images_path, 3);
  const IdxArray labels = read_idx(labels_path, 1);
  if (images.dims[0] != labels.dims[0])
    throw ParseError(images_path + " holds " + std::to_string(images.dims[0]) + " images but " + labels_path +
                     " holds " + std::to_string(labels.dims[0]) + " labels");
  Dataset dataset;
  dataset.name = name;
  dataset.sample_shape = {1, images.dims[1], images.dims[2]};
  dataset.classes = classes;
  const std::int64_t samples = images.dims[0], pixels = images.dims[1] * images.dims[2];
  dataset.inputs.resize(pixels, samples);
  const std::uint8_t* source = images.values.data();
  double* target = dataset.inputs.data();  // column-major: sample after sample, as in the file
  for (std::int64_t i = 0; i < samples * pixels; ++i) target[i] = source[i] / 255.0;
  dataset.labels.resize(static_cast<std::size_t>(samples));
  for (std::int64_t i = 0; i < samples; ++i) {
    const std::int64_t label = labels.values[static_cast<std::size_t>(i)];
    if (label >= classes)
      throw ParseError(labels_path + ": label " + std::to_string(label) + " of sample " + std::to_string(i) +
                       " is not below the " + std::to_string(classes) + " classes");
    dataset.labels[static_cast<std::size_t>(i)] = label;
  }
  return dataset;
}

}  // namespace certnn::data
