// The byte encoding of messages: what is written reads back bit for bit, and a truncated or
// damaged message is an Error, never a read out of bounds or a huge allocation.
#include "certnn/core/bytes.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "certnn/core/error.hpp"

namespace certnn {
namespace {

TEST(Bytes, EverythingWrittenReadsBackExactly) {
  Eigen::MatrixXd matrix(2, 3);
  matrix << 1.0, -0.0, std::numeric_limits<double>::denorm_min(), std::nextafter(1.0, 2.0),
      std::numeric_limits<double>::infinity(), -1e308;
  Eigen::VectorXi signs(3);
  signs << -1, 0, 1;
  ByteWriter out;
  out.put(std::int32_t{-7});
  out.put(std::uint64_t{1} << 60);
  out.put(0.1);
  out.put(std::string("two\nlines"));
  out.put(matrix);
  out.put(signs);
  out.put(Eigen::VectorXd());
  const std::string bytes = out.take();
  ByteReader in(bytes);
  EXPECT_EQ(in.get<std::int32_t>(), -7);
  EXPECT_EQ(in.get<std::uint64_t>(), std::uint64_t{1} << 60);
  EXPECT_EQ(in.get<double>(), 0.1);
  EXPECT_EQ(in.get_text(), "two\nlines");
  const Eigen::MatrixXd back = in.get_matrix<Eigen::MatrixXd>();
  ASSERT_EQ(back.rows(), 2);
  ASSERT_EQ(back.cols(), 3);
  for (Eigen::Index i = 0; i < matrix.size(); ++i)
    EXPECT_EQ(std::signbit(back.data()[i]), std::signbit(matrix.data()[i]));
  EXPECT_EQ(back, matrix);
  EXPECT_EQ(in.get_matrix<Eigen::VectorXi>(), signs);
  EXPECT_EQ(in.get_matrix<Eigen::VectorXd>().size(), 0);
  EXPECT_TRUE(in.done());
}

TEST(Bytes, TruncatedAndDamagedMessagesAreErrors) {
  ByteWriter out;
  out.put(Eigen::VectorXd::Ones(4).eval());
  const std::string bytes = out.take();
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    ByteReader in(std::string_view(bytes).substr(0, cut));
    EXPECT_THROW(in.get_matrix<Eigen::VectorXd>(), Error) << "cut at " << cut;
  }
  // A count far beyond the message is refused before anything is allocated.
  ByteWriter huge;
  huge.put(std::uint64_t{1} << 40);
  huge.put(std::uint64_t{1} << 40);
  const std::string lying = huge.take();
  ByteReader in(lying);
  EXPECT_THROW(in.get_matrix<Eigen::MatrixXd>(), Error);
  ByteReader text(lying);
  EXPECT_THROW(text.get_text(), Error);
}

}  // namespace
}  // namespace certnn
