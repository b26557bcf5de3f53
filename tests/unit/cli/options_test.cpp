// The telemetry options and the config file: flags override the file (cli/options.h).
#include "cli/options.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace cs {
namespace {

int parse(std::vector<std::string> args, Options& o) {
  std::vector<char*> argv;
  static std::string prog = "callscope";
  argv.push_back(prog.data());
  for (auto& a : args) argv.push_back(a.data());
  bool exit_now = false;
  testing::internal::CaptureStderr();
  int rc = parse_options(static_cast<int>(argv.size()), argv.data(), o, exit_now);
  testing::internal::GetCapturedStderr();
  return exit_now ? (rc == 0 ? -1 : rc) : rc;
}

TEST(Options, ConfigFileAndFlagsOverrideIt) {
  char path[] = "/tmp/cs-config-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  std::ofstream(path) << "# callscope.conf\n"
                         "format = none\n"
                         "metrics-listen = 127.0.0.1:9464\n"
                         "otlp-endpoint = http://collector:4318\n"
                         "otlp-protocol = http/json\n"
                         "otlp-header = Authorization=Bearer abc\n"
                         "service-name = port:8080=frontend\n"
                         "metrics-buckets = 0.01,0.1,1\n"
                         "port = 8080\n";
  Options o;
  ASSERT_EQ(parse({"--config", path, "--otlp-protocol", "http/protobuf", "--service-name", "pid:7=seven"}, o), 0);
  EXPECT_EQ(o.format, "none");
  EXPECT_EQ(o.metrics_listen, "127.0.0.1:9464");
  EXPECT_EQ(o.otlp_endpoint, "http://collector:4318");
  EXPECT_EQ(o.otlp_protocol, "http/protobuf");  // the flag wins
  EXPECT_EQ(o.otlp_headers, std::vector<std::string>{"Authorization=Bearer abc"});
  EXPECT_EQ(o.service_name_rules.size(), 2u);  // repeatable options add up
  EXPECT_EQ(o.duration_buckets, (std::vector<double>{0.01, 0.1, 1}));
  EXPECT_EQ(o.ports, std::vector<uint16_t>{8080});
  unlink(path);
}

std::string config_file(const std::string& text) {
  char path[] = "/tmp/cs-config-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return "";
  close(fd);
  std::ofstream(path) << text;
  return path;
}

TEST(Options, SwitchesInTheConfigFileHonourTheirValue) {
  struct Case {
    const char* file;
    std::vector<std::string> flags;
    bool color, raw_query_text;
  };
  for (const Case& c : {Case{"no-color = false\nraw-query-text = false\n", {}, true, false},
                        Case{"no-color = true\nraw-query-text = true\n", {}, false, true},
                        Case{"no-color = no\n", {"--raw-query-text"}, true, true},
                        Case{"", {"--no-color"}, false, false},
                        Case{"raw-query-text = 1\n", {"--no-color"}, false, true}}) {
    const std::string path = config_file(c.file);
    ASSERT_FALSE(path.empty());
    std::vector<std::string> args{"--config", path};
    args.insert(args.end(), c.flags.begin(), c.flags.end());
    Options o;
    EXPECT_EQ(parse(args, o), 0) << c.file;
    EXPECT_EQ(o.color, c.color) << c.file;
    EXPECT_EQ(o.raw_query_text, c.raw_query_text) << c.file;
    unlink(path.c_str());
  }
  Options o;
  ASSERT_EQ(parse({}, o), 0);
  EXPECT_TRUE(o.color);
  EXPECT_FALSE(o.raw_query_text);
  const std::string bad = config_file("no-color = maybe\n");
  EXPECT_EQ(parse({"--config", bad}, o), 2);
  unlink(bad.c_str());
}

TEST(Options, TelemetryUsageErrors) {
  for (std::vector<std::string> bad : {std::vector<std::string>{"--otlp-protocol", "grpc"},
                                       {"--otlp-endpoint", "collector:4318"},
                                       {"--otlp-header", "NoEquals"},
                                       {"--service-name", "bogus"},
                                       {"--metrics-buckets", "0.1,0.01"},
                                       {"--identity", "magic"},
                                       {"--trace-linger-ms", "10001"},
                                       {"--trace-linger-ms", "-1"},
                                       {"--format", "xml"},
                                       {"--config", "/nonexistent/callscope.conf"},
                                       {"record", "-o", "/tmp/x.cscap", "--metrics-listen", "9464"}}) {
    Options o;
    EXPECT_EQ(parse(bad, o), 2) << bad[0] << " " << bad[1];
  }
  Options o;
  ASSERT_EQ(parse({"top", "--identity", "comm"}, o), 0);
  EXPECT_EQ(o.mode, Options::Mode::Top);
  EXPECT_FALSE(o.proc_identity);
}

TEST(Options, TraceLingerDefaultsTo200MsWithinBounds) {
  Options o;
  ASSERT_EQ(parse({}, o), 0);
  EXPECT_EQ(o.trace_linger_ms, 200u);
  Options p;
  ASSERT_EQ(parse({"--trace-linger-ms", "0"}, p), 0);
  EXPECT_EQ(p.trace_linger_ms, 0u);
  ASSERT_EQ(parse({"--trace-linger-ms", "10000"}, p), 0);
  EXPECT_EQ(p.trace_linger_ms, 10000u);
}

}  // namespace
}  // namespace cs
