// hub/objects and hub/store: git object names, path and id rules, and the server store's commit semantics
// (stale parentCommit rejected with the branch untouched, pull requests from a parent, commits onto
// refs/pr/N).
#include <gtest/gtest.h>
#include <unistd.h>

#include "tinyforge/hub/objects.h"
#include "tinyforge/hub/store.h"

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
