#include "common/private_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cs {

namespace {

constexpr mode_t kPrivateMode = 0600;

std::string refuse(const std::string& path, const std::string& why) {
  return "refusing to write " + path + ": " + why;
}

std::string open_failed(const std::string& path, int err) {
  if (err == ELOOP) return refuse(path, "it is a symbolic link (remove it or name the real file)");
  return "cannot create " + path + ": " + std::strerror(err);
}

// Opens an existing file without following a link and without blocking on a FIFO that has no reader,
// checks it, and makes it ready to write. -1 with errno ENOENT if it vanished meanwhile.
int open_existing(const std::string& path, std::string& error) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == ENXIO) error = refuse(path, "it is a FIFO that nobody reads");
    else if (err != ENOENT) error = open_failed(path, err);
    errno = err;
    return -1;
  }
  struct stat st {};
  std::string problem;
  if (::fstat(fd, &st) != 0) problem = std::string("cannot inspect it: ") + std::strerror(errno);
  else problem = existing_output_problem(st, ::geteuid());
  if (problem.empty() && S_ISREG(st.st_mode)) {
    if ((st.st_mode & 07777) != kPrivateMode && ::fchmod(fd, kPrivateMode) != 0)
      problem = std::string("cannot make it private (chmod 0600): ") + std::strerror(errno);
    else if (::ftruncate(fd, 0) != 0)
      problem = std::string("cannot truncate it: ") + std::strerror(errno);
  }
  if (problem.empty()) {
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0)
      problem = std::string("cannot make it blocking: ") + std::strerror(errno);
  }
  if (!problem.empty()) {
    ::close(fd);
    error = refuse(path, problem);
    errno = EPERM;
    return -1;
  }
  return fd;
}

}  // namespace

std::string existing_output_problem(const struct stat& st, uid_t euid) {
  const std::string owner = "it belongs to uid " + std::to_string(st.st_uid) + ", not to this user (uid " +
                            std::to_string(euid) + "); remove it or choose another name";
  if (S_ISREG(st.st_mode)) {
    if (st.st_uid != euid) return "it exists and " + owner;
    if (st.st_nlink != 1)
      return "it has " + std::to_string(st.st_nlink) +
             " hard links (writing would change the other names too); remove it or choose another name";
    return "";
  }
  if (S_ISCHR(st.st_mode)) return "";  // /dev/null, a terminal: only root can make device nodes
  if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) return st.st_uid == euid ? "" : owner;
  if (S_ISDIR(st.st_mode)) return "it is a directory";
  return "it is not a regular file, FIFO or character device";
}

int open_private_output(const std::string& path, std::string& error) {
  error.clear();
  if (path.empty()) {
    error = "cannot create a file with an empty name";
    return -1;
  }
  // A few rounds: the name can appear or vanish between the two opens (another process at work).
  for (int attempt = 0; attempt < 3; ++attempt) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, kPrivateMode);
    if (fd >= 0) {
      // open() applied the umask, which can only remove bits; 0600 it is unless the umask took owner bits.
      if (::fchmod(fd, kPrivateMode) != 0) {
        error = "cannot create " + path + ": chmod 0600: " + std::strerror(errno);
        ::close(fd);
        return -1;
      }
      return fd;
    }
    if (errno != EEXIST) {
      error = open_failed(path, errno);
      return -1;
    }
    fd = open_existing(path, error);
    if (fd >= 0 || errno != ENOENT) return fd;
  }
  error = "cannot create " + path + ": it keeps appearing and disappearing (another process is using the name)";
  return -1;
}

}  // namespace cs
