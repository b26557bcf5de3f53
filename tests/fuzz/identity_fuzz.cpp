// Fuzz target for what the agent parses from /proc and request paths (any bytes a process or a client
// chooses): the command line (program name, redaction), the environment (OTEL variables), the cgroup
// file, naming rules and route templating. Byte 0 picks the parser, the rest is its input.
// Invariants (a violation aborts): nothing crashes; a redacted command line never contains a value that
// follows "--password"; a route template starts with '/' (or is "*" or "_OTHER") and holds no '?' or '#'.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "identity/cgroup_name.h"
#include "identity/command_line.h"
#include "identity/naming_rules.h"
#include "identity/otel_env.h"
#include "identity/program_name.h"
#include "metrics/route_template.h"

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "identity_fuzz invariant violated: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 5) {
    case 0: {
      auto argv = cs::split_cmdline(in);
      (void)cs::program_name(argv);
      argv.push_back("--password");
      argv.push_back("s3cr3t-value-XYZ");
      std::string line = cs::redacted_command_line(argv);
      // The marker may also be in the input itself (libFuzzer copies compared literals into inputs): only
      // a marker the input did not bring can prove that the value after --password leaked.
      if (in.find("s3cr3t-value-XYZ") == std::string_view::npos)
        check(line.find("s3cr3t-value-XYZ") == std::string::npos, "a --password value was not redacted");
      break;
    }
    case 1:
      (void)cs::parse_otel_environ(in);
      break;
    case 2: {
      cs::CgroupName c = cs::parse_cgroup(in);
      check(c.container_id.empty() || c.container_id.size() == 64, "container id of the wrong length");
      break;
    }
    case 3: {
      cs::NamingRules r;
      std::string err;
      if (!r.add(in, err)) check(!err.empty(), "a rejected rule without a message");
      break;
    }
    case 4: {
      std::string out;
      cs::template_route(in, out);
      check(!out.empty() && (out[0] == '/' || out == "*" || out == "_OTHER"), "route template is no path");
      check(out.find_first_of("?#") == std::string::npos, "route template keeps a query or fragment");
      cs::RouteTable t(4);
      (void)t.route("svc", in);
      break;
    }
  }
  return 0;
}
