// `callscope record -o FILE`: the capture holds every byte the services exchanged, so CaptureWriter::open
// creates it 0600 and refuses a symlink (rules in userspace/common/private_file.h, tested there).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "record/capture_file.h"
#include "unit/common/temp_dir.h"

namespace cs {
namespace {

TEST(CaptureWriterPrivate, CaptureIsOwnerOnlyAndReadsBack) {
  test::TempDir dir;
  const std::string path = dir.path("incident.cscap");
  const mode_t old = ::umask(022);
  CaptureWriter w;
  ASSERT_EQ(w.open(path), "");
  ::umask(old);
  ASSERT_EQ(w.write_header(capture_header_now(4096, "test")), "");
  ASSERT_EQ(w.finish({}), "");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  CaptureReader r;
  std::string error;
  EXPECT_TRUE(r.open(path, error)) << error;
}

TEST(CaptureWriterPrivate, SymlinkIsRefusedAndItsTargetUntouched) {
  test::TempDir dir;
  const std::string target = dir.path("victim");
  const std::string link = dir.path("incident.cscap");
  test::write_file(target, "precious");
  ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0);
  CaptureWriter w;
  EXPECT_EQ(w.open(link), "refusing to write " + link + ": it is a symbolic link (remove it or name the real file)");
  EXPECT_EQ(w.write_header(capture_header_now(4096, "test")), w.error());
  EXPECT_EQ(test::read_file(target), "precious");
}

}  // namespace
}  // namespace cs
