"""`tinyforge inputs` against optimum: for every forged architecture and every task optimum's TasksManager lists
for its model type, our names, shapes, dtypes and dynamic axes equal those of optimum's generate_dummy_inputs
for the same config, task and shapes; the values keep optimum's rules; and the transformers model for the
task runs on our inputs (past key values as its cache classes) to finite outputs."""
import json
import math

import pytest
import torch
import transformers
from safetensors.torch import load_file
from transformers import AutoConfig, DynamicCache, EncoderDecoderCache

import optimum_oracle
from optimum_oracle import TasksManager, dummy_inputs, supported_tasks
from test_oracle import SCALED, scaled_overrides
from tinyforge_support import catalog, run_tinyforge

CATALOG = catalog()
TORCH_DTYPES = {"int64": torch.int64, "int32": torch.int32, "int8": torch.int8, "fp32": torch.float32,
                "fp16": torch.float16, "bf16": torch.bfloat16}
FLOAT_RANGES = {"input_values": (-1, 1), "input_features": (-1, 1)}  # everything else float is [0, 1)


def fitted_shapes(config):
    """Non-default shapes every model can also run with (Whisper's encoder wants 2 * max_source_positions
    frames); they differ from the defaults so that overrides are checked too."""
    shapes = {"batch_size": 3, "sequence_length": 7, "num_choices": 2, "audio_sequence_length": 1600,
              "height": 40, "width": 36}
    if getattr(config, "max_source_positions", None):
        shapes["nb_max_frames"] = 2 * config.max_source_positions
    return shapes


def tinyforge_inputs(repo, task, out, shapes=None, int_dtype="int64", float_dtype="fp32", seed=0):
    args = ["inputs", repo, "--task", task, "--out", out, "--int_dtype", int_dtype, "--float_dtype", float_dtype,
            "--seed", seed]
    for k, v in (shapes or {}).items():
        args += [f"--{k}", v]
    run_tinyforge(*args)
    return load_file(str(out)), json.loads(open(f"{out}.json").read())


def check_values(name, t, cfg, shapes):
    nc = cfg._normalized_config
    seq = shapes.get("sequence_length", 16)
    if t.dtype.is_floating_point:
        lo, hi = FLOAT_RANGES.get(name, (0, 1))
        assert t.min() >= lo and t.max() < hi, f"{name} outside [{lo}, {hi})"
        return
    values = t.to(torch.int64)
    if name == "attention_mask":
        # Right padding: ones then zeros over the first `seq`-long block, the same for every row (and choice),
        # then ones for the cached positions.
        rows = values.reshape(-1, values.shape[-1])
        own = rows[:, : values.shape[-1] if values.shape[-1] <= seq else seq]
        assert (rows == rows[0]).all(), "mask padding differs between rows"
        n_ones = int(own[0].sum())
        assert 1 <= n_ones <= own.shape[1] - 1, "mask needs a real and a padded position"
        assert own[0, :n_ones].eq(1).all() and own[0, n_ones:].eq(0).all(), "mask is not right-padded"
        assert rows[:, own.shape[1]:].eq(1).all(), "cache part of the mask must be ones"
        return
    if name == "input_ids":
        hi = nc.vocab_size
    elif name == "position_ids":
        hi = t.shape[-1]
    else:  # token_type_ids, decoder_input_ids: exact-name rule gives {0, 1}
        hi = 2
    assert values.min() >= 0 and values.max() < hi, f"{name} outside [0, {hi})"


def compare_case(repo, config, task, out, shapes=None, int_dtype="int64", float_dtype="fp32"):
    cfg, ref = dummy_inputs(config, task, shapes, int_dtype, float_dtype)
    ours, manifest = tinyforge_inputs(repo, task, out, shapes, int_dtype, float_dtype)
    entries = manifest["inputs"]
    assert [e["name"] for e in entries] == list(ref), f"{task}: names/order differ"
    for e in entries:
        name = e["name"]
        assert list(ours[name].shape) == list(ref[name].shape) == e["shape"], f"{task}: {name} shape"
        assert ours[name].dtype == ref[name].dtype, f"{task}: {name} dtype {ours[name].dtype} vs {ref[name].dtype}"
        axes = {str(k): v for k, v in cfg.inputs[name].items()}
        assert e["dynamic_axes"] == axes, f"{task}: {name} dynamic axes"
        check_values(name, ours[name], cfg, {**optimum_oracle.DEFAULT_SHAPES, **(shapes or {})})
    return ours, manifest


