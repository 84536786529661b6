// Reading text inputs: gzip streams are decoded only when whole and intact (end of stream, CRC-32
// and length checked), so a damaged file is refused rather than read as a shorter text.
#include "certnn/core/text_file.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "certnn/core/error.hpp"

namespace certnn {
namespace {

// `text` deflated into a gzip member; with `finish` false the stream stops after a sync flush,
// as a writer killed mid-file leaves it: every byte so far decodes, but there is no final block
// and no trailer.
std::string gzip(const std::string& text, bool finish = true) {
  z_stream stream{};
  EXPECT_EQ(deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&stream, text.size()) + 64, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  stream.avail_in = static_cast<uInt>(text.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&stream, finish ? Z_FINISH : Z_SYNC_FLUSH), finish ? Z_STREAM_END : Z_OK);
  out.resize(out.size() - stream.avail_out);
  deflateEnd(&stream);
  return out;
}

std::string message_of(const std::string& compressed) {
  try {
    gunzip(compressed, "p.vnnlib.gz");
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
    return e.what();
  }
  return "no error";
}

const std::string kText = "(declare-const X_0 Real)\n(assert (<= X_0 1))\n(assert (>= Y_0 0.5))\n";

TEST(Gunzip, WholeStreamsAndConcatenatedMembers) {
  EXPECT_EQ(gunzip(gzip(kText), "p.gz"), kText);
  EXPECT_EQ(gunzip(gzip(kText) + gzip("tail"), "p.gz"), kText + "tail");
  EXPECT_EQ(gunzip(gzip(""), "p.gz"), "");
}

TEST(Gunzip, StreamCutShortIsRefused) {
  // Flushed but never finished: inflate would hand out the whole text without complaint.
  EXPECT_NE(message_of(gzip(kText, false)).find("cut short"), std::string::npos);
  // Every proper prefix of a finished stream, down to the header alone.
  const std::string whole = gzip(kText);
  for (std::size_t size = 2; size < whole.size(); ++size) {
    SCOPED_TRACE(size);
    EXPECT_NE(message_of(whole.substr(0, size)), "no error");
  }
  // The second member of two cut short.
  const std::string second = gzip("tail");
  EXPECT_NE(message_of(whole + second.substr(0, second.size() - 3)).find("cut short"), std::string::npos);
}

TEST(Gunzip, DamagedTrailerOrBodyIsRefused) {
  std::string crc = gzip(kText);
  crc[crc.size() - 8] ^= 0x01;  // the CRC-32 of the trailer
  EXPECT_NE(message_of(crc).find("corrupt gzip stream"), std::string::npos);
  std::string length = gzip(kText);
  length[length.size() - 1] ^= 0x40;  // the length modulo 2^32
  EXPECT_NE(message_of(length).find("corrupt gzip stream"), std::string::npos);
  std::string body = gzip(kText);
  body[body.size() / 2] ^= 0x55;
  EXPECT_NE(message_of(body), "no error");
}

TEST(Gunzip, NonGzipBytesAreRefused) {
  EXPECT_NE(message_of("garbage bytes").find("not a gzip file"), std::string::npos);
  EXPECT_NE(message_of(gzip(kText) + "junk").find("unexpected bytes after the end"), std::string::npos);
}

class TextFile : public ::testing::Test {
 protected:
  std::string write(const std::string& name, const std::string& bytes) {
    const std::filesystem::path path = std::filesystem::path(::testing::TempDir()) / name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path.string();
  }
};

TEST_F(TextFile, PlainAndCompressedFilesReadTheSameText) {
  EXPECT_EQ(read_text_file(write("text_file_plain.vnnlib", kText)), kText);
  EXPECT_EQ(read_text_file(write("text_file_whole.vnnlib.gz", gzip(kText))), kText);
  // Compressed bytes are recognised by their header whatever the file is called.
  EXPECT_EQ(read_text_file(write("text_file_misnamed.vnnlib", gzip(kText))), kText);
}

TEST_F(TextFile, DamagedFilesAreRefusedNamingThePath) {
  const std::string cut = write("text_file_cut.vnnlib.gz", gzip(kText, false));
  EXPECT_THROW(
      {
        try {
          read_text_file(cut);
        } catch (const Error& e) {
          EXPECT_EQ(std::string(e.what()).rfind(cut + ": ", 0), 0u) << e.what();
          throw;
        }
      },
      Error);
  EXPECT_THROW(read_text_file(write("text_file_garbage.vnnlib.gz", "(declare-const X_0 Real)")), Error);
  EXPECT_THROW(read_text_file(::testing::TempDir()), Error);
  EXPECT_THROW(read_text_file("/nonexistent/p.vnnlib"), Error);
}

}  // namespace
}  // namespace certnn
