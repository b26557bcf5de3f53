// The program an interpreter or runtime runs, from its argument vector: what a person calls the service.
//
// Rules (argv[0]'s basename decides the runtime; the first that gives a name wins):
//  - python, python3, python3.X, pypy3: `-m MODULE` -> MODULE (a launcher module, e.g. gunicorn, goes on
//    below with the remaining arguments); else the script's basename without ".py"; a launcher script
//    (gunicorn, uvicorn, hypercorn, daphne, waitress-serve) goes on below. Options -c/-m end the options;
//    -W, -X, -Q take a value.
//  - gunicorn, uvicorn, hypercorn, daphne, waitress-serve: the application spec `MODULE:ATTR` (the last
//    argument of that shape; "127.0.0.1:8000", "unix:/x" and "host:8000" are not) -> MODULE's last dotted
//    part, or the one before a trailing "wsgi"/"asgi" ("mysite.wsgi:application" -> "mysite").
//  - java: `-jar FILE.jar` -> FILE without ".jar" and a trailing "-<version>"; else `-m MODULE[/CLASS]` ->
//    MODULE; else the main class's simple name (options -cp/-classpath/--class-path/-p/--module-path/
//    --add-modules/... take a value).
//  - node, nodejs, bun, deno (deno/bun: after "run"), ruby, perl, php: the script's basename without its
//    extension; "index"/"main"/"app" take the name of the folder holding it when it has one.
//  - dotnet: `dotnet FILE.dll` -> FILE.
// Returns "" when argv names no known runtime or the program cannot be told.
#pragma once

#include <string>
#include <vector>

namespace cs {

std::string program_name(const std::vector<std::string>& argv);

}  // namespace cs