def model_for(model_type, task, archs, root):
    """The forged architecture that TasksManager's model class for the task loads, or None."""
    base = task.replace("-with-past", "")
    auto = TasksManager.get_model_class_for_task(base, framework="pt", model_type=model_type, library="transformers")
    config = AutoConfig.from_pretrained(root / archs[0])
    try:
        cls = auto._model_mapping[type(config)]
    except (KeyError, AttributeError):
        return None, None
    return (cls.__name__, cls) if cls.__name__ in archs else (None, None)


def as_model_kwargs(tensors, model):
    kwargs, layers = {}, {}
    for name, t in tensors.items():
        if name.startswith("past_key_values."):
            _, i, part = name.split(".", 2)
            layers.setdefault(int(i), {})[part] = t
        elif name == "encoder_outputs":
            kwargs[name] = (t,)
        else:
            kwargs[name] = t
    if layers:
        n = len(layers)
        if "decoder.key" in layers[0]:
            self_cache, cross_cache = DynamicCache(config=model.config), DynamicCache(config=model.config)
            for i in range(n):
                self_cache.update(layers[i]["decoder.key"], layers[i]["decoder.value"], i)
                cross_cache.update(layers[i]["encoder.key"], layers[i]["encoder.value"], i)
            kwargs["past_key_values"] = EncoderDecoderCache(self_cache, cross_cache)
        else:
            cache = DynamicCache(config=model.config)
            for i in range(n):
                cache.update(layers[i]["key"], layers[i]["value"], i)
            kwargs["past_key_values"] = cache
        kwargs["use_cache"] = True
    return kwargs


def assert_finite(value, where):
    if isinstance(value, torch.Tensor):
        if value.is_floating_point():
            assert torch.isfinite(value).all(), f"non-finite output in {where}"
    elif isinstance(value, (tuple, list)):
        for i, v in enumerate(value):
            assert_finite(v, f"{where}[{i}]")
    elif isinstance(value, dict):
        for k, v in value.items():
            assert_finite(v, f"{where}.{k}")


def tasks_or_skip(model_type):
    """optimum's ONNX tasks for the type; a type optimum has no export config for has no reference inputs."""
    try:
        return supported_tasks(model_type)
    except KeyError:
        pytest.skip(f"optimum 2.3.0 / optimum-onnx 0.1.0 have no ONNX config for {model_type}: no reference inputs")


@pytest.mark.parametrize("model_type", sorted(CATALOG))
def test_inputs_match_optimum(model_type, forge_cache, tmp_path):
    """Names, shapes, dtypes, dynamic axes and value rules for every architecture × task, at optimum's
    default shapes and at overridden ones, for the tiny and the scaled config."""
    tasks = tasks_or_skip(model_type)
    cases = 0
    for variant, overrides in (("tiny", ()), ("scaled", tuple(scaled_overrides(model_type)))):
        root = forge_cache(model_type, overrides) / model_type
        for arch in CATALOG[model_type]:
            config = AutoConfig.from_pretrained(root / arch)
            for task in tasks:
                for shapes in (None, fitted_shapes(config)):
                    compare_case(root / arch, config, task, tmp_path / f"{arch}-{task}.safetensors", shapes)
                    cases += 1
    assert cases


@pytest.mark.parametrize("model_type", sorted(CATALOG))
def test_inputs_run_in_transformers(model_type, forge_cache, tmp_path):
    """Each task's transformers model (the forged architecture TasksManager would load) runs on our inputs."""
    root = forge_cache(model_type) / model_type
    archs = CATALOG[model_type]
    ran = []
    for task in tasks_or_skip(model_type):
        arch, cls = model_for(model_type, task, archs, root)
        if arch is None:
            continue
        config = AutoConfig.from_pretrained(root / arch)
        tensors, _ = tinyforge_inputs(root / arch, task, tmp_path / f"{task}.safetensors", fitted_shapes(config))
        model = cls.from_pretrained(root / arch).eval()
        with torch.no_grad():
            out = model(**as_model_kwargs(tensors, model))
        assert_finite(out.to_tuple() if hasattr(out, "to_tuple") else out, f"{arch} {task}")
        ran.append(task)
    assert ran, f"no forged architecture of {model_type} serves any of its tasks"


