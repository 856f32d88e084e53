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
  for (auto& c : add_checkpoint_commands(app)) commands.push_back(std::move(c));
  // The `tokenizer` group (encode, decode, show) and its `train` subcommand; the leaves come first so the
  // dispatch below runs them rather than the group.
  Subcommand tokenizer = add_tokenizer_command(app);
  for (auto& c : add_tokenizer_train_subcommands(*tokenizer.app)) commands.push_back(c);
  commands.push_back(tokenizer);
  commands.push_back(add_inputs_command(app));
  commands.push_back(add_serve_command(app));

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
