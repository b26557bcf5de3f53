#include "record/file_window.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

namespace cs {

FileWindow::~FileWindow() { unmap(); }

void FileWindow::unmap() {
  if (base_ != nullptr) ::munmap(base_, size_);
  base_ = nullptr;
  size_ = 0;
}

bool FileWindow::usable(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return false;
  file_size_ = static_cast<uint64_t>(st.st_size);
  return true;
}

bool FileWindow::map(int fd, uint64_t offset, size_t min_bytes, size_t window_bytes) {
  unmap();
  if (!usable(fd)) return false;
  static const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  start_ = offset - offset % page;
  const uint64_t want = (offset - start_) + std::max(min_bytes, window_bytes);
  const uint64_t have = file_size_ > start_ ? file_size_ - start_ : 0;
  const auto len = static_cast<size_t>(std::min(want, have));
  if (len == 0) return true;  // nothing there (yet): an empty window
  void* p = ::mmap(nullptr, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, static_cast<off_t>(start_));
  if (p == MAP_FAILED) return false;
  base_ = p;
  size_ = len;
  return true;
}

}  // namespace cs
