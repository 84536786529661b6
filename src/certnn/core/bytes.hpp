// A flat byte encoding of numbers, text and Eigen arrays, for messages between processes of one
// machine type (the ranks of an MPI job): native byte order, sizes as 64-bit counts, no padding.
// Reading past the end, or a count larger than what is left, throws certnn::Error, so a damaged
// message is an error, never a read out of bounds.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace certnn {

class ByteWriter {
 public:
  template <class T>
  requires std::is_arithmetic_v<T>
  void put(T value) { append(&value, sizeof value); }
  void put(std::string_view text) {
    put(static_cast<std::uint64_t>(text.size()));
    append(text.data(), text.size());
  }
  template <class Scalar, int Rows, int Cols, int Options>
  void put(const Eigen::Matrix<Scalar, Rows, Cols, Options>& matrix) {
    put(static_cast<std::uint64_t>(matrix.rows()));
    put(static_cast<std::uint64_t>(matrix.cols()));
    append(matrix.data(), sizeof(Scalar) * static_cast<std::size_t>(matrix.size()));
  }
  template <class T>
  void put(const std::vector<T>& items) {
    put(static_cast<std::uint64_t>(items.size()));
    for (const T& item : items) put(item);
  }

  std::string take() { return std::move(bytes_); }

 private:
  void append(const void* data, std::size_t size) { bytes_.append(static_cast<const char*>(data), size); }
  std::string bytes_;
};

// Reads bytes it does not own: they must outlive the reader (a temporary string is refused).
class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) : bytes_(bytes) {}
  explicit ByteReader(std::string&&) = delete;

  template <class T>
  requires std::is_arithmetic_v<T>
  T get() {
    T value;
    copy(&value, sizeof value);
    return value;
  }
  std::string get_text() {
    const std::size_t size = count(1);
    std::string text(bytes_.substr(position_, size));
    position_ += size;
    return text;
  }
  template <class Matrix>
  Matrix get_matrix() {
    using Scalar = typename Matrix::Scalar;
    const auto rows = static_cast<Eigen::Index>(get<std::uint64_t>());
    const auto cols = static_cast<Eigen::Index>(count(0));
    if (rows > 0 && static_cast<std::size_t>(cols) > left() / sizeof(Scalar) / static_cast<std::size_t>(rows))
      fail();
    Matrix matrix(rows, cols);
    copy(matrix.data(), sizeof(Scalar) * static_cast<std::size_t>(matrix.size()));
    return matrix;
  }
  // A count of items each at least `item_size` bytes long (0: no check), checked against what is left.
  std::size_t count(std::size_t item_size) {
    const auto n = get<std::uint64_t>();
    if (item_size > 0 && n > left() / item_size) fail();
    return static_cast<std::size_t>(n);
  }
  bool done() const { return position_ == bytes_.size(); }

 private:
  std::size_t left() const { return bytes_.size() - position_; }
  void copy(void* out, std::size_t size) {
    if (size > left()) fail();
    if (size > 0) std::memcpy(out, bytes_.data() + position_, size);
    position_ += size;
  }
  [[noreturn]] static void fail();

  std::string_view bytes_;
  std::size_t position_ = 0;
};

}  // namespace certnn
