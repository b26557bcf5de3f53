// Service identity from a /proc tree (a fake one in a temp dir), the naming order, and the process table
// using it (identity/identity_resolver.h, processes/process_table.h).
#include "identity/identity_resolver.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "processes/process_table.h"
#include "support/event_builder.h"

namespace cs {
namespace {

namespace fs = std::filesystem;
using namespace std::string_literals;

class FakeProc : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cs-fakeproc-XXXXXX";
    root_ = mkdtemp(tmpl);
  }
  void TearDown() override { fs::remove_all(root_); }

  void file(uint32_t pid, const std::string& name, const std::string& content) {
    fs::path p = fs::path(root_) / std::to_string(pid) / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
  }
  void link(uint32_t pid, const std::string& name, const std::string& target) {
    fs::path p = fs::path(root_) / std::to_string(pid) / name;
    fs::create_directories(p.parent_path());
    fs::create_symlink(target, p);
  }
  IdentityResolver resolver(bool read_proc = true, std::vector<std::string> rules = {}) {
    IdentityConfig c;
    c.proc_root = root_;
    c.read_proc = read_proc;
    c.host_name = "node1";
    c.docker_root = root_ + "/docker";
    std::string err;
    for (const auto& r : rules) EXPECT_TRUE(c.rules.add(r, err)) << err;
    return IdentityResolver(std::move(c));
  }

  std::string root_;
};

TEST_F(FakeProc, InterpreterProgramAndProcessAttributes) {
  file(10, "cmdline", "/usr/bin/python3\0service_a.py\0--token\0sekrit\0"s);
  file(10, "environ", "PATH=/bin\0"s);
  file(10, "cgroup", "0::/\n");
  link(10, "exe", "/usr/bin/python3.11");
  IdentityResolver r = resolver();
  auto id = r.resolve(10, "python3");
  EXPECT_EQ(id->service_name, "service_a");
  EXPECT_EQ(id->source, NameSource::Program);
  EXPECT_EQ(id->executable_name, "python3.11");
  EXPECT_EQ(id->executable_path, "/usr/bin/python3.11");
  EXPECT_EQ(id->command_line, "/usr/bin/python3 service_a.py --token [REDACTED]");
  EXPECT_EQ(id->instance_id, "node1:10");
  EXPECT_EQ(r.lookup(10), id);
  EXPECT_EQ(r.lookup(11), nullptr);
}

TEST_F(FakeProc, NamingOrder) {
  // env beats everything
  file(1, "cmdline", "python3\0a.py\0"s);
  file(1, "environ", "OTEL_SERVICE_NAME=from-env\0OTEL_RESOURCE_ATTRIBUTES=service.instance.id=i-1,team=x\0"s);
  // a rule beats the cgroup and the program
  file(2, "cmdline", "python3\0b.py\0"s);
  file(2, "cgroup", "0::/system.slice/billing.service\n");
  // the systemd unit beats the program
  file(3, "cmdline", "python3\0c.py\0"s);
  file(3, "cgroup", "0::/system.slice/billing.service\n");
  // a docker container's name
  const std::string cid(64, 'c');
  file(4, "cgroup", "0::/system.slice/docker-" + cid + ".scope\n");
  file(4, "cmdline", "nginx\0"s);
  fs::create_directories(root_ + "/docker/" + cid);
  std::ofstream(root_ + "/docker/" + cid + "/config.v2.json") << R"({"ID":"x","Name":"/web-frontend","State":{}})";
  // nothing but the comm
  file(5, "cmdline", "nginx\0-g\0daemon off;\0"s);
  IdentityResolver r = resolver(true, {"pid:2=ruled"});
  auto a = r.resolve(1, "python3");
  EXPECT_EQ(a->service_name, "from-env");
  EXPECT_EQ(a->source, NameSource::Env);
  EXPECT_EQ(a->instance_id, "i-1");
  ASSERT_EQ(a->resource.size(), 2u);
  EXPECT_EQ(r.resolve(2, "python3")->service_name, "ruled");
  auto c = r.resolve(3, "python3");
  EXPECT_EQ(c->service_name, "billing");
  EXPECT_EQ(c->source, NameSource::Cgroup);
  auto d = r.resolve(4, "nginx");
  EXPECT_EQ(d->service_name, "web-frontend");
  EXPECT_EQ(d->container_id, cid);
  auto e = r.resolve(5, "nginx");
  EXPECT_EQ(e->service_name, "nginx");
  EXPECT_EQ(e->source, NameSource::Comm);
  // gone from /proc: the comm
  EXPECT_EQ(r.resolve(99, "curl")->service_name, "curl");
}

TEST_F(FakeProc, PortRuleMatchesTheProcessListeningSocket) {
  // 0100007F:1F90 = 127.0.0.1:8080, state 0A = LISTEN, inode 5555
  const std::string tcp =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
      "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5555 1 0 100 0 0 10 0\n"
      "   1: 0100007F:1F91 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 6666 1 0 100 0 0 10 0\n";
  file(7, "net/tcp", tcp);
  file(7, "cmdline", "python3\0x.py\0"s);
  link(7, "fd/3", "socket:[5555]");
  file(8, "net/tcp", tcp);  // same network namespace, but the listening socket is not its own
  file(8, "cmdline", "python3\0y.py\0"s);
  link(8, "fd/3", "socket:[6666]");
  IdentityResolver r = resolver(true, {"port:8080=frontend"});
  EXPECT_EQ(r.resolve(7, "python3")->service_name, "frontend");
  EXPECT_EQ(r.resolve(8, "python3")->service_name, "y");
}

TEST_F(FakeProc, ReplayUsesOnlyPidAndCommRules) {
  file(1, "cmdline", "python3\0a.py\0"s);
  file(1, "environ", "OTEL_SERVICE_NAME=live-only\0"s);
  IdentityResolver r = resolver(false, {"comm:nginx=edge"});
  EXPECT_EQ(r.resolve(1, "python3")->service_name, "python3");
  EXPECT_EQ(r.resolve(1, "python3")->command_line, "");
  EXPECT_EQ(r.resolve(2, "nginx")->service_name, "edge");
}

TEST_F(FakeProc, ProcessTableReportsTheIdentity) {
  file(20, "cmdline", "node\0server.js\0"s);
  IdentityResolver r = resolver();
  ProcessTable t(16, &r);
  cs_event_header h{};
  test::fill_header(h, CS_EV_DATA, sizeof(cs_data_event), 1, test::Proc{20, 20, "node", 1});
  t.seen(h);
  EXPECT_EQ(t.service_name(20), "server");
  ASSERT_NE(t.find(20), nullptr);
  ASSERT_NE(t.find(20)->identity, nullptr);
  EXPECT_EQ(t.find(20)->identity->executable_name, "");  // no exe link in the fake tree
  // exec: the comm changes, the identity is resolved again
  file(20, "cmdline", "/usr/bin/python3\0worker.py\0"s);
  fs::remove(fs::path(root_) / "20" / "cmdline");
  file(20, "cmdline", "/usr/bin/python3\0worker.py\0"s);
  test::fill_header(h, CS_EV_DATA, sizeof(cs_data_event), 2, test::Proc{20, 20, "python3", 1});
  t.seen(h);
  EXPECT_EQ(t.service_name(20), "worker");
  EXPECT_EQ(r.resolved(), 2u);
  t.seen(h);  // same comm: not resolved again
  EXPECT_EQ(r.resolved(), 2u);
}

}  // namespace
}  // namespace cs
