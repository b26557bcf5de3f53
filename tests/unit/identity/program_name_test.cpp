// The program an interpreter runs names the service (identity/program_name.h).
#include "identity/program_name.h"

#include <gtest/gtest.h>

namespace cs {
namespace {

std::string name(std::vector<std::string> argv) { return program_name(argv); }

TEST(ProgramName, Python) {
  EXPECT_EQ(name({"python3", "service_a.py"}), "service_a");
  EXPECT_EQ(name({"/usr/bin/python3", "/work/scripts/demo/service_b.py", "18082"}), "service_b");
  EXPECT_EQ(name({"python3.11", "-u", "-W", "ignore", "worker.py"}), "worker");
  EXPECT_EQ(name({"python", "-X", "dev", "/srv/billing/app.py"}), "billing");  // app.py: its folder
  EXPECT_EQ(name({"python3", "-m", "orders_api"}), "orders_api");
  EXPECT_EQ(name({"python3", "-c", "print(1)"}), "");
  EXPECT_EQ(name({"python3"}), "");
  EXPECT_EQ(name({"pypy3", "svc.py"}), "svc");
}

TEST(ProgramName, WsgiAndAsgiLaunchers) {
  EXPECT_EQ(name({"gunicorn", "app:app"}), "app");
  // gunicorn as Debian installs it: a Python script run by the interpreter (what /proc/PID/cmdline shows)
  EXPECT_EQ(name({"/usr/bin/python3", "/usr/bin/gunicorn", "-b", "127.0.0.1:18083", "--chdir", "scripts/demo",
                  "-w", "2", "service_a:app"}),
            "service_a");
  EXPECT_EQ(name({"gunicorn", "--bind", "localhost:8000", "mysite.wsgi:application"}), "mysite");
  EXPECT_EQ(name({"python3", "-m", "gunicorn", "shop.api:create_app()"}), "api");
  EXPECT_EQ(name({"uvicorn", "main:app", "--port", "8000"}), "main");
  EXPECT_EQ(name({"gunicorn", "-b", "unix:/run/app.sock"}), "");  // no application spec
}

TEST(ProgramName, Java) {
  EXPECT_EQ(name({"java", "-jar", "orders.jar"}), "orders");
  EXPECT_EQ(name({"/usr/lib/jvm/bin/java", "-Xmx512m", "-Dx=y", "-jar", "/opt/orders-1.4.2.jar"}), "orders");
  EXPECT_EQ(name({"java", "-cp", "lib/*:.", "com.example.billing.BillingServer", "--port", "80"}), "BillingServer");
  EXPECT_EQ(name({"java", "-m", "inventory/com.example.Main"}), "inventory");
}

TEST(ProgramName, NodeAndOthers) {
  EXPECT_EQ(name({"node", "server.js"}), "server");
  EXPECT_EQ(name({"node", "--max-old-space-size=256", "/srv/cart/index.js"}), "cart");
  EXPECT_EQ(name({"nodejs", "-r", "dotenv/config", "api.mjs"}), "api");
  EXPECT_EQ(name({"node", "-e", "1"}), "");
  EXPECT_EQ(name({"deno", "run", "--allow-net", "gateway.ts"}), "gateway");
  EXPECT_EQ(name({"ruby", "web.rb"}), "web");
  EXPECT_EQ(name({"dotnet", "Payments.dll"}), "Payments");
  EXPECT_EQ(name({"nginx", "-g", "daemon off;"}), "");  // not a runtime: the comm names it
  EXPECT_EQ(name({}), "");
}

}  // namespace
}  // namespace cs
