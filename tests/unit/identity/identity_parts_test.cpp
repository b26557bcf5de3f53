// OTEL environment, cgroup paths, redaction and naming rules (identity/).
#include <gtest/gtest.h>

#include "identity/cgroup_name.h"
#include "identity/command_line.h"
#include "identity/naming_rules.h"
#include "identity/otel_env.h"

namespace cs {
namespace {

using namespace std::string_literals;

TEST(OtelEnv, ServiceNameWinsOverResourceAttributes) {
  std::string env = "PATH=/bin\0OTEL_RESOURCE_ATTRIBUTES=service.name=from-attrs,deployment.environment=prod\0"
                    "OTEL_SERVICE_NAME=checkout\0HOME=/root"s;
  OtelEnv e = parse_otel_environ(env);
  EXPECT_EQ(e.service_name, "checkout");
  ASSERT_EQ(e.resource.size(), 1u);
  EXPECT_EQ(e.resource[0].first, "deployment.environment");
  EXPECT_EQ(e.resource[0].second, "prod");
}

TEST(OtelEnv, ResourceAttributesAlonePercentDecoded) {
  std::string env = "OTEL_RESOURCE_ATTRIBUTES= service.name = cart%20api , team=a%2Cb,broken,=x\0"s;
  OtelEnv e = parse_otel_environ(env);
  EXPECT_EQ(e.service_name, "cart api");
  ASSERT_EQ(e.resource.size(), 1u);
  EXPECT_EQ(e.resource[0].second, "a,b");
  EXPECT_EQ(parse_otel_environ("PATH=/bin\0"s).service_name, "");
}

TEST(Cgroup, SystemdServiceUnit) {
  CgroupName c = parse_cgroup("0::/system.slice/orders.service\n");
  EXPECT_EQ(c.systemd_unit, "orders.service");
  EXPECT_EQ(unit_service_name(c.systemd_unit), "orders");
  // cgroup v1 (hybrid): the name=systemd line
  c = parse_cgroup("9:name=systemd:/system.slice/nginx.service\n4:memory:/x\n");
  EXPECT_EQ(c.systemd_unit, "nginx.service");
}

TEST(Cgroup, SessionsAndRootNameNothing) {
  EXPECT_EQ(parse_cgroup("0::/user.slice/user-1000.slice/user@1000.service/app.slice/x.scope\n").systemd_unit, "");
  EXPECT_EQ(parse_cgroup("0::/user.slice/user-0.slice/session-3.scope\n").systemd_unit, "");
  EXPECT_EQ(parse_cgroup("0::/\n").systemd_unit, "");
  EXPECT_EQ(parse_cgroup("0::/system.slice/ssh.service\n").systemd_unit, "");
}

TEST(Cgroup, ContainerIds) {
  const std::string id(64, 'a');
  EXPECT_EQ(parse_cgroup("0::/system.slice/docker-" + id + ".scope\n").container_id, id);
  EXPECT_EQ(parse_cgroup("0::/kubepods/burstable/pod1/" + id + "\n").container_id, id);
  EXPECT_EQ(parse_cgroup("0::/system.slice/docker-" + id + ".scope\n").systemd_unit, "");
}

TEST(CommandLine, SecretsRedacted) {
  auto line = [](std::vector<std::string> argv) { return redacted_command_line(argv); };
  EXPECT_EQ(line({"app", "--password=hunter2", "--port=80"}), "app --password=[REDACTED] --port=80");
  EXPECT_EQ(line({"app", "--api-key", "abc", "--verbose"}), "app --api-key [REDACTED] --verbose");
  EXPECT_EQ(line({"app", "DB_PASS=x", "postgres://bob:s3cret@db:5432/x"}),
            "app DB_PASS=[REDACTED] postgres://bob:[REDACTED]@db:5432/x");
  EXPECT_EQ(line({"app", "eyJhbGciOiJIUzI1NiJ9abc123def456ghi789"}), "app [REDACTED]");
  EXPECT_EQ(line({"python3", "/srv/a b/app.py", "--workers", "4"}), "python3 \"/srv/a b/app.py\" --workers 4");
  EXPECT_EQ(line({"/usr/lib/very/long/path/to/some/binary-v1.2.3/bin/server"}),
            "/usr/lib/very/long/path/to/some/binary-v1.2.3/bin/server");
}

TEST(NamingRules, ParseAndPrecedenceData) {
  NamingRules r;
  std::string err;
  EXPECT_TRUE(r.add("pid:42=orders", err));
  EXPECT_TRUE(r.add("port:8080=frontend", err));
  EXPECT_TRUE(r.add("exe:/opt/x/bin/srv=x", err));
  ASSERT_NE(r.by_pid(42), nullptr);
  EXPECT_EQ(*r.by_pid(42), "orders");
  EXPECT_EQ(*r.by_port(8080), "frontend");
  EXPECT_EQ(*r.by_exe("/opt/x/bin/srv"), "x");
  EXPECT_EQ(r.by_comm("nginx"), nullptr);
  for (const char* bad : {"orders", "pid:x=y", "port:70000=y", "exe:relative=y", "host:a=b", "pid:1=", "comm:=a",
                          "comm:abcdefghijklmnopq=a"}) {
    err.clear();
    EXPECT_FALSE(r.add(bad, err)) << bad;
    EXPECT_FALSE(err.empty()) << bad;
  }
}

}  // namespace
}  // namespace cs
