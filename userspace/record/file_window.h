// A read-only view of part of a regular file through mmap, moved along the file as it is read: the
// capture reader's way to read big files without copying them (read(2) copies every byte once more).
//
// Rules:
//  - A window covers whole pages from a page-aligned offset, is populated when mapped (no page faults
//    while reading it) and is unmapped when the next one is mapped: memory stays at about one window.
//  - The file's size is taken again at every move, so a file that grows while read is read on (as with
//    read(2)); a window never reaches past the size seen.
//  - Caveat of mmap: if the file is truncated while its window is mapped, touching the cut pages raises
//    SIGBUS. Capture files are written once and replayed later; do not truncate one during its replay.
#pragma once

#include <cstddef>
#include <cstdint>

namespace cs {

class FileWindow {
 public:
  FileWindow() = default;
  ~FileWindow();
  FileWindow(const FileWindow&) = delete;
  FileWindow& operator=(const FileWindow&) = delete;

  // Can `fd` be mapped (a regular file)? Sets the file size.
  bool usable(int fd);
  // Maps at least the bytes [offset, offset + min_bytes) if the file has them, up to `window_bytes` more
  // beyond offset. Returns false if mmap failed (the previous window is gone either way).
  bool map(int fd, uint64_t offset, size_t min_bytes, size_t window_bytes);

  // The window: bytes from file offset start() to start() + size().
  const uint8_t* data() const { return static_cast<const uint8_t*>(base_); }
  uint64_t start() const { return start_; }
  size_t size() const { return size_; }
  uint64_t file_size() const { return file_size_; }

 private:
  void unmap();

  void* base_ = nullptr;
  uint64_t start_ = 0;
  size_t size_ = 0;
  uint64_t file_size_ = 0;
};

}  // namespace cs
