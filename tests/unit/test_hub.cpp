// hub/objects and hub/store: git object names, path and id rules, and the server store's commit semantics
// (stale parentCommit rejected with the branch untouched, pull requests from a parent, commits onto
// refs/pr/N).
#include <gtest/gtest.h>
#include <unistd.h>

#include "tinyforge/hub/objects.h"
#include "tinyforge/hub/store.h"
#include "tinyforge/hub/xet.h"

using namespace tinyforge;
using namespace tinyforge::hub;

TEST(HubObjects, GitBlobSha1IsGitHashObject) {
  // `printf 'hello\n' | git hash-object --stdin`
  EXPECT_EQ(git_blob_sha1("hello\n"), "ce013625030ba8dba906f756967f9e9ca394464a");
  // `git hash-object /dev/null`
  EXPECT_EQ(git_blob_sha1(""), "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
}

TEST(HubObjects, PathsAndRepoIds) {
  for (const char* ok : {"config.json", "bert/model.safetensors", "a.b/c-d_e"})
    EXPECT_TRUE(valid_repo_path(ok)) << ok;
  for (const char* bad : {"", "/etc/passwd", "../x", "a/../b", "a//b", "./a", "a/.git/config", "a\\b", "a/"})
    EXPECT_FALSE(valid_repo_path(bad)) << bad;
  EXPECT_FALSE(valid_repo_path(std::string("a\0b", 3)));
  EXPECT_TRUE(valid_repo_id("tf/tiny-random-BertModel-sharded"));
  for (const char* bad : {"tf", "tf/a/b", "../x", "tf/..", "tf/-x", "tf/x.", "t f/x", "/x"})
    EXPECT_FALSE(valid_repo_id(bad)) << bad;
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("tinyforge-store-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    store_ = std::make_unique<RepoStore>(root_);
    ASSERT_TRUE(store_->create("me/r"));
  }
  void TearDown() override { fs::remove_all(root_); }

  Change add(const std::string& path, const std::string& bytes) {
    const std::string sha = sha256_hex(bytes);
    EXPECT_TRUE(store_->put_blob("me/r", sha, bytes));
    return {Change::kAdd, path, sha};
  }
  std::vector<std::string> files_at(const std::string& revision) {
    std::vector<std::string> out;
    for (const auto& f : store_->read_commit("me/r", *store_->resolve("me/r", revision))->files)
      out.push_back(f.path);
    return out;
  }

  fs::path root_;
  std::unique_ptr<RepoStore> store_;
};

TEST_F(StoreTest, BlobsMustMatchTheirSha256) {
  EXPECT_FALSE(store_->put_blob("me/r", sha256_hex("a"), "b"));
  EXPECT_FALSE(store_->has_blob("me/r", sha256_hex("a")));
}

TEST_F(StoreTest, StaleParentCommitIsRejectedAndTheBranchStays) {
  const std::string first = store_->commit("me/r", "main", "one", {add("a.txt", "a")}, false).id;
  const std::string second = store_->commit("me/r", "main", "two", {add("b.txt", "b")}, false, first).id;
  EXPECT_THROW(store_->commit("me/r", "main", "stale", {add("c.txt", "c")}, false, first), CommitConflict);
  EXPECT_EQ(*store_->resolve("me/r", "main"), second);
  EXPECT_EQ(files_at("main"), (std::vector<std::string>{"a.txt", "b.txt"}));
}

TEST_F(StoreTest, PullRequestStartsAtParentCommitAndTakesFurtherCommits) {
  const std::string first = store_->commit("me/r", "main", "one", {add("a.txt", "a")}, false).id;
  store_->commit("me/r", "main", "two", {{Change::kDelete, "a.txt", ""}}, false);
  CommitResult pr = store_->commit("me/r", "main", "from one", {add("c.txt", "c")}, true, first);
  EXPECT_EQ(pr.pr_number, 1);
  EXPECT_EQ(pr.pr_ref, "refs/pr/1");
  EXPECT_EQ(files_at("refs/pr/1"), (std::vector<std::string>{"a.txt", "c.txt"}));
  EXPECT_EQ(files_at("main"), std::vector<std::string>{});
  store_->commit("me/r", "refs/pr/1", "more", {add("d.txt", "d")}, false);
  EXPECT_EQ(files_at("refs/pr/1"), (std::vector<std::string>{"a.txt", "c.txt", "d.txt"}));
  EXPECT_FALSE(fs::exists(root_ / "models" / "me" / "r" / "refs" / "heads" / "refs"));
  auto record = store_->pull_request("me/r", 1);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->title, "from one");
  EXPECT_EQ(record->base, "main");
}

