// cli/run_cli: parsing and dispatch shared by `tinyforge` (cli/main.cpp) and `tinyforge-serve`
// (cli/serve_main.cpp).
#include <algorithm>
#include <iostream>

#include "tinyforge/cli/command.h"

namespace tinyforge::cli {

int run_cli(int argc, char** argv, const std::vector<CommandGroup>& groups) {
  CLI::App app{"tinyforge: forge tiny random Hugging Face model repositories, offline and deterministically"};
  app.set_version_flag("--version", std::string(TINYFORGE_VERSION));
  app.require_subcommand(1);

  const std::string_view first = argc > 1 ? argv[1] : "";
  auto chosen = std::find_if(groups.begin(), groups.end(), [&](const CommandGroup& g) {
    return std::find(g.names.begin(), g.names.end(), first) != g.names.end();
  });
  std::vector<Subcommand> commands;
  if (chosen != groups.end()) {
    chosen->add(app, commands);
  } else if (first != "--version") {
    for (const auto& g : groups) g.add(app, commands);
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    for (auto& command : commands)
      if (*command.app) return command.run();
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}

}  // namespace tinyforge::cli
