// callscope: command line entry point. See `callscope --help`.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "cli/options.h"

int main(int argc, char** argv) {
  cs::Options options;
  bool exit_now = false;
  int rc = cs::parse_options(argc, argv, options, exit_now);
  if (exit_now) return rc;

  auto logger = spdlog::stderr_color_mt("callscope");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e [%^%l%$] %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(options.log_level));

  switch (options.mode) {
    case cs::Options::Mode::Record:
      return cs::run_record(options);
    case cs::Options::Mode::Replay:
      return cs::run_replay(options);
    case cs::Options::Mode::Identify:
      return cs::run_identify(options);
    case cs::Options::Mode::Top:
      return cs::run_top(options);
    case cs::Options::Mode::Live:
      break;
  }
  return cs::run_live(options);
}
