// cli/main: the `tinyforge` command — one subcommand per file (see command.h). `serve` is a separate
// executable next to this one (cli/serve_main.cpp): it alone needs cpp-httplib, whose libraries (libssl,
// brotli, zlib) and OpenSSL initialisation cost every other command milliseconds of start-up.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "tinyforge/cli/command.h"

namespace {

using namespace tinyforge::cli;

// Replaces this process with tinyforge-serve (same pid, so signals and exit codes reach the server) given the
// same arguments; returns only when it could not be started.
int exec_serve(char** argv) {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  const std::filesystem::path helper = self.parent_path() / "tinyforge-serve";
  if (!ec) ::execv(helper.c_str(), argv);
  std::cerr << "error: `tinyforge serve` runs " << (ec ? "tinyforge-serve" : helper.string())
            << " (next to the tinyforge binary), which could not be started: "
            << (ec ? ec.message() : std::strerror(errno))
            << "; build it with the rest (ninja -C build/release builds both)\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string_view(argv[1]) == "serve") return exec_serve(argv);
  const std::vector<CommandGroup> groups = {
      {{"create"}, [](CLI::App& app, auto& out) { out.push_back(add_create_command(app)); }},
      {{"list"}, [](CLI::App& app, auto& out) { out.push_back(add_list_command(app)); }},
      {{"inspect", "reshard", "cast", "resize-token-embeddings"},
       [](CLI::App& app, auto& out) {
         for (auto& c : add_checkpoint_commands(app)) out.push_back(std::move(c));
       }},
      // The `tokenizer` group (encode, decode, show) and its `train` subcommands; the leaves come first so
      // the dispatch runs them rather than the group.
      {{"tokenizer"},
       [](CLI::App& app, auto& out) {
         Subcommand tokenizer = add_tokenizer_command(app);
         for (auto& c : add_tokenizer_train_subcommands(*tokenizer.app)) out.push_back(std::move(c));
         out.push_back(std::move(tokenizer));
       }},
      {{"inputs"}, [](CLI::App& app, auto& out) { out.push_back(add_inputs_command(app)); }},
      // Listed for --help; `tinyforge serve ...` never gets here (exec_serve above).
      {{}, [](CLI::App& app, auto&) { app.add_subcommand("serve", kServeDescription)->allow_extras(); }},
  };
  return run_cli(argc, argv, groups);
}
