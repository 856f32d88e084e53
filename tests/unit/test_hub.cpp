// hub/objects and hub/store: git object names, path and id rules, and the server store's commit semantics
// (stale parentCommit rejected with the branch untouched, pull requests from a parent, commits onto
// refs/pr/N).
#include <gtest/gtest.h>
#include <unistd.h>

#include "tinyforge/hub/commit_body.h"
#include "tinyforge/hub/objects.h"
#include "tinyforge/hub/server.h"
#include "tinyforge/hub/store.h"
#include "tinyforge/hub/xet.h"
#include "tinyforge/util/base64.h"

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
  EXPECT_TRUE(valid_hex_digest(std::string(64, 'a'), 64));
  EXPECT_FALSE(valid_hex_digest(std::string(64, 'A'), 64));
  EXPECT_FALSE(valid_hex_digest("../" + std::string(61, 'a'), 64));
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

TEST_F(StoreTest, ObjectIdsAreSha256DigestsNeverPaths) {
  // 64 characters that, used as a file name, would be /etc/passwd.
  const std::string traversal = std::string(64 - 11, '/') + "/etc/passwd";
  EXPECT_FALSE(store_->has_blob("me/r", traversal));
  EXPECT_FALSE(store_->put_blob("me/r", traversal, "x"));
  EXPECT_THROW(store_->blob_path("me/r", traversal), std::invalid_argument);
  EXPECT_THROW(store_->commit("me/r", "main", "m", {{Change::kAdd, "p.txt", traversal}}, false),
               std::invalid_argument);
  EXPECT_THROW(store_->blob_path("me/r", std::string(64, 'A')), std::invalid_argument);
}

TEST_F(StoreTest, StoredContentMustMatchItsAddressBeforeACommitNamesIt) {
  const Change c = add("a.txt", "the right bytes");
  write_file_atomic(store_->blob_path("me/r", c.sha256), "other bytes");  // changed behind the store's back
  EXPECT_THROW(store_->commit("me/r", "main", "m", {c}, false), std::invalid_argument);
}

TEST_F(StoreTest, AFileAndAFolderOfTheSameNameAreRefused) {
  const std::string head = *store_->resolve("me/r", "main");
  EXPECT_THROW(store_->commit("me/r", "main", "m", {add("ff", "f"), add("ff/x", "x")}, false),
               std::invalid_argument);
  store_->commit("me/r", "main", "m", {add("ff", "f"), add("ff-x", "x"), add("ff.d/x", "x")}, false);
  EXPECT_THROW(store_->commit("me/r", "main", "m", {add("ff/y", "y")}, false), std::invalid_argument);
  EXPECT_THROW(store_->commit("me/r", "main", "m", {add("ff-x/y", "y")}, false), std::invalid_argument);
  store_->commit("me/r", "main", "m", {{Change::kDelete, "ff", ""}, add("ff/y", "y")}, false);
  EXPECT_EQ(files_at("main"), (std::vector<std::string>{"ff-x", "ff.d/x", "ff/y"}));
  EXPECT_NE(*store_->resolve("me/r", "main"), head);
}

TEST_F(StoreTest, ParentCommitMustNameTheHeadExactly) {
  const std::string head = store_->commit("me/r", "main", "one", {add("a.txt", "a")}, false).id;
  for (const std::string& bad : {head.substr(0, 1), head.substr(0, 4), std::string("zzzzzzz"), head + "0"})
    EXPECT_THROW(store_->commit("me/r", "main", "m", {add("b.txt", "b")}, false, bad), std::invalid_argument)
        << bad;
  EXPECT_EQ(*store_->resolve("me/r", "main"), head);
  // 5 to 40 hex digits of it, either case, as huggingface_hub sends parent_commit.
  std::string upper = head.substr(0, 7);
  for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  const std::string next = store_->commit("me/r", "main", "two", {add("b.txt", "b")}, false, upper).id;
  EXPECT_THROW(store_->commit("me/r", "main", "m", {add("c.txt", "c")}, false, head.substr(0, 5)),
               CommitConflict);
  EXPECT_EQ(*store_->resolve("me/r", "main"), next);
}

namespace {
// A hash string (each 8-byte group a little-endian u64 in hex) back to its 32 bytes.
std::string hash_bytes(const std::string& hex) {
  std::string out;
  for (size_t group = 0; group < 4; ++group)
    out += le(std::stoull(hex.substr(16 * group, 16), nullptr, 16), 8);
  return out;
}
std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) out += std::string{digits[c >> 4], digits[c & 15]};
  return out;
}
}  // namespace

