// Instruction-level facts about Go functions on amd64, decoded with Capstone:
//  - the RET instructions of a function (where its return probes go: never uretprobes, Go moves stacks);
//  - the probe point of its entry: the instruction after the stack-growth check
//    (`[lea r12,[rsp-N];] cmp rsp|r12, [r14+0x10]; jbe morestack`), because a call that grows its stack
//    runs the check again from the entry after runtime.morestack: an entry probe there would fire twice.
//    Without that prologue (NOSPLIT functions, huge frames) the entry itself is the probe point;
//  - the thread-pointer offset of the g slot, from the first FS-relative memory operand of runtime.rt0_go
//    (`MOVQ $0x123, g(BX)` stores through it at startup).
// Rules: decodes only within [entry, end) of one function; an instruction that does not decode stops the
// scan with an error (a probe at a misaligned offset would corrupt the program).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace cs::go {

struct FunctionCode {
  uint64_t entry = 0;                 // virtual address of the first byte
  std::span<const uint8_t> bytes;     // [entry, end)
};

struct FunctionScan {
  uint64_t probe_entry = 0;           // where the entry probe goes (entry or after the stack check)
  bool after_stack_check = false;     // probe_entry is past the stack-growth check
  std::vector<uint64_t> rets;         // virtual addresses of RET instructions
};

std::optional<FunctionScan> scan_function(const FunctionCode& code, std::string& why);

// Displacement of the first FS-segment memory operand in `code` (runtime.rt0_go), or nullopt.
std::optional<int64_t> first_fs_displacement(const FunctionCode& code, std::string& why);

}  // namespace cs::go
