// cli/command: how a subcommand plugs into `tinyforge`. Each subcommand lives in its own file, declares its
// flags on the CLI::App it is given and returns the function that runs it once parsing succeeded.
#pragma once
#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace tinyforge::cli {

struct Subcommand {
  CLI::App* app = nullptr;
  std::function<int()> run;  // exit code: 0 ok, 1 some work failed, 2 usage / user error
};

// "a,b" "c" → {"a","b","c"}: list flags accept commas and repetition alike.
std::vector<std::string> split_commas(const std::vector<std::string>& items);

Subcommand add_create_command(CLI::App& app);
Subcommand add_list_command(CLI::App& app);
std::vector<Subcommand> add_checkpoint_commands(CLI::App& app);  // inspect, reshard, cast
// `tokenizer train` (cli/tokenizer_train_command.cpp), attached to the `tokenizer` group.
std::vector<Subcommand> add_tokenizer_train_subcommands(CLI::App& tokenizer_group);
Subcommand add_inputs_command(CLI::App& app);
Subcommand add_serve_command(CLI::App& app);
Subcommand add_tokenizer_command(CLI::App& app);

}  // namespace tinyforge::cli
