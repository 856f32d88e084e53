// cli/command: how a subcommand plugs into `tinyforge`. Each subcommand lives in its own file, declares its
// flags on the CLI::App it is given and returns the function that runs it once parsing succeeded.
#pragma once
#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace tinyforge::cli {

struct Subcommand {
  CLI::App* app = nullptr;
  std::function<int()> run;  // exit code: 0 ok, 1 some work failed, 2 usage / user error
};

// "a,b" "c" → {"a","b","c"}: list flags accept commas and repetition alike.
std::vector<std::string> split_commas(const std::vector<std::string>& items);

// --durable, for the commands that write files: fsync them (and the folders naming them) before they are
// published, so a power loss afterwards loses nothing. The command's run passes the flag to
// set_durable_writes; off by default, as for cp or save_pretrained: a killed run never leaves a
// half-written file or repository either way (temporary + rename).
void add_durable_flag(CLI::App* command, bool& durable);

Subcommand add_create_command(CLI::App& app);
Subcommand add_list_command(CLI::App& app);
std::vector<Subcommand> add_checkpoint_commands(CLI::App& app);  // inspect, reshard, cast, resize-...
// `tokenizer train` (cli/tokenizer_train_command.cpp), attached to the `tokenizer` group.
std::vector<Subcommand> add_tokenizer_train_subcommands(CLI::App& tokenizer_group);
Subcommand add_inputs_command(CLI::App& app);
Subcommand add_serve_command(CLI::App& app);  // in the tinyforge-serve executable (cli/serve_main.cpp)
Subcommand add_tokenizer_command(CLI::App& app);

inline constexpr const char* kServeDescription =
    "Serve repositories over the Hugging Face Hub HTTP API (HF_ENDPOINT)";

// The subcommands one add function declares. `names` are the argv[1] values that need only this group: a
// call builds just that group's options (CLI11 building every subcommand's options was a fifth of a short
// command's start-up), --version none; any other argv[1] (--help, a typo) builds every group, so help and
// errors are whole.
struct CommandGroup {
  std::vector<std::string_view> names;
  std::function<void(CLI::App&, std::vector<Subcommand>&)> add;
};

// Parses argv against `groups` and runs the chosen subcommand, with one policy for errors: a message naming
// the problem and exit 2 for user errors, the subcommand's own code otherwise.
int run_cli(int argc, char** argv, const std::vector<CommandGroup>& groups);

}  // namespace tinyforge::cli
