// cli/serve_command: `tinyforge serve`, a local Hub-compatible server (see hub/server.h).
#include <cstdlib>

#include "tinyforge/cli/command.h"
#include "tinyforge/hub/server.h"

namespace tinyforge::cli {

Subcommand add_serve_command(CLI::App& app) {
  auto options = std::make_shared<hub::ServeOptions>();
  auto* serve = app.add_subcommand("serve", kServeDescription);
  serve->add_option("--root", options->root, "Folder holding the served repositories")->required();
  serve->add_option("--port", options->port, "TCP port (0: a free one, named on the startup line)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  serve->add_option("--host", options->host, "Address to listen on (loopback by default)")
      ->capture_default_str();
  serve->add_option("--token", options->token,
                    "Token required for writes (default: $TINYFORGE_SERVE_TOKEN; none = read-only)");
  serve->add_flag("--on_demand,--on-demand", options->on_demand,
                  "Forge ORG/tiny-random-{Arch} on its first request");
  serve
      ->add_option("--max_body_bytes,--max-body-bytes", options->max_body_bytes,
                   "Largest accepted request body")
      ->capture_default_str();
  serve
      ->add_option("--max_inline_bytes,--max-inline-bytes", options->max_inline_bytes,
                   "Largest file clients upload inline in the commit rather than by LFS or Xet (0: only "
                   "what the Hub itself takes inline)")
      ->capture_default_str();
  serve
      ->add_option("--threads", options->threads,
                   "Worker threads (each answers one complete request at a time)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  serve->add_option("--seed", options->seed, "Seed of on-demand forged weights")->capture_default_str();
  return {serve, [options] {
            if (options->token.empty())
              if (const char* t = std::getenv("TINYFORGE_SERVE_TOKEN")) options->token = t;
            return hub::run_server(*options);
          }};
}

}  // namespace tinyforge::cli