TEST(HubXet, Blake3KeyedHashMatchesTheOfficialTestVectors) {
  // BLAKE3-team/BLAKE3 test_vectors.json: input bytes i % 251, the "keyed_hash" cases' first 32 bytes.
  const std::string key = "whats the Elvish word for friend";
  const std::pair<size_t, const char*> cases[] = {
      {0, "92b2b75604ed3c761f9d6f62392c8a9227ad0ea3f09573e783f1498a4ed60d26"},
      {1, "6d7878dfff2f485635d39013278ae14f1454b8c0a3a2d34bc1ab38228a80c95b"},
      {1023, "c951ecdf03288d0fcc96ee3413563d8a6d3589547f2c2fb36d9786470f1b9d6e"},
      {1024, "75c46f6f3d9eb4f55ecaaee480db732e6c2105546f1e675003687c31719c7ba4"},
      {1025, "357dc55de0c7e382c900fd6e320acc04146be01db6a8ce7210b7189bd664ea69"},
      {2048, "879cf1fa2ea0e79126cb1063617a05b6ad9d0b696d0d757cf053439f60a99dd1"},
      {3073, "68dede9bef00ba89e43f31a6825f4cf433389fedae75c04ee9f0cf16a427c95a"},
      {5121, "6ccf1c34753e7a044db80798ecd0782a8f76f33563accaddbfbb2e0ea4b2d024"},
      {7169, "ed9b1a922c046fdb3d423ae34e143b05ca1bf28b710432857bf738bcedbfa511"}};
  for (const auto& [length, expected] : cases) {
    std::string input(length, '\0');
    for (size_t i = 0; i < length; ++i) input[i] = static_cast<char>(i % 251);
    EXPECT_EQ(hex(xet::blake3_keyed(key, input)), expected) << length;
  }
}

TEST(HubXet, MerkleHashMatchesXetCoreReferenceValues) {
  // xet-core merklehash/src/aggregated_hashes.rs test_correctness: (node hash, size) lists and cas_node_hash.
  const std::string h1 = "cfc5d07f6f03c29bbf424132963fe08d19a37d5757aaf520bf08119f05cd56d6";
  const std::string h2 = "c3e67584b5c4fc2a89837ec39e40f2c8a6bb0b2987ac94cd4b31e5fbdd210a72";
  const std::string h3 = "0d2beb91b9196929a5ddec9f6e306924ddf4a24268e3e59fd8464738d525af37";
  const std::string h4 = "adf8773496a9b7319b2e50dc98093f344053b17d8ad37100b9c07d9805988784";
  auto root = [](const std::vector<std::pair<std::string, uint64_t>>& nodes) {
    std::vector<std::pair<std::string, uint64_t>> raw;
    for (const auto& [h, size] : nodes) raw.emplace_back(hash_bytes(h), size);
    return xet::hash_hex(xet::merkle_hash(raw));
  };
  EXPECT_EQ(root({}), std::string(64, '0'));
  EXPECT_EQ(root({{h1, 100}}), h1);
  EXPECT_EQ(root({{h1, 100}, {h2, 200}, {h3, 300}}),
            "71ec1275fca074724e2dd666921b3277c7cee603e4d025bcab2d4050015be2bc");
  EXPECT_EQ(root({{h1, 100}, {h1, 100}, {h1, 100}, {h1, 100}}),
            "89f2ada89ff8c96763c6b25010e6dd76a4c05b1466207633ea559acf2093211b");
  EXPECT_EQ(root({{h1, 100}, {h2, 200}, {h1, 100}, {h2, 200}, {h3, 300}, {h4, 400}}),
            "52c826f99507aa05d0b45e9837fa1709e0485425cfbcb1e80db3905cf98b3ee9");
}

TEST(HubXet, XorbsAreBoundedBeforeAnythingIsDecompressed) {
  // Five LZ4 chunks of a few stored bytes each, each declaring 2^24 - 1 decompressed bytes: over 64 MiB.
  std::string big;
  for (int i = 0; i < 5; ++i)
    big += std::string(1, '\0') + le(4, 3) + std::string(1, '\1') + le((1 << 24) - 1, 3) + "abcd";
  try {
    xet::Xorb{big};
    FAIL() << "accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("the decompressed bytes of one xorb"), std::string::npos)
        << e.what();
  }
  std::string many;
  for (int i = 0; i < 8193; ++i)
    many += std::string(1, '\0') + le(1, 3) + std::string(1, '\0') + le(1, 3) + "x";
  try {
    xet::Xorb{many};
    FAIL() << "accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("the chunks of one xorb"), std::string::npos) << e.what();
  }
  EXPECT_EQ(xet::Xorb(many.substr(0, 9 * 8192)).chunks(), 8192u);
}

