// cli/serve_main: the `tinyforge-serve` executable that `tinyforge serve` execs (cli/main.cpp), so that only
// it links cpp-httplib and its libraries. Its arguments are tinyforge's: `tinyforge-serve serve --root ...`.
#include "tinyforge/cli/command.h"

int main(int argc, char** argv) {
  using namespace tinyforge::cli;
  return run_cli(argc, argv,
                 {{{"serve"}, [](CLI::App& app, auto& out) { out.push_back(add_serve_command(app)); }}});
}