# int8 ids only make sense (and optimum only generates them) for vocabularies under 128 entries: that case uses a
# BERT whose tokenizer was trained to 120 entries instead of the 1024-entry GPT-2 / Whisper ones.
DTYPE_CASES = {
    "int32": [("gpt2", (), "GPT2LMHeadModel", "text-generation-with-past"),
              ("whisper", (), "WhisperForConditionalGeneration", "automatic-speech-recognition-with-past"),
              ("vit", (), "ViTModel", "feature-extraction")],
    "int8": [("bert", ("vocab_size=120",), "BertModel", "feature-extraction"),
             ("wav2vec2", (), "Wav2Vec2Model", "feature-extraction"),
             ("vit", (), "ViTModel", "feature-extraction")],
}


@pytest.mark.parametrize("int_dtype,float_dtype", [("int32", "fp16"), ("int8", "bf16")])
def test_inputs_dtypes_match_optimum(int_dtype, float_dtype, forge_cache, tmp_path):
    for model_type, overrides, arch, task in DTYPE_CASES[int_dtype]:
        repo = forge_cache(model_type, overrides) / model_type / arch
        config = AutoConfig.from_pretrained(repo)
        compare_case(repo, config, task, tmp_path / "x.safetensors", None, int_dtype, float_dtype)


def test_inputs_are_seeded(forge_cache, tmp_path):
    repo = forge_cache("t5") / "t5" / "T5ForConditionalGeneration"
    files = []
    for i, seed in enumerate((0, 0, 1)):
        out = tmp_path / f"{i}.safetensors"
        run_tinyforge("inputs", repo, "--task", "text2text-generation-with-past", "--seed", seed, "--out", out)
        files.append(out.read_bytes())
    assert files[0] == files[1]
    assert files[0] != files[2]


def test_create_with_inputs_writes_the_default_task(tmp_path):
    """`create --with_inputs`: every repository gets dummy_inputs.safetensors for the task optimum infers from
    its class (feature-extraction when optimum has no ONNX config for that task), equal to `tinyforge inputs`."""
    out = tmp_path / "forged"
    run_tinyforge("create", out, "--all", "--with_inputs", "--seed", 3)
    checked = 0
    for model_type, archs in sorted(CATALOG.items()):
        try:
            tasks = supported_tasks(model_type)
        except KeyError:
            continue  # optimum has no ONNX config: no reference to compare with
        for arch in archs:
            repo = out / model_type / arch
            if not (repo / "dummy_inputs.safetensors").exists() and model_type not in SCALED:
                continue  # a compiled type the inputs module has no generator table for yet (README: known gaps)
            try:
                task = TasksManager._infer_task_from_model_or_model_class(model_class=getattr(transformers, arch))
            except ValueError:
                task = None
            task = task if task in tasks else "feature-extraction"
            ours = load_file(str(repo / "dummy_inputs.safetensors"))
            _, ref = dummy_inputs(AutoConfig.from_pretrained(repo), task)
            assert sorted(ours) == sorted(ref), f"{arch}: {task}"
            for name in ref:
                assert list(ours[name].shape) == list(ref[name].shape) and ours[name].dtype == ref[name].dtype
            single = tmp_path / "single.safetensors"
            run_tinyforge("inputs", repo, "--task", task, "--seed", 3, "--out", single)
            assert single.read_bytes() == (repo / "dummy_inputs.safetensors").read_bytes()
            checked += 1
    assert checked >= sum(len(a) for t, a in CATALOG.items() if t in SCALED)


@pytest.mark.parametrize("args,message", [
    (["--task", "text2text-generation"], "supported tasks: feature-extraction, feature-extraction-with-past"),
    (["--task", "text-classification", "--with_past"], "does not support task 'text-classification-with-past'"),
    (["--task", "text-generation", "--sequence_length", "1"], "--sequence_length 1"),
    (["--task", "text-generation", "--batch_size", "0"], "--batch_size must be a positive size"),
    (["--task", "text-generation", "--int_dtype", "int16"], "--int_dtype 'int16'"),
    (["--task", "text-generation", "--int_dtype", "int8"], "do not fit I8"),
])
def test_inputs_bad_input(args, message, forge_cache, tmp_path):
    # gpt2's tiny vocabulary (99) fits int8, so the int8 case uses a scaled vocabulary.
    overrides = ("vocab_size=300",) if "int8" in args else ()
    repo = forge_cache("gpt2", overrides) / "gpt2" / "GPT2LMHeadModel"
    out = tmp_path / "x.safetensors"
    proc = run_tinyforge("inputs", repo, *args, "--out", out, check=False)
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr
    assert not out.exists() and not (tmp_path / "x.safetensors.json").exists()


