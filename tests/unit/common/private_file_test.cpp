// Output files holding payload: created 0600 whatever the umask, never through a symlink, another user's
// or a hard-linked file never overwritten (userspace/common/private_file.h).
#include "common/private_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "unit/common/temp_dir.h"

namespace cs {
namespace {

using test::TempDir;
using test::read_file;
using test::write_file;

mode_t mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

// Sets the umask for the scope of one test.
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t m) : old_(::umask(m)) {}
  ~ScopedUmask() { ::umask(old_); }

 private:
  mode_t old_;
};

void write_through(int fd, const std::string& bytes) {
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  ASSERT_EQ(::close(fd), 0);
}

TEST(PrivateFile, NewFileIsOwnerOnlyEvenWithAPermissiveUmask) {
  TempDir dir;
  ScopedUmask umask0(0);
  std::string error;
  const std::string path = dir.path("spans.jsonl");
  write_through(open_private_output(path, error), "secret");
  EXPECT_EQ(error, "");
  EXPECT_EQ(mode_of(path), 0600u);
  EXPECT_EQ(read_file(path), "secret");
}

TEST(PrivateFile, NewFileIsOwnerReadableEvenWhenTheUmaskRemovesOwnerBits) {
  TempDir dir;
  ScopedUmask umask0377(0377);
  std::string error;
  const std::string path = dir.path("capture.cscap");
  write_through(open_private_output(path, error), "x");
  EXPECT_EQ(mode_of(path), 0600u);
}

TEST(PrivateFile, ExistingOwnFileIsTruncatedAndMadePrivate) {
  TempDir dir;
  const std::string path = dir.path("old.cscap");
  write_file(path, "old contents that are longer");
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  std::string error;
  write_through(open_private_output(path, error), "new");
  EXPECT_EQ(error, "");
  EXPECT_EQ(read_file(path), "new");
  EXPECT_EQ(mode_of(path), 0600u);
}

TEST(PrivateFile, SymlinkToAnExistingFileIsRefusedAndTheTargetUntouched) {
  TempDir dir;
  const std::string target = dir.path("victim");
  const std::string link = dir.path("out.cscap");
  write_file(target, "precious");
  ASSERT_EQ(::chmod(target.c_str(), 0644), 0);
  ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0);
  std::string error;
  EXPECT_EQ(open_private_output(link, error), -1);
  EXPECT_EQ(error, "refusing to write " + link + ": it is a symbolic link (remove it or name the real file)");
  EXPECT_EQ(read_file(target), "precious");
  EXPECT_EQ(mode_of(target), 0644u);
}

TEST(PrivateFile, DanglingSymlinkIsRefusedAndItsTargetNotCreated) {
  TempDir dir;
  const std::string target = dir.path("would-be-created");
  const std::string link = dir.path("out.jsonl");
  ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0);
  std::string error;
  EXPECT_EQ(open_private_output(link, error), -1);
  EXPECT_NE(error.find("it is a symbolic link"), std::string::npos) << error;
  EXPECT_NE(::access(target.c_str(), F_OK), 0) << "the link's target was created";
}

TEST(PrivateFile, HardLinkedFileIsRefusedAndUntouched) {
  TempDir dir;
  const std::string other = dir.path("other-name");
  const std::string path = dir.path("out.cscap");
  write_file(other, "precious");
  ASSERT_EQ(::link(other.c_str(), path.c_str()), 0);
  std::string error;
  EXPECT_EQ(open_private_output(path, error), -1);
  EXPECT_EQ(error, "refusing to write " + path +
                       ": it has 2 hard links (writing would change the other names too); remove it or choose "
                       "another name");
  EXPECT_EQ(read_file(other), "precious");
}

TEST(PrivateFile, AnotherUsersFileIsRefusedAndUntouched) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give a file to another user (CI runs as root)";
  TempDir dir;
  const std::string path = dir.path("planted.cscap");
  write_file(path, "planted");
  ASSERT_EQ(::chmod(path.c_str(), 0666), 0);
  ASSERT_EQ(::chown(path.c_str(), 65534, 65534), 0);
  std::string error;
  EXPECT_EQ(open_private_output(path, error), -1);
  EXPECT_EQ(error, "refusing to write " + path +
                       ": it exists and it belongs to uid 65534, not to this user (uid 0); remove it or choose "
                       "another name");
  EXPECT_EQ(read_file(path), "planted");
  EXPECT_EQ(mode_of(path), 0666u);
}

TEST(PrivateFile, DevNullIsWritten) {
  std::string error;
  const int fd = open_private_output("/dev/null", error);
  EXPECT_EQ(error, "");
  write_through(fd, "discarded");
}

TEST(PrivateFile, DirectoryAndMissingDirectoryGiveActionableErrors) {
  TempDir dir;
  std::string error;
  EXPECT_EQ(open_private_output(dir.path(""), error), -1);
  EXPECT_NE(error.find(dir.path("")), std::string::npos) << error;
  EXPECT_EQ(open_private_output(dir.path("missing/x.cscap"), error), -1);
  EXPECT_EQ(error, "cannot create " + dir.path("missing/x.cscap") + ": No such file or directory");
  EXPECT_EQ(open_private_output("", error), -1);
  EXPECT_EQ(error, "cannot create a file with an empty name");
}

TEST(PrivateFile, FifoWithoutReaderIsRefusedInsteadOfBlocking) {
  TempDir dir;
  const std::string path = dir.path("pipe");
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  std::string error;
  EXPECT_EQ(open_private_output(path, error), -1);
  EXPECT_EQ(error, "refusing to write " + path + ": it is a FIFO that nobody reads");
}

// The rule for existing files, on made-up stat results (every owner, link count and type).
TEST(PrivateFile, ExistingFileRule) {
  struct stat st {};
  st.st_mode = S_IFREG | 0644;
  st.st_uid = 1000;
  st.st_nlink = 1;
  EXPECT_EQ(existing_output_problem(st, 1000), "");
  EXPECT_NE(existing_output_problem(st, 0), "") << "root must not overwrite a user's file";
  EXPECT_NE(existing_output_problem(st, 1001), "");
  st.st_nlink = 2;
  EXPECT_NE(existing_output_problem(st, 1000), "");
  st.st_nlink = 1;
  st.st_mode = S_IFCHR | 0666;
  st.st_uid = 0;
  EXPECT_EQ(existing_output_problem(st, 1000), "") << "character devices (/dev/null) are fine";
  st.st_mode = S_IFIFO | 0666;
  EXPECT_NE(existing_output_problem(st, 1000), "") << "another user's FIFO would hand them the payload";
  st.st_uid = 1000;
  EXPECT_EQ(existing_output_problem(st, 1000), "");
  st.st_mode = S_IFDIR | 0755;
  EXPECT_EQ(existing_output_problem(st, 1000), "it is a directory");
  st.st_mode = S_IFBLK | 0600;
  EXPECT_NE(existing_output_problem(st, 1000), "");
}

}  // namespace
}  // namespace cs
