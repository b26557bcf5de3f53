// `--output FILE`: span files are created 0600 and never written through a symlink
// (userspace/cli/span_output.cpp, rules in userspace/common/private_file.h).
#include "cli/span_output.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "unit/common/temp_dir.h"

namespace cs {
namespace {

TEST(SpanOutput, FileIsOwnerOnly) {
  test::TempDir dir;
  Options o;
  o.format = "json";
  o.output = dir.path("spans.jsonl");
  const mode_t old = ::umask(0);
  std::string error;
  auto out = open_span_output(o, error);
  ::umask(old);
  ASSERT_NE(out, nullptr) << error;
  ASSERT_NE(out->sink, nullptr);
  EXPECT_TRUE(out->owns_file);
  out.reset();
  struct stat st {};
  ASSERT_EQ(::stat(o.output.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
}

TEST(SpanOutput, SymlinkIsRefusedWithTheReason) {
  test::TempDir dir;
  const std::string target = dir.path("victim");
  test::write_file(target, "precious");
  Options o;
  o.format = "tree";
  o.output = dir.path("spans.txt");
  ASSERT_EQ(::symlink(target.c_str(), o.output.c_str()), 0);
  std::string error;
  EXPECT_EQ(open_span_output(o, error), nullptr);
  EXPECT_EQ(error, "cannot write spans: refusing to write " + o.output +
                       ": it is a symbolic link (remove it or name the real file)");
  EXPECT_EQ(test::read_file(target), "precious");
}

}  // namespace
}  // namespace cs
