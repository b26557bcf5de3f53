#include "identity/program_name.h"

#include <cctype>
#include <string_view>

namespace cs {

namespace {

std::string_view basename_of(std::string_view p) {
  size_t slash = p.rfind('/');
  return slash == std::string_view::npos ? p : p.substr(slash + 1);
}

std::string_view dirname_base(std::string_view p) {
  size_t slash = p.rfind('/');
  if (slash == std::string_view::npos || slash == 0) return {};
  return basename_of(p.substr(0, slash));
}

std::string_view strip_suffix(std::string_view s, std::string_view suffix) {
  if (s.size() > suffix.size() && s.substr(s.size() - suffix.size()) == suffix) s.remove_suffix(suffix.size());
  return s;
}

std::string_view strip_extension(std::string_view s) {
  size_t dot = s.rfind('.');
  return (dot == std::string_view::npos || dot == 0) ? s : s.substr(0, dot);
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

bool is_python(std::string_view b) {
  if (b == "python" || b == "python2" || b == "python3" || b == "pypy" || b == "pypy3") return true;
  if (!starts_with(b, "python") && !starts_with(b, "pypy")) return false;
  size_t i = b[0] == 'p' && b[1] == 'y' && b[2] == 'p' ? 4 : 6;  // "pypy" or "python"
  if (i >= b.size()) return false;
  for (; i < b.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(b[i])) && b[i] != '.') return false;
  return true;
}

bool is_launcher(std::string_view b) {
  return b == "gunicorn" || b == "uvicorn" || b == "hypercorn" || b == "daphne" || b == "waitress-serve";
}

bool identifier(std::string_view s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

// "pkg.mod:attr" -> the module name a person knows the service by; "" if `a` is no application spec.
std::string app_spec_module(std::string_view a) {
  size_t colon = a.find(':');
  if (colon == std::string_view::npos || colon == 0) return {};
  std::string_view module = a.substr(0, colon), attr = a.substr(colon + 1);
  if (attr.empty() || !(std::isalpha(static_cast<unsigned char>(attr[0])) || attr[0] == '_')) return {};
  if (module == "unix" || module == "fd" || module == "localhost") return {};
  // every dotted part an identifier
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t dot = module.find('.', start);
    std::string_view part = module.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (!identifier(part)) return {};
    parts.push_back(part);
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (parts.size() > 1 && (parts.back() == "wsgi" || parts.back() == "asgi")) parts.pop_back();
  return std::string(parts.back());
}

std::string launcher_app(const std::vector<std::string>& argv, size_t from) {
  std::string found;
  for (size_t i = from; i < argv.size(); ++i) {
    if (!argv[i].empty() && argv[i][0] == '-') continue;
    std::string m = app_spec_module(argv[i]);
    if (!m.empty()) found = m;  // the last one: the positional APP comes after the options
  }
  return found;
}

std::string script_name(std::string_view path) {
  std::string_view base = strip_extension(basename_of(path));
  if (base == "index" || base == "main" || base == "app" || base == "__main__") {
    std::string_view dir = dirname_base(path);
    if (!dir.empty() && dir != "." && dir != "src" && dir != "bin" && dir != "dist") return std::string(dir);
  }
  return std::string(base);
}

std::string python_program(const std::vector<std::string>& argv) {
  for (size_t i = 1; i < argv.size(); ++i) {
    std::string_view a = argv[i];
    if (a == "-c") return {};
    if (a == "-m") {
      if (i + 1 >= argv.size()) return {};
      std::string_view module = argv[i + 1];
      if (is_launcher(module)) return launcher_app(argv, i + 2);
      if (module == "flask" || module == "http.server") return {};
      size_t dot = module.rfind('.');
      std::string_view last = dot == std::string_view::npos ? module : module.substr(dot + 1);
      if (last == "__main__" || last == "main") last = module.substr(0, dot == std::string_view::npos ? 0 : dot);
      return std::string(basename_of(std::string(last)));
    }
    if (a == "-W" || a == "-X" || a == "-Q") {
      ++i;
      continue;
    }
    if (!a.empty() && a[0] == '-') continue;
    std::string_view base = basename_of(a);
    if (is_launcher(base)) return launcher_app(argv, i + 1);
    return script_name(strip_suffix(a, ".py"));
  }
  return {};
}

bool java_option_takes_value(std::string_view a) {
  return a == "-cp" || a == "-classpath" || a == "--class-path" || a == "-p" || a == "--module-path" ||
         a == "--add-modules" || a == "--add-opens" || a == "--add-exports" || a == "--add-reads" ||
         a == "--upgrade-module-path" || a == "--limit-modules" || a == "--patch-module";
}

std::string java_program(const std::vector<std::string>& argv) {
  for (size_t i = 1; i < argv.size(); ++i) {
    std::string_view a = argv[i];
    if (a == "-jar") {
      if (i + 1 >= argv.size()) return {};
      std::string_view jar = strip_suffix(basename_of(argv[i + 1]), ".jar");
      // orders-1.2.3 -> orders
      for (size_t d = jar.find('-'); d != std::string_view::npos; d = jar.find('-', d + 1))
        if (d + 1 < jar.size() && std::isdigit(static_cast<unsigned char>(jar[d + 1]))) {
          jar = jar.substr(0, d);
          break;
        }
      return std::string(jar);
    }
    if (a == "-m" || a == "--module") {
      if (i + 1 >= argv.size()) return {};
      std::string_view m = argv[i + 1];
      return std::string(m.substr(0, m.find('/')));
    }
    if (java_option_takes_value(a)) {
      ++i;
      continue;
    }
    if (!a.empty() && a[0] == '-') continue;
    size_t dot = a.rfind('.');
    return std::string(dot == std::string_view::npos ? a : a.substr(dot + 1));
  }
  return {};
}

std::string script_program(const std::vector<std::string>& argv, size_t from) {
  for (size_t i = from; i < argv.size(); ++i) {
    std::string_view a = argv[i];
    if (a == "-e" || a == "-r" || a == "--require" || a == "--eval" || a == "-c") {
      if (a == "-e" || a == "--eval" || a == "-c") return {};
      ++i;
      continue;
    }
    if (!a.empty() && a[0] == '-') continue;
    return script_name(a);
  }
  return {};
}

}  // namespace

std::string program_name(const std::vector<std::string>& argv) {
  if (argv.empty()) return {};
  std::string_view runtime = basename_of(argv[0]);
  if (is_python(runtime)) return python_program(argv);
  if (is_launcher(runtime)) return launcher_app(argv, 1);
  if (runtime == "java") return java_program(argv);
  if (runtime == "node" || runtime == "nodejs" || runtime == "ruby" || runtime == "perl" || runtime == "php")
    return script_program(argv, 1);
  if (runtime == "deno" || runtime == "bun") {
    size_t from = argv.size() > 1 && argv[1] == "run" ? 2 : 1;
    return script_program(argv, from);
  }
  if (runtime == "dotnet" && argv.size() > 1 && argv[1].size() > 4 &&
      std::string_view(argv[1]).substr(argv[1].size() - 4) == ".dll")
    return std::string(strip_suffix(basename_of(argv[1]), ".dll"));
  return {};
}

}  // namespace cs
