// cli/inputs_command: `tinyforge inputs MODEL_DIR --task TASK --out FILE` — the dummy inputs optimum's export
// would feed the model, as a safetensors file plus FILE.json (names, shapes, dtypes, dynamic axes).
#include <chrono>
#include <ctime>
#include <iostream>
#include <memory>

#include "tinyforge/catalog/catalog.h"
#include "tinyforge/cli/command.h"
#include "tinyforge/inputs/dummy_inputs.h"
#include "tinyforge/util/fs.h"

namespace tinyforge::cli {

namespace {

struct InputsArgs {
  fs::path model_dir, out;
  inputs::InputsRequest request;
  std::map<std::string, int64_t> shapes;  // only the flags given
  std::string int_dtype = "int64", float_dtype = "fp32";
  bool durable = false;
};

int run_inputs_command(InputsArgs& args) {
  const fs::path config_path = args.model_dir / "config.json";
  if (!fs::is_regular_file(config_path))
    throw UserError("'" + args.model_dir.string() + "' has no config.json; give a model repository folder");
  auto int_dtype = inputs::parse_int_dtype(args.int_dtype);
  if (!int_dtype) throw UserError("--int_dtype '" + args.int_dtype + "' is not one of int64, int32, int8");
  auto float_dtype = inputs::parse_float_dtype(args.float_dtype);
  if (!float_dtype)
    throw UserError("--float_dtype '" + args.float_dtype + "' is not one of fp32, fp16, bf16");
  args.request.int_dtype = *int_dtype;
  args.request.float_dtype = *float_dtype;
  args.request.shapes = args.shapes;

  set_durable_writes(args.durable);
  Json config = parse_json(read_file(config_path), config_path.string());
  using Clock = std::chrono::steady_clock;
  auto ms_since = [](Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
  };
  const auto start = Clock::now();
  const std::clock_t cpu_start = std::clock();  // CPU time too: on a shared machine wall time mostly waits
  inputs::DummyInputs made = inputs::generate_dummy_inputs(config, args.request);
  const double generate_ms = ms_since(start);
  const double generate_cpu_ms = 1000.0 * static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  // Both files are rendered before either is written.
  const auto render_start = Clock::now();
  const std::string manifest = inputs::dummy_inputs_manifest(made, args.request);
  const size_t count = made.tensors.size();
  const std::string label = made.model_type + " " + made.task;
  const std::string tensors = inputs::dummy_inputs_safetensors(std::move(made));
  const double render_ms = ms_since(render_start);
  fs::path manifest_path = args.out;
  manifest_path += ".json";
  write_file_atomic(args.out, tensors);
  write_file_atomic(manifest_path, manifest);
  std::cout << "wrote " << count << " inputs for " << label << " to " << args.out.string() << " (manifest "
            << manifest_path.string() << "; generated in " << generate_ms << " ms (" << generate_cpu_ms
            << " ms CPU), rendered in " << render_ms << " ms)\n";
  return 0;
}

}  // namespace

Subcommand add_inputs_command(CLI::App& app) {
  auto args = std::make_shared<InputsArgs>();
  auto* cmd = app.add_subcommand(
      "inputs",
      "Write the dummy inputs optimum's ONNX export would feed a model (seeded) as safetensors + JSON");
  cmd->add_option("model_dir", args->model_dir, "Model repository folder (with config.json)")->required();
  cmd->add_option("--task", args->request.task,
                  "Task, as optimum's TasksManager names it (e.g. text-generation)")
      ->required();
  cmd->add_flag("--with_past,--with-past", args->request.with_past, "Inputs with a filled KV cache");
  for (const auto& [key, value] : inputs::default_dummy_shapes()) {
    std::string dashed = key;
    for (auto& c : dashed)
      if (c == '_') c = '-';
    cmd->add_option_function<int64_t>(
        "--" + key + (dashed != key ? ",--" + dashed : ""),
        [args, k = key](const int64_t& v) { args->shapes[k] = v; },
        "Dummy shape (default " + std::to_string(value) + ")");
  }
  cmd->add_option("--int_dtype,--int-dtype", args->int_dtype, "int64 | int32 | int8")->capture_default_str();
  cmd->add_option("--float_dtype,--float-dtype", args->float_dtype, "fp32 | fp16 | bf16")
      ->capture_default_str();
  cmd->add_option("--seed", args->request.seed, "Seed of the values")->capture_default_str();
  add_durable_flag(cmd, args->durable);
  cmd->add_option("--out", args->out, "Output safetensors file (manifest: FILE.json)")->required();
  return {cmd, [args] { return run_inputs_command(*args); }};
}

}  // namespace tinyforge::cli