TEST_F(StoreTest, OpenPullRequestNumbersAndStartsAtTheBranchHead) {
  const std::string head = store_->commit("me/r", "main", "one", {add("a.txt", "a")}, false).id;
  EXPECT_EQ(store_->open_pull_request("me/r", "main", "t1", ""), 1);
  EXPECT_EQ(store_->open_pull_request("me/r", "main", "t2", "d"), 2);
  EXPECT_EQ(*store_->resolve("me/r", "refs/pr/2"), head);
  EXPECT_EQ(store_->pull_request("me/r", 2)->description, "d");
  EXPECT_FALSE(store_->pull_request("me/r", 3));
  EXPECT_THROW(store_->open_pull_request("me/r", "nope", "t", ""), std::invalid_argument);
}

TEST_F(StoreTest, BadChangesLeaveTheBranch) {
  const std::string head = *store_->resolve("me/r", "main");
  EXPECT_THROW(store_->commit("me/r", "main", "m", {{Change::kDelete, "missing.txt", ""}}, false),
               std::invalid_argument);
  EXPECT_THROW(
      store_->commit("me/r", "main", "m", {{Change::kAdd, "x.txt", sha256_hex("never stored")}}, false),
      std::invalid_argument);
  EXPECT_EQ(*store_->resolve("me/r", "main"), head);
}