TEST(HubCommitBody, OperationsInLineOrderAndErrorsNameTheLine) {
  const std::string oid(64, 'a');
  const CommitBody body = parse_commit_body(
      "{\"key\":\"header\",\"value\":{\"summary\":\"s\",\"description\":\"d\",\"parentCommit\":\"abcde\"}}\n"
      "{\"key\":\"file\",\"value\":{\"path\":\"a.txt\",\"encoding\":\"base64\",\"content\":\"aGk=\"}}\n\n"
      "{\"key\":\"lfsFile\",\"value\":{\"path\":\"w.bin\",\"oid\":\"" +
      oid + "\"}}\n{\"key\":\"deletedFolder\",\"value\":{\"path\":\"old\"}}");
  EXPECT_EQ(body.summary + "|" + body.description + "|" + body.parent, "s|d|abcde");
  ASSERT_EQ(body.changes.size(), 3u);
  EXPECT_EQ(body.changes[0].sha256, sha256_hex("hi"));
  EXPECT_EQ(body.changes[2].kind, Change::kDeleteFolder);
  ASSERT_EQ(body.inline_blobs.size(), 1u);
  EXPECT_EQ(body.inline_blobs[0].second, "hi");
  EXPECT_EQ(body.lfs_files, (std::vector<std::pair<std::string, std::string>>{{"w.bin", oid}}));
  auto message = [](const std::string& text) {
    try {
      parse_commit_body(text);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  const std::string header = "{\"key\":\"header\",\"value\":{\"summary\":\"s\"}}\n";
  EXPECT_EQ(message(header + "\n[1"), "line 3 of the commit is not JSON");
  EXPECT_EQ(message(header + "{\"key\":\"file\",\"value\":{\"path\":\"../x\"}}"),
            "line 2: invalid path '../x'");
  EXPECT_EQ(message(header + "{\"key\":\"lfsFile\",\"value\":{\"path\":\"x\",\"oid\":\"/etc/passwd\"}}"),
            std::string("line 2: ") + kOidRule);
  EXPECT_EQ(message("{\"key\":\"header\",\"value\":{}}"),
            "the commit needs a header with a non-empty summary");
}

// Options of an OfflineServer with write token "t" over an empty store in a fresh temp folder `name`.
ServeOptions offline_options(const std::string& name) {
  ServeOptions options;
  options.root = fs::temp_directory_path() / (name + "-" + std::to_string(::getpid()));
  fs::remove_all(options.root);
  options.token = "t";
  return options;
}

// The request handling of `serve` on one connection's bytes (what the HTTP fuzzer drives).
TEST(HubOfflineServer, AnswersRequestsAndBoundsChunkedBodies) {
  ServeOptions options = offline_options("tinyforge-offline");
  const fs::path root = options.root;
  options.max_body_bytes = 64;
  {
    OfflineServer server(options);
    const std::string create = "{\"name\":\"r\",\"organization\":\"me\"}";
    const std::string answer = server.answer(
        "POST /api/repos/create HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer t\r\nContent-Length: " +
        std::to_string(create.size()) + "\r\n\r\n" + create +
        "GET /api/models/me/r HTTP/1.1\r\nHost: h\r\n\r\n");
    EXPECT_EQ(answer.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << answer;
    EXPECT_NE(answer.find("\"modelId\": \"me/r\""), std::string::npos)
        << answer;  // the second request's answer
    const std::string chunk(40, 'x');
    const std::string chunked = server.answer(
        "POST /api/models/me/r/commit/main HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer t\r\n"
        "Transfer-Encoding: chunked\r\n\r\n28\r\n" +
        chunk + "\r\n28\r\n" + chunk + "\r\n0\r\n\r\n");
    EXPECT_EQ(chunked.rfind("HTTP/1.1 413 ", 0), 0u) << chunked;
  }
  fs::remove_all(root);
}

// Without serve's event loop (OfflineServer, the fuzzer) a file streamed from disk (over 64 KB) is read and
// written by the request handling itself: whole, and as a range.
TEST(HubOfflineServer, StreamsLargeFilesItself) {
  const ServeOptions options = offline_options("tinyforge-offline-big");
  const fs::path root = options.root;
  std::string data(200000, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>((i * 7919) >> 3);
  {
    OfflineServer server(options);
    const std::string create = "{\"name\":\"r\",\"organization\":\"me\"}";
    const std::string commit =
        "{\"key\":\"header\",\"value\":{\"summary\":\"s\"}}\n"
        "{\"key\":\"file\",\"value\":{\"path\":\"big.bin\",\"encoding\":\"base64\","
        "\"content\":\"" +
        base64_encode(data) + "\"}}\n";
    const std::string write = "Host: h\r\nAuthorization: Bearer t\r\nContent-Length: ";
    const std::string stored =
        server.answer("POST /api/repos/create HTTP/1.1\r\n" + write + std::to_string(create.size()) +
                      "\r\n\r\n" + create + "POST /api/models/me/r/commit/main HTTP/1.1\r\n" + write +
                      std::to_string(commit.size()) + "\r\n\r\n" + commit);
    ASSERT_NE(stored.find("\"commitOid\""), std::string::npos) << stored;
    const std::string whole = server.answer("GET /me/r/resolve/main/big.bin HTTP/1.1\r\nHost: h\r\n\r\n");
    ASSERT_EQ(whole.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << whole.substr(0, 300);
    EXPECT_EQ(whole.substr(whole.find("\r\n\r\n") + 4), data);
    const std::string part = server.answer(
        "GET /me/r/resolve/main/big.bin HTTP/1.1\r\nHost: h\r\nRange: bytes=70000-169999\r\n\r\n");
    ASSERT_EQ(part.rfind("HTTP/1.1 206 Partial Content\r\n", 0), 0u) << part.substr(0, 300);
    EXPECT_EQ(part.substr(part.find("\r\n\r\n") + 4), data.substr(70000, 100000));
  }
  fs::remove_all(root);
}
