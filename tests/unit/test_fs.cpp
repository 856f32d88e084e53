// FileWriter: buffered small pieces, written-through large ones and kernel copies of another file's range
// land in order, byte for byte, as do positioned writes from several threads; errors name the file.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "tinyforge/util/fs.h"

using namespace tinyforge;

namespace {

struct TempDir {
  fs::path path;
  explicit TempDir(const fs::path& parent) {
    std::string tmpl = (parent / "tinyforge-fs-test-XXXXXX").string();
    path = ::mkdtemp(tmpl.data()) ? fs::path(tmpl) : fs::path();
  }
  ~TempDir() {
    std::error_code ec;
    if (!path.empty()) fs::remove_all(path, ec);
  }
};

std::string pattern(size_t n, unsigned seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + seed * 7 + (i >> 9)) & 0xFF);
  return s;
}

// Writes pieces of every size class and copies ranges of `source` (which may be on another file system:
// then copy_file_range fails and the writer reads and writes instead) into `target`; checks the bytes.
void write_and_copy(const fs::path& source, const fs::path& target) {
  const std::string big = pattern(3 << 20, 1);  // spans several copy and buffer sizes
  write_new_file(source, big);
  const int fd = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  std::string expected;
  FileWriter out(target);
  auto add = [&](const std::string& piece) {
    out.write(piece.data(), piece.size());
    expected += piece;
  };
  auto copy = [&](uint64_t offset, uint64_t size) {
    out.copy_from(fd, offset, size);
    expected += big.substr(offset, size);
  };
  add("header");
  copy(5, 100);                                                // after buffered bytes
  add(pattern(70 << 10, 2));                                   // written through
  for (int i = 0; i < 40; ++i) add(pattern(40 << 10, 3 + i));  // fills and flushes the buffer
  copy(1 << 20, (2 << 20) - 3);
  add("x");
  copy(0, 0);
  copy(big.size() - 1, 1);
  out.finish();
  ::close(fd);
  EXPECT_EQ(read_file(target), expected);
}

}  // namespace

TEST(FileWriter, PiecesAndCopiesLandInOrder) {
  TempDir dir(fs::temp_directory_path());
  ASSERT_FALSE(dir.path.empty());
  write_and_copy(dir.path / "source", dir.path / "target");
}

TEST(FileWriter, SmallPiecesPastTheWritebackRangeLandOnce) {
  // A buffer flush that completes a 64 MiB writeback range used to start a writeback that flushed the same
  // buffer again (and again): every piece must land exactly once, durable or not.
  for (const bool durable : {false, true}) {
    set_durable_writes(durable);
    TempDir dir(fs::temp_directory_path());
    std::string expected;
    {
      FileWriter out(dir.path / "target");
      const std::string piece = pattern(48 << 10, durable ? 5 : 6);
      while (expected.size() < (65u << 20)) {
        out.write(piece.data(), piece.size());
        expected += piece;
      }
      out.finish();
    }
    EXPECT_EQ(read_file(dir.path / "target"), expected) << "durable " << durable;
  }
  set_durable_writes(true);
}

TEST(FileWriter, PositionedWritesFromThreadsLandWhereTheySay) {
  TempDir dir(fs::temp_directory_path());
  const std::string big = pattern((1 << 20) + 3, 7);
  write_new_file(dir.path / "source", big);
  const int fd = ::open((dir.path / "source").c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  // 64 pieces of 16 KiB, odd ones copied from the source at a shifted offset, written by 4 threads in
  // reverse order.
  constexpr size_t kPiece = 16 << 10, kPieces = 64;
  std::string expected(kPiece * kPieces, '\0');
  {
    FileWriter out(dir.path / "target");
    std::vector<std::thread> threads;
    for (size_t t = 0; t < 4; ++t)
      threads.emplace_back([&, t] {
        for (size_t i = kPieces - 1 - t; i < kPieces; i -= 4) {
          if (i % 2)
            out.copy_at(i * kPiece, fd, i * kPiece + 3, kPiece);
          else
            out.write_at(i * kPiece, big.data() + i * kPiece, kPiece);
          if (i < 4) break;
        }
      });
    for (auto& t : threads) t.join();
    out.finish();
  }
  for (size_t i = 0; i < kPieces; ++i)
    expected.replace(i * kPiece, kPiece, big.substr(i * kPiece + (i % 2 ? 3 : 0), kPiece));
  ::close(fd);
  EXPECT_EQ(read_file(dir.path / "target"), expected);
}

TEST(FileWriter, CopiesFromAnotherFileSystem) {
  if (!fs::is_directory("/dev/shm")) GTEST_SKIP() << "no /dev/shm to copy from";
  TempDir shm("/dev/shm"), dir(fs::temp_directory_path());
  ASSERT_FALSE(shm.path.empty());
  ASSERT_FALSE(dir.path.empty());
  write_and_copy(shm.path / "source", dir.path / "target");
}

TEST(FileWriter, CopyNewFileKeepsBytesAndPermissions) {
  TempDir dir(fs::temp_directory_path());
  const std::string bytes = pattern(100'000, 9);
  write_new_file(dir.path / "a", bytes);
  fs::permissions(dir.path / "a", fs::perms::owner_read | fs::perms::owner_exec);
  copy_new_file(dir.path / "a", dir.path / "b");
  EXPECT_EQ(read_file(dir.path / "b"), bytes);
  EXPECT_EQ(fs::status(dir.path / "b").permissions(), fs::perms::owner_read | fs::perms::owner_exec);
}

TEST(FileWriter, ErrorsNameTheFile) {
  TempDir dir(fs::temp_directory_path());
  try {
    FileWriter out(dir.path / "missing" / "f");
    FAIL() << "opened a file in a missing folder";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("missing/f"), std::string::npos) << e.what();
  }
  // A source shorter than the range asked for.
  write_new_file(dir.path / "short", "12345");
  const int fd = ::open((dir.path / "short").c_str(), O_RDONLY | O_CLOEXEC);
  FileWriter out(dir.path / "target");
  EXPECT_THROW(out.copy_from(fd, 2, 10), std::runtime_error);
  ::close(fd);
  // /dev/full: every write fails with ENOSPC, and the message says what to do.
  if (fs::exists("/dev/full")) {
    try {
      FileWriter full("/dev/full");
      const std::string piece = pattern(1 << 20, 4);
      full.write(piece.data(), piece.size());
      full.finish();
      FAIL() << "wrote to /dev/full";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("free space"), std::string::npos) << e.what();
    }
  }
}
