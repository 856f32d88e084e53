// cli/checkpoint_commands: the PreTrainedModel checkpoint tools on repositories on disk — `inspect`,
// `reshard`, `cast` and `resize-token-embeddings`. Each rewrite is atomic: the repository is either the old
// one or the new one; --durable adds power-loss durability.
#include <iostream>
#include <memory>

#include "tinyforge/checkpoint/inspect.h"
#include "tinyforge/checkpoint/resize.h"
#include "tinyforge/checkpoint/transform.h"
#include "tinyforge/cli/command.h"

namespace tinyforge::cli {

namespace {

struct InspectArgs {
  std::string dir, variant;
  bool json = false, strict = false;
  int64_t batch_size = 1, sequence_length = 128;
};

int run_inspect(const InspectArgs& a) {
  const Checkpoint checkpoint = open_checkpoint(a.dir, a.variant);
  const Inspection r = inspect_checkpoint(checkpoint);
  if (a.strict && r.roles_known) {  // load_sharded_checkpoint(strict=True): any mismatch is an error
    std::vector<std::string> expected;
    for (const auto& spec : family_tensors_for(checkpoint.config)) expected.push_back(spec.name);
    check_keys(checkpoint, expected, /*strict=*/true);
  }
  const Json j = inspection_json(r, a.batch_size, a.sequence_length);
  if (a.json) {
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::cout << "architecture: " << r.architecture << " (" << r.model_type << ")\n"
            << "parameters: " << r.num_parameters() << " (trainable " << r.num_parameters(true)
            << ", without embeddings " << r.num_parameters(false, true) << ")\n"
            << "buffers: " << r.buffers << " elements\n";
  if (!r.roles_known)
    std::cout << "note: model type not in the catalog; every tensor counted as a parameter\n";
  for (const auto& [dtype, bytes] : r.bytes_by_dtype)
    std::cout << "dtype " << dtype << ": " << bytes << " bytes\n";
  for (const auto& [file, bytes] : r.files)
    std::cout << "file " << file << ": " << bytes << " bytes of tensors\n";
  if (r.tie_word_embeddings) std::cout << "tied: the output head shares the input embedding\n";
  std::cout << "floating_point_ops(" << r.main_input_name << " " << j["main_input_shape"].dump()
            << "): " << j["floating_point_ops"] << "\n";
  return 0;
}

}  // namespace

std::vector<Subcommand> add_checkpoint_commands(CLI::App& app) {
  std::vector<Subcommand> out;

  auto inspect_args = std::make_shared<InspectArgs>();
  auto* inspect = app.add_subcommand("inspect", "Parameters, dtypes, shards and FLOPs of a repository");
  inspect->add_option("dir", inspect_args->dir, "Repository folder")->required();
  inspect->add_flag("--json", inspect_args->json, "Machine-readable output");
  inspect->add_flag(
      "--strict", inspect_args->strict,
      "Fail when tensors are missing or unexpected for the architecture (load_sharded_checkpoint)");
  inspect->add_option("--variant", inspect_args->variant, "Weights variant (model.{variant}.safetensors)");
  inspect->add_option("--batch_size,--batch-size", inspect_args->batch_size, "Batch for the FLOPs estimate")
      ->capture_default_str();
  inspect
      ->add_option("--sequence_length,--sequence-length", inspect_args->sequence_length,
                   "Sequence length for the FLOPs estimate")
      ->capture_default_str();
  out.push_back({inspect, [inspect_args] { return run_inspect(*inspect_args); }});

  struct ReshardArgs {
    std::string dir, size, variant;
    bool durable = false;
  };
  auto reshard_args = std::make_shared<ReshardArgs>();
  auto* reshard =
      app.add_subcommand("reshard", "Re-split the weights as save_pretrained(max_shard_size=...) does");
  reshard->add_option("dir", reshard_args->dir, "Repository folder")->required();
  reshard->add_option("--max_shard_size,--max-shard-size", reshard_args->size, "e.g. 10KB, 5MB, 2GB")
      ->required();
  reshard->add_option("--variant", reshard_args->variant, "Weights variant");
  add_durable_flag(reshard, reshard_args->durable);
  out.push_back({reshard, [reshard_args] {
                   set_durable_writes(reshard_args->durable);
                   auto files = reshard_repository(reshard_args->dir, parse_shard_size(reshard_args->size),
                                                   reshard_args->variant);
                   std::cout << "wrote";
                   for (const auto& f : files) std::cout << " " << f;
                   std::cout << "\n";
                   return 0;
                 }});

  struct CastArgs {
    std::string dir, dtype, variant;
    bool durable = false;
  };
  auto cast_args = std::make_shared<CastArgs>();
  auto* cast = app.add_subcommand("cast", "Cast floating-point weights (config dtype updated)");
  cast->add_option("dir", cast_args->dir, "Repository folder")->required();
  cast->add_option("--dtype", cast_args->dtype, "float16, bfloat16 or float32")->required();
  cast->add_option("--variant", cast_args->variant, "Weights variant");
  add_durable_flag(cast, cast_args->durable);
  out.push_back({cast, [cast_args] {
                   set_durable_writes(cast_args->durable);
                   cast_repository(cast_args->dir, cast_args->dtype, cast_args->variant);
                   std::cout << "cast " << cast_args->dir << " to " << cast_args->dtype << "\n";
                   return 0;
                 }});
  struct ResizeArgs {
    std::string dir;
    ResizeOptions options;
    bool durable = false;
  };
  auto resize_args = std::make_shared<ResizeArgs>();
  auto* resize = app.add_subcommand("resize-token-embeddings",
                                    "Resize the vocabulary as PreTrainedModel.resize_token_embeddings does");
  resize->add_option("dir", resize_args->dir, "Repository folder")->required();
  resize->add_option("new_num_tokens", resize_args->options.new_num_tokens, "New vocabulary size")
      ->required();
  resize->add_option("--pad_to_multiple_of,--pad-to-multiple-of", resize_args->options.pad_to_multiple_of,
                     "Round the size up to a multiple of this");
  resize->add_option("--seed", resize_args->options.seed, "Seed of the new rows")->capture_default_str();
  add_durable_flag(resize, resize_args->durable);
  out.push_back({resize, [resize_args] {
                   set_durable_writes(resize_args->durable);
                   int64_t n = resize_token_embeddings(resize_args->dir, resize_args->options);
                   std::cout << "vocab_size " << n << "\n";
                   return 0;
                 }});
  return out;
}

}  // namespace tinyforge::cli
