#include "runtimes/go/go_code_scan.h"

#include <capstone/capstone.h>
#include <fmt/format.h>

#include <memory>

namespace cs::go {
namespace {

// One Capstone handle with operand details, closed on scope exit.
class Decoder {
 public:
  Decoder() {
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &handle_) != CS_ERR_OK) {
      handle_ = 0;
      return;
    }
    cs_option(handle_, CS_OPT_DETAIL, CS_OPT_ON);
    insn_ = cs_malloc(handle_);
  }
  ~Decoder() {
    if (insn_) cs_free(insn_, 1);
    if (handle_) cs_close(&handle_);
  }
  bool ok() const { return handle_ && insn_; }
  csh handle() const { return handle_; }
  cs_insn* insn() const { return insn_; }

 private:
  csh handle_ = 0;
  cs_insn* insn_ = nullptr;
};

bool is_stack_guard_cmp(const cs_insn* in) {
  // cmp rsp|r12, qword ptr [r14 + 0x10]  (g.stackguard0)
  if (in->id != X86_INS_CMP) return false;
  const cs_x86& x = in->detail->x86;
  if (x.op_count != 2) return false;
  const cs_x86_op& a = x.operands[0];
  const cs_x86_op& b = x.operands[1];
  if (a.type != X86_OP_REG || (a.reg != X86_REG_RSP && a.reg != X86_REG_R12)) return false;
  return b.type == X86_OP_MEM && b.mem.base == X86_REG_R14 && b.mem.index == X86_REG_INVALID &&
         b.mem.disp == 0x10 && b.mem.segment == X86_REG_INVALID;
}

bool is_r12_frame_lea(const cs_insn* in) {
  // lea r12, [rsp - N]
  if (in->id != X86_INS_LEA) return false;
  const cs_x86& x = in->detail->x86;
  return x.op_count == 2 && x.operands[0].type == X86_OP_REG && x.operands[0].reg == X86_REG_R12 &&
         x.operands[1].type == X86_OP_MEM && x.operands[1].mem.base == X86_REG_RSP;
}

}  // namespace

std::optional<FunctionScan> scan_function(const FunctionCode& code, std::string& why) {
  Decoder d;
  if (!d.ok()) {
    why = "cannot open the Capstone x86-64 decoder";
    return std::nullopt;
  }
  FunctionScan out;
  out.probe_entry = code.entry;
  const uint8_t* p = code.bytes.data();
  size_t left = code.bytes.size();
  uint64_t addr = code.entry;
  int index = 0;
  bool saw_guard = false;
  while (left > 0) {
    if (!cs_disasm_iter(d.handle(), &p, &left, &addr, d.insn())) {
      why = fmt::format("undecodable instruction at {:#x}", addr);
      return std::nullopt;
    }
    const cs_insn* in = d.insn();
    // Prologue: instructions 0..2 only.
    if (index == 0 && is_r12_frame_lea(in)) {
      // expect the cmp next
    } else if (index <= 1 && is_stack_guard_cmp(in)) {
      saw_guard = true;
    } else if (saw_guard && !out.after_stack_check && index <= 2 && in->id == X86_INS_JBE) {
      out.probe_entry = in->address + in->size;
      out.after_stack_check = true;
    }
    if (in->id == X86_INS_RET) out.rets.push_back(in->address);
    ++index;
  }
  if (out.rets.empty()) {
    why = "no RET instruction";
    return std::nullopt;
  }
  return out;
}

std::optional<int64_t> first_fs_displacement(const FunctionCode& code, std::string& why) {
  Decoder d;
  if (!d.ok()) {
    why = "cannot open the Capstone x86-64 decoder";
    return std::nullopt;
  }
  const uint8_t* p = code.bytes.data();
  size_t left = code.bytes.size();
  uint64_t addr = code.entry;
  while (left > 0 && cs_disasm_iter(d.handle(), &p, &left, &addr, d.insn())) {
    const cs_x86& x = d.insn()->detail->x86;
    for (uint8_t i = 0; i < x.op_count; ++i) {
      const cs_x86_op& op = x.operands[i];
      if (op.type == X86_OP_MEM && op.mem.segment == X86_REG_FS && op.mem.base == X86_REG_INVALID &&
          op.mem.index == X86_REG_INVALID)
        return op.mem.disp;
    }
  }
  why = "no FS-relative store in runtime.rt0_go";
  return std::nullopt;
}

}  // namespace cs::go
