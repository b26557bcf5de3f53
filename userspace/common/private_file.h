// Output files that hold captured payload or what is derived from it (capture files of `callscope record`,
// span files of `--output`): they may contain every byte the traced services exchanged (Authorization
// headers, cookies, bodies), so they are private to the agent's user. Rules (open_private_output):
// - A new file is created with O_CREAT|O_EXCL and mode 0600, whatever the umask.
// - The path's last component must not be a symbolic link: it is refused, never followed (O_NOFOLLOW), so
//   a link planted in a shared directory (/tmp) cannot redirect a root agent's write to another file.
//   (Directories earlier in the path are followed as usual.)
// - An existing regular file is overwritten (truncated) only if it belongs to the agent's effective user
//   and has no other hard link; its mode becomes 0600. Otherwise it is refused and left untouched.
// - An existing character device (/dev/null) is written as it is; an existing FIFO or socket only if it
//   belongs to the agent's effective user. Anything else (directory, block device) is refused.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <string>

namespace cs {

// Opens `path` write-only (O_CLOEXEC) under the rules above. Returns the descriptor, or -1 with `error`
// set to a sentence naming the path, the reason and what to do, e.g.
//   "refusing to write /tmp/x.cscap: it is a symbolic link (remove it or name the real file)".
int open_private_output(const std::string& path, std::string& error);

// The rule for an existing file (its fstat, the agent's effective uid): "" when it may be written, else
// why not (the clause after "refusing to write PATH: ").
std::string existing_output_problem(const struct stat& st, uid_t euid);

}  // namespace cs