# Model types optimum has past-key-value layouts for that the forging catalog does not cover yet: checked on
# transformers' own (tiny) configs, saved with save_pretrained.
CONFIG_ONLY = {
    "falcon-new-arch": ("FalconConfig", dict(vocab_size=99, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                                             num_kv_heads=2, new_decoder_architecture=True)),
    "falcon-multi-query": ("FalconConfig", dict(vocab_size=99, hidden_size=32, num_hidden_layers=2,
                                                num_attention_heads=4, multi_query=True)),
    "falcon-alibi": ("FalconConfig", dict(vocab_size=99, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                                          multi_query=False, num_kv_heads=4, alibi=True)),
    "bloom": ("BloomConfig", dict(vocab_size=99, hidden_size=32, n_layer=2, n_head=4)),
    "gpt_bigcode-mqa": ("GPTBigCodeConfig", dict(vocab_size=99, n_embd=32, n_layer=2, n_head=4, multi_query=True)),
    "gpt_bigcode-mha": ("GPTBigCodeConfig", dict(vocab_size=99, n_embd=32, n_layer=2, n_head=4, multi_query=False)),
    "deepseek_v3": ("DeepseekV3Config", dict(vocab_size=99, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                                             num_key_value_heads=4, qk_rope_head_dim=4, qk_nope_head_dim=8,
                                             v_head_dim=6, kv_lora_rank=8, q_lora_rank=8, intermediate_size=16,
                                             moe_intermediate_size=8, n_routed_experts=4, num_experts_per_tok=2,
                                             first_k_dense_replace=1, n_group=1, topk_group=1)),
}


@pytest.mark.parametrize("case", sorted(CONFIG_ONLY))
def test_inputs_past_layouts_match_optimum(case, tmp_path):
    cls_name, kwargs = CONFIG_ONLY[case]
    config = getattr(transformers, cls_name)(**kwargs)
    repo = tmp_path / "repo"
    config.save_pretrained(repo)
    config = AutoConfig.from_pretrained(repo)
    for task in supported_tasks(config.model_type):
        for shapes in (None, fitted_shapes(config)):
            compare_case(repo, config, task, tmp_path / "x.safetensors", shapes)


# optimum's own dummy caches for these layouts do not fit transformers 5.23's attention either (checked with
# optimum's generate_dummy_inputs): our inputs match optimum, so the model run fails the same way.
OPTIMUM_LAYOUT_GAPS = {
    "deepseek_v3": "optimum's DeepSeekV3 cache (k: qk_rope+qk_nope, v: v_head_dim per head) does not match "
                   "transformers 5.23's DeepseekV3 attention cache layout",
    "falcon-new-arch": "optimum's Falcon cache uses num_kv_heads heads for new_decoder_architecture; "
                       "transformers 5.23's Falcon attention expects another head count",
}


@pytest.mark.parametrize("case", [
    pytest.param(c, marks=pytest.mark.xfail(reason=OPTIMUM_LAYOUT_GAPS[c], strict=True))
    if c in OPTIMUM_LAYOUT_GAPS else c for c in sorted(CONFIG_ONLY)])
def test_inputs_past_layouts_run_in_transformers(case, tmp_path):
    cls_name, kwargs = CONFIG_ONLY[case]
    config = getattr(transformers, cls_name)(**kwargs)
    repo = tmp_path / "repo"
    config.save_pretrained(repo)
    config = AutoConfig.from_pretrained(repo)
    torch.manual_seed(0)
    model = transformers.AutoModelForCausalLM.from_config(config).eval()
    tensors, _ = tinyforge_inputs(repo, "text-generation-with-past", tmp_path / "run.safetensors",
                                  fitted_shapes(config))
    with torch.no_grad():
        out = model(**as_model_kwargs(tensors, model))
    assert_finite(out.logits, f"{case} logits")
