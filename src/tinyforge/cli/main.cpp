// cli/main: the `tinyforge` command — one subcommand per file (see command.h), run here with one policy for
// errors: a message naming the problem and exit 2 for user errors, the subcommand's own code otherwise.
#include <CLI/CLI.hpp>
#include <iostream>

#include "tinyforge/cli/command.h"

int main(int argc, char** argv) {
  using namespace tinyforge::cli;
  CLI::App app{"tinyforge: forge tiny random Hugging Face model repositories, offline and deterministically"};
  app.set_version_flag("--version", std::string(TINYFORGE_VERSION));
  app.require_subcommand(1);

  // One line per subcommand.
  std::vector<Subcommand> commands;
  commands.push_back(add_create_command(app));
  commands.push_back(add_list_command(app));
  commands.push_back(add_tokenizer_command(app));

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