namespace {
std::string le(uint64_t v, size_t bytes) {
  std::string out;
  for (size_t i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return out;
}
// An LZ4 frame (magic, FLG: version 1 + independent blocks, BD, header checksum byte) around `blocks`.
std::string frame(const std::string& blocks) {
  return le(0x184D2204, 4) + std::string("\x60\x40\x00", 3) + blocks + le(0, 4);
}
}  // namespace

TEST(HubXet, HashStringsReverseEachEightByteGroup) {
  std::string bytes;
  for (int i = 0; i < 32; ++i) bytes.push_back(static_cast<char>(i));
  // Bytes 0..31: each 8-byte group as a little-endian u64 (the specification's example; its printed string
  // drops the "10" of the third group).
  EXPECT_EQ(xet::hash_hex(bytes), "07060504030201000f0e0d0c0b0a090817161514131211101f1e1d1c1b1a1918");
  EXPECT_TRUE(xet::valid_hash_hex(std::string(64, 'a')));
  EXPECT_FALSE(xet::valid_hash_hex(std::string(64, 'A')));
  EXPECT_FALSE(xet::valid_hash_hex("../" + std::string(61, 'a')));
}

TEST(HubXet, Lz4FrameBlocks) {
  // A compressed block: 3 literals "abc", then a 9-byte match at offset 3 (overlapping), then literals "XY".
  const std::string block = std::string(
                                "\x35"
                                "abc",
                                4) +
                            le(3, 2) + "\x20XY";
  EXPECT_EQ(xet::lz4_frame_decode(frame(le(block.size(), 4) + block), 100), "abcabcabcabcXY");
  // A stored block (high bit of the size), then a compressed one reaching back into it.
  const std::string stored = le(0x80000000u | 4, 4) + "wxyz";
  const std::string back = std::string("\x04", 1) + le(4, 2);  // no literals, 8-byte match at offset 4
  EXPECT_EQ(xet::lz4_frame_decode(frame(stored + le(back.size(), 4) + back), 100), "wxyzwxyzwxyz");
  EXPECT_THROW(xet::lz4_frame_decode(frame(le(block.size(), 4) + block), 10), std::invalid_argument);
  const std::string far = std::string(
                              "\x10"
                              "a",
                              2) +
                          le(5, 2);  // offset beyond the output
  EXPECT_THROW(xet::lz4_frame_decode(frame(le(far.size(), 4) + far), 100), std::invalid_argument);
  EXPECT_THROW(xet::lz4_frame_decode("\x04\x22\x4d\x18\x60", 100), std::invalid_argument);
  EXPECT_THROW(xet::lz4_frame_decode(frame(le(50, 4) + "short"), 100), std::invalid_argument);
}

TEST(HubXet, XorbChunksStoredAndByteGrouped) {
  auto header = [](size_t stored, int scheme, size_t size) {
    return std::string(1, '\0') + le(stored, 3) + std::string(1, static_cast<char>(scheme)) + le(size, 3);
  };
  // Byte grouping of "ABCDabcd12": byte 0 of each 4-byte group first, then byte 1, ... ("Aa1Bb2CcDd").
  const std::string grouped = frame(le(0x80000000u | 10, 4) + "Aa1Bb2CcDd");
  const std::string bytes = header(5, 0, 5) + "hello" + header(grouped.size(), 2, 10) + grouped;
  xet::Xorb plain(bytes);
  ASSERT_EQ(plain.chunks(), 2u);
  EXPECT_EQ(plain.chunk(0), "hello");
  EXPECT_EQ(plain.chunk(1), "ABCDabcd12");
  // With a metadata footer (its length is the final u32), the chunks are the same.
  xet::Xorb footed(bytes + std::string(12, '\x7f') + le(12, 4));
  EXPECT_EQ(footed.chunks(), 2u);
  EXPECT_EQ(footed.chunk(1), "ABCDabcd12");
  EXPECT_THROW(xet::Xorb(header(9, 0, 9) + "short"), std::invalid_argument);
  EXPECT_THROW(xet::Xorb(header(5, 0, 4) + "hello"), std::invalid_argument);  // stored != size, uncompressed
}

TEST(HubXet, ShardFileInfoAndReconstruction) {
  const std::string xorb_hash(32, '\x02');
  std::string shard = std::string(32, '\0') + le(2, 8) + le(0, 8);                          // header
  shard += std::string(32, '\x01') + le(0xC0000000u, 4) + le(1, 4) + std::string(8, '\0');  // file, 1 term
  shard += xorb_hash + le(0, 4) + le(10, 4) + le(0, 4) + le(2, 4);                          // chunks [0, 2)
  shard += std::string(32, '\x03') + std::string(16, '\0');                                 // verification
  shard += std::string(32, '\x04') + std::string(16, '\0');  // sha256 extension
  shard += std::string(32, '\xff') + std::string(16, '\0');  // bookend
  auto files = xet::parse_shard(shard);
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].file_hash, "0101010101010101010101010101010101010101010101010101010101010101");
  ASSERT_EQ(files[0].terms.size(), 1u);
  EXPECT_EQ(files[0].terms[0].xorb, "0202020202020202020202020202020202020202020202020202020202020202");
  EXPECT_EQ(files[0].terms[0].size, 10u);
  EXPECT_EQ(files[0].sha256, "0404040404040404040404040404040404040404040404040404040404040404");
  auto header = [](size_t n) { return std::string(1, '\0') + le(n, 3) + std::string(1, '\0') + le(n, 3); };
  const xet::Xorb parsed(header(4) + "0123" + header(6) + "456789" + header(2) + "ab");
  EXPECT_EQ(xet::reconstruct(files[0], [&](const std::string&) -> const xet::Xorb& { return parsed; }),
            "0123456789");
  files[0].terms[0].size = 11;
  EXPECT_THROW(xet::reconstruct(files[0], [&](const std::string&) -> const xet::Xorb& { return parsed; }),
               std::invalid_argument);
  EXPECT_THROW(xet::parse_shard(shard.substr(0, 100)), std::invalid_argument);
  EXPECT_THROW(xet::parse_shard(std::string(32, '\0') + le(3, 8) + le(0, 8)), std::invalid_argument);
}
