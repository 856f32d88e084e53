"""Checkpoint tools against transformers: `inspect` counts parameters exactly as num_parameters() does for
every option combination and estimates FLOPs as the Trainer does; `reshard` writes the shards and index
save_pretrained writes for the same max_shard_size, which transformers loads cleanly; `cast` gives
checkpoints transformers loads in the recorded dtype (T5 keeping `wo` in float32) and saves back byte for
byte. Bad checkpoints get a clear error and are left untouched."""
import hashlib
import json
import shutil
import struct

import numpy as np
import pytest
import torch
import transformers
from safetensors import safe_open
from safetensors.torch import save_file

from test_oracle import CASES as ALL_CASES, SCALED, forged_dir
from tinyforge_support import catalog, load_json, run_tinyforge

# The checkpoint tools are exercised on the hand-scaled model types (every kind of model: text, vision, audio,
# encoder-decoder); the breadth of the catalog is the oracle's (test_oracle.py).
CATALOG = {t: a for t, a in catalog().items() if t in SCALED}
CASES = [c for c in ALL_CASES if c.values[0] in SCALED]
TINY_CASES = [c for c in CASES if c.values[2] == "tiny"]


def inspect_json(folder, *extra):
    return json.loads(run_tinyforge("inspect", folder, "--json", *extra).stdout)


def read_all(folder):
    """Every tensor of a (possibly sharded) repository, by name."""
    out = {}
    for f in sorted(folder.glob("*.safetensors")):
        with safe_open(str(f), "pt") as h:
            for k in h.keys():
                assert k not in out, f"{k} twice"
                out[k] = h.get_tensor(k)
    return out


def same_bytes(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and a.contiguous().reshape(-1).view(torch.uint8).equal(
        b.contiguous().reshape(-1).view(torch.uint8))


def clean_load(cls, folder, **kwargs):
    model, info = cls.from_pretrained(folder, output_loading_info=True, **kwargs)
    for kind in ("missing_keys", "unexpected_keys", "mismatched_keys", "error_msgs"):
        assert not info.get(kind), f"{kind}: {info.get(kind)}"
    return model


@pytest.mark.parametrize("model_type,arch,variant", CASES)
def test_inspect_counts_like_num_parameters(forge_cache, model_type, arch, variant):
    folder = forged_dir(forge_cache, model_type, arch, variant)
    ours = inspect_json(folder, "--batch_size", "3", "--sequence_length", "11")
    model = getattr(transformers, arch).from_pretrained(folder)
    for only_trainable in (False, True):
        for exclude_embeddings in (False, True):
            key = f"only_trainable={str(only_trainable).lower()},exclude_embeddings={str(exclude_embeddings).lower()}"
            assert ours["num_parameters"][key] == model.num_parameters(
                only_trainable=only_trainable, exclude_embeddings=exclude_embeddings), key
    # Trainer.floating_point_ops: 6 x numel(main input) x non-embedding parameters, on an input of the shape
    # the model takes.
    assert ours["main_input_name"] == model.main_input_name
    shape = ours["main_input_shape"]
    assert shape[0] == 3
    if model.main_input_name in ("input_ids", "input_values"):
        assert shape == [3, 11]
    trainer = transformers.Trainer.__new__(transformers.Trainer)
    trainer.model = model
    inputs = {model.main_input_name: torch.zeros(shape)}
    assert ours["floating_point_ops"] == trainer.floating_point_ops(inputs)
    assert ours["estimate_tokens"] == inputs[model.main_input_name].numel()
    total = sum(f.stat().st_size for f in folder.glob("*.safetensors"))
    assert sum(ours["bytes_by_dtype"].values()) < total


@pytest.mark.parametrize("model_type,arch,variant", TINY_CASES)
def test_reshard_matches_save_pretrained(forge_cache, tmp_path, model_type, arch, variant):
    folder = tmp_path / "ours"
    shutil.copytree(forged_dir(forge_cache, model_type, arch, variant), folder)
    before = read_all(folder)
    size = max(4000, sum(t.numel() * t.element_size() for t in before.values()) // 5)
    run_tinyforge("reshard", folder, "--max_shard_size", str(size))
    model = clean_load(getattr(transformers, arch), folder)
    after = read_all(folder)
    assert sorted(after) == sorted(before)
    assert all(same_bytes(after[k], before[k]) for k in before)
    # transformers' own sharding of the same model at the same limit: same files, same index.
    model.save_pretrained(tmp_path / "theirs", max_shard_size=size)
    ours_files = sorted(p.name for p in folder.iterdir() if "safetensors" in p.name)
    theirs_files = sorted(p.name for p in (tmp_path / "theirs").iterdir() if "safetensors" in p.name)
    assert ours_files == theirs_files
    if (folder / "model.safetensors.index.json").exists():
        assert load_json(folder / "model.safetensors.index.json") == \
            load_json(tmp_path / "theirs" / "model.safetensors.index.json")
    assert inspect_json(folder)["num_parameters"] == inspect_json(forged_dir(forge_cache, model_type, arch,
                                                                             variant))["num_parameters"]


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("model_type,arch,variant", [c for c in TINY_CASES if c.values[1] in (
    "BertForMaskedLM", "T5ForConditionalGeneration", "LlamaForCausalLM", "ResNetForImageClassification",
    "WhisperForConditionalGeneration", "CLIPModel")])
def test_cast_loads_in_recorded_dtype(forge_cache, tmp_path, model_type, arch, variant, dtype):
    source = forged_dir(forge_cache, model_type, arch, variant)
    folder = tmp_path / "ours"
    shutil.copytree(source, folder)
    run_tinyforge("cast", folder, "--dtype", dtype)
    config = load_json(folder / "config.json")
    assert config["dtype"] == dtype
    model = clean_load(getattr(transformers, arch), folder, dtype="auto")
    target = getattr(torch, dtype)
    keep = set(getattr(model, "_keep_in_fp32_modules", None) or []) if dtype == "float16" else set()
    ours = read_all(folder)
    original = read_all(source)
    for name, t in ours.items():
        if not original[name].is_floating_point():
            assert same_bytes(t, original[name]), name
            continue
        expected = torch.float32 if any(k in name for k in keep) else target
        assert t.dtype == expected, f"{name}: {t.dtype}, expected {expected}"
        assert same_bytes(t, original[name].to(expected)), f"{name}: values differ from torch's cast"
    # transformers writes the same bytes back.
    model.save_pretrained(tmp_path / "theirs")
    theirs = read_all(tmp_path / "theirs")
    assert sorted(theirs) == sorted(ours)
    assert all(same_bytes(theirs[k], ours[k]) for k in ours)
    assert load_json(tmp_path / "theirs" / "config.json")["dtype"] == dtype


def digest(folder):
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(p.name.encode() + p.read_bytes())
    return h.hexdigest()


def repo(forge_cache, tmp_path, arch="BertModel"):
    folder = tmp_path / "repo"
    shutil.copytree(forged_dir(forge_cache, "bert", arch, "tiny"), folder)
    return folder


def test_truncated_safetensors_is_a_clear_error(forge_cache, tmp_path):
    folder = repo(forge_cache, tmp_path)
    data = (folder / "model.safetensors").read_bytes()
    (folder / "model.safetensors").write_bytes(data[: len(data) - 100])
    before = digest(folder)
    for args in (("inspect", folder), ("reshard", folder, "--max_shard_size", "10KB"),
                 ("cast", folder, "--dtype", "float16")):
        proc = run_tinyforge(*args, check=False)
        assert proc.returncode == 2, args
        assert "model.safetensors" in proc.stderr and "truncated" in proc.stderr, proc.stderr
    assert digest(folder) == before


def test_corrupt_header_is_a_clear_error(forge_cache, tmp_path):
    folder = repo(forge_cache, tmp_path)
    data = bytearray((folder / "model.safetensors").read_bytes())
    data[8] = ord("[")
    (folder / "model.safetensors").write_bytes(bytes(data))
    proc = run_tinyforge("inspect", folder, check=False)
    assert proc.returncode == 2 and "header" in proc.stderr, proc.stderr


def sharded(forge_cache, tmp_path):
    folder = repo(forge_cache, tmp_path)
    run_tinyforge("reshard", folder, "--max_shard_size", "20KB")
    index = load_json(folder / "model.safetensors.index.json")
    assert len(set(index["weight_map"].values())) > 1
    return folder, index


def test_index_naming_a_missing_shard(forge_cache, tmp_path):
    folder, index = sharded(forge_cache, tmp_path)
    last = sorted(set(index["weight_map"].values()))[-1]
    (folder / last).unlink()
    before = digest(folder)
    for args in (("inspect", folder), ("cast", folder, "--dtype", "bfloat16")):
        proc = run_tinyforge(*args, check=False)
        assert proc.returncode == 2 and last in proc.stderr and "missing" in proc.stderr, proc.stderr
    assert digest(folder) == before


def test_duplicate_tensor_across_shards(forge_cache, tmp_path):
    folder, index = sharded(forge_cache, tmp_path)
    files = sorted(set(index["weight_map"].values()))
    with safe_open(str(folder / files[0]), "pt") as h:
        first = {k: h.get_tensor(k) for k in h.keys()}
    with safe_open(str(folder / files[1]), "pt") as h:
        second = {k: h.get_tensor(k) for k in h.keys()}
    dup = sorted(first)[0]
    second[dup] = first[dup]
    save_file(second, str(folder / files[1]), metadata={"format": "pt"})
    proc = run_tinyforge("inspect", folder, check=False)
    assert proc.returncode == 2 and dup in proc.stderr and "two shards" in proc.stderr, proc.stderr


def test_cast_overflow_names_the_tensor_and_writes_nothing(forge_cache, tmp_path):
    folder = repo(forge_cache, tmp_path)
    with safe_open(str(folder / "model.safetensors"), "pt") as h:
        tensors = {k: h.get_tensor(k) for k in h.keys()}
    tensors["pooler.dense.bias"][0] = 1e6
    save_file(tensors, str(folder / "model.safetensors"), metadata={"format": "pt"})
    before = digest(folder)
    proc = run_tinyforge("cast", folder, "--dtype", "float16", check=False)
    assert proc.returncode == 2 and "pooler.dense.bias" in proc.stderr and "float16" in proc.stderr, proc.stderr
    assert digest(folder) == before
    assert not [p for p in folder.parent.iterdir() if "tinyforge-tmp" in p.name]
    run_tinyforge("cast", folder, "--dtype", "bfloat16")  # bfloat16 holds it
    assert load_json(folder / "config.json")["dtype"] == "bfloat16"


def test_bad_shard_size_and_dtype(forge_cache, tmp_path):
    folder = repo(forge_cache, tmp_path)
    proc = run_tinyforge("reshard", folder, "--max_shard_size", "10XB", check=False)
    assert proc.returncode == 2 and "10XB" in proc.stderr and "KB" in proc.stderr
    proc = run_tinyforge("cast", folder, "--dtype", "float8", check=False)
    assert proc.returncode == 2 and "float8" in proc.stderr and "bfloat16" in proc.stderr


# cast against torch's own `.to()` on the values where conversions go wrong: signed zeros, float32 and float16
# subnormals, infinities, NaNs with payloads (quiet and signalling), ties between two neighbours (to even, and
# carrying into the exponent), the largest finite values and the values just below overflow. Bit patterns.
F32_EDGES = [
    0x00000000, 0x80000000, 0x00000001, 0x807FFFFF, 0x00800000, 0x7F800000, 0xFF800000,  # zeros, subnormals, inf
    0x7FC00000, 0xFFC00000, 0x7F800001, 0xFFA00000, 0x7F812345, 0x7FFFFFFF, 0xFFFFE000,  # NaNs
    0x3F808000, 0x3F818000, 0x3F808001, 0x3F807FFF, 0xBF808000, 0x3FFF8000, 0xC0FF8000,  # bfloat16 ties
    0x3F801000, 0x3F803000, 0x3F801001, 0xBF803000, 0x3FFFF000,  # float16 ties
    0x33800000, 0x33000000, 0x33000001, 0x33C00000, 0x38000000, 0xB87FFFFF, 0x387FE000, 0x2F800000,  # f16 subnormals
    0x477FE000, 0x477FEFFF, 0xC77FEFFF, 0x3F800000, 0xC0200000, 0x3DCCCCCD, 0x322BCC77, 0x40490FD0,
]
F32_BF16_ONLY = [0x7F7F0000, 0x7F7F7FFF, 0xFF7F7FFF, 0x5F800000]  # finite in bfloat16, beyond float16


def from_bits(words, dtype):
    """A tensor of `dtype` holding the given bit patterns."""
    if dtype == torch.float32:
        return torch.tensor(np.array(words, dtype=np.uint32).view(np.int32)).view(torch.float32)
    return torch.tensor(np.array(words, dtype=np.uint16).view(np.int16)).view(dtype)


def fits(t, dtype):
    """The values of t that torch's `.to(dtype)` does not turn from finite into inf (cast refuses those)."""
    return t[~(torch.isfinite(t) & torch.isinf(t.to(dtype)))]


def bare_repository(folder, tensors):
    folder.mkdir()
    save_file(tensors, str(folder / "model.safetensors"), metadata={"format": "pt"})
    (folder / "config.json").write_text("{}\n")
    return folder


@pytest.mark.parametrize("dtype", ["bfloat16", "float16", "float32"])
def test_cast_matches_torch_bit_for_bit(tmp_path, dtype):
    target = getattr(torch, dtype)
    rng = np.random.default_rng(7)
    # Past one conversion chunk (262144 values), with a tail that is no multiple of a vector.
    random_bits = torch.tensor(rng.integers(-2**31, 2**31, 300_007, dtype=np.int64).astype(np.int32)).view(
        torch.float32)
    normal = torch.tensor(rng.normal(0, 0.02, 100_003).astype(np.float32))
    every16 = list(range(65536))
    edges = F32_EDGES + ([] if dtype == "float16" else F32_BF16_ONLY)
    tensors = {
        "edges": from_bits(edges, torch.float32),
        "random_bits": fits(random_bits, target),
        "normal.weight": normal,
        "every_half": fits(from_bits(every16, torch.float16), target),
        "every_bfloat16": fits(from_bits(every16, torch.bfloat16), target),
        "layers.0.steps": torch.arange(-5, 1000, dtype=torch.int64),
        "layers.1.mask": torch.tensor([True, False, True]),
        "double": torch.tensor([1.0 + 2**-40, float("nan")], dtype=torch.float64),
        "empty": torch.zeros(0, 3, dtype=torch.float16 if dtype == "float32" else torch.float32),
    }
    folder = bare_repository(tmp_path / "repo", tensors)
    run_tinyforge("cast", folder, "--dtype", dtype)
    ours = read_all(folder)
    assert sorted(ours) == sorted(tensors)
    for name, t in tensors.items():
        # float64 and integer tensors stay as they are, as from_pretrained(dtype=...) leaves them.
        expected = t.to(target) if t.dtype in (torch.float32, torch.float16, torch.bfloat16) else t
        assert same_bytes(ours[name], expected), f"{name}: bytes differ from torch's .to({dtype})"
    assert load_json(folder / "config.json")["dtype"] == dtype


@pytest.mark.parametrize("source,word,dtype", [
    (torch.float32, 0x477FF000, "float16"),   # 65520: halfway past 65504, rounds to inf
    (torch.float32, 0xFF7FFFFF, "float16"),
    (torch.float32, 0x7F7F8000, "bfloat16"),  # halfway past bfloat16's largest finite value
    (torch.bfloat16, 0x4780, "float16"),      # 65536
])
def test_cast_refuses_what_torch_would_make_infinite(tmp_path, source, word, dtype):
    values = from_bits([0x3F80 if source == torch.bfloat16 else 0x3F800000, word], source)
    assert torch.isinf(values.to(getattr(torch, dtype))[1])  # torch's cast overflows there
    folder = bare_repository(tmp_path / "repo", {"a": torch.ones(3), "lm_head.weight": values})
    before = digest(folder)
    proc = run_tinyforge("cast", folder, "--dtype", dtype, check=False)
    assert proc.returncode == 2 and "lm_head.weight" in proc.stderr and dtype in proc.stderr, proc.stderr
    assert digest(folder) == before


def test_reshard_keeps_every_dtype_byte_for_byte(tmp_path):
    g = torch.Generator().manual_seed(3)
    tensors = {
        f"model.layers.{i}.{kind}": t
        for i in range(12)
        for kind, t in (("weight", torch.randn(37, 29, generator=g)),
                        ("half", torch.randn(301, generator=g).half()),
                        ("brain", torch.randn(17, 5, generator=g).bfloat16()))
    }
    tensors.update({
        "nan_payloads": from_bits([0x7FC00001, 0xFFA12345, 0x7F800001, 0x00000001], torch.float32),
        "double": torch.randn(9, generator=g, dtype=torch.float64),
        "ids": torch.arange(-70, 70, dtype=torch.int64),
        "int32": torch.arange(11, dtype=torch.int32),
        "int16": torch.arange(-3, 3, dtype=torch.int16),
        "int8": torch.arange(-8, 8, dtype=torch.int8),
        "uint8": torch.arange(250, 256, dtype=torch.uint8),
        "mask": torch.tensor([[True, False], [False, True]]),
        "scalar": torch.tensor(2.5),
        "empty": torch.zeros(0, 4),
    })
    folder = bare_repository(tmp_path / "repo", tensors)
    original = (folder / "model.safetensors").read_bytes()
    run_tinyforge("reshard", folder, "--max_shard_size", "3000")
    shards = sorted(folder.glob("model-*.safetensors"))
    assert len(shards) > 5 and not (folder / "model.safetensors").exists()
    ours = read_all(folder)
    assert sorted(ours) == sorted(tensors)
    assert all(same_bytes(ours[k], t) for k, t in tensors.items())
    # Back into one file: the very bytes safetensors' save_file wrote.
    run_tinyforge("reshard", folder, "--max_shard_size", "1GB")
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "model.safetensors"]
    assert (folder / "model.safetensors").read_bytes() == original


@pytest.mark.parametrize("durable", [False, True])
def test_large_rewrites_write_the_bytes_save_file_writes(tmp_path, durable):
    """Past 64 MiB the rewrites split tensors into ranges that several threads write at known offsets: the files
    are still safetensors' save_file's very bytes, whichever mode, shard size or thread finishes first."""
    g = torch.Generator().manual_seed(5)
    tensors = {
        "model.embed_tokens.weight": torch.randn(9_000_001, generator=g),  # two ranges of one tensor
        "model.layers.0.big.weight": torch.randn(4096, 4099, generator=g).half(),
        "model.layers.0.norm.weight": torch.randn(4096, generator=g).bfloat16(),
        "model.layers.1.ids": torch.arange(-70_000, 70_000, dtype=torch.int64),
        "model.layers.1.double": torch.randn(1001, generator=g, dtype=torch.float64),
        **{f"model.layers.{i}.small.weight": torch.randn(301, 7, generator=g) for i in range(2, 40)},
        "model.empty": torch.zeros(0, 4),
    }
    folder = bare_repository(tmp_path / "repo", tensors)
    original = (folder / "model.safetensors").read_bytes()
    assert len(original) > 64 << 20
    mode = ["--durable"] if durable else []
    run_tinyforge("reshard", folder, "--max_shard_size", "20MB", *mode)
    assert len(list(folder.glob("model-*.safetensors"))) >= 3
    ours = read_all(folder)
    assert sorted(ours) == sorted(tensors) and all(same_bytes(ours[k], t) for k, t in tensors.items())
    run_tinyforge("reshard", folder, "--max_shard_size", "1GB", *mode)
    assert (folder / "model.safetensors").read_bytes() == original
    run_tinyforge("cast", folder, "--dtype", "bfloat16", *mode)
    expected = {k: t.to(torch.bfloat16) if t.dtype in (torch.float32, torch.float16) else t
                for k, t in tensors.items()}
    save_file(expected, str(tmp_path / "expected.safetensors"), metadata={"format": "pt"})
    assert (folder / "model.safetensors").read_bytes() == (tmp_path / "expected.safetensors").read_bytes()


VARIANTS = ["sharded", "bin", "safetensors", "fp16", "bf16", "subfolder", "variant"]


@pytest.fixture(scope="session")
def variant_forge(tmp_path_factory):
    """One forge per model type with every --variants fixture family."""
    cache = {}

    def forge(model_type):
        if model_type not in cache:
            out = tmp_path_factory.mktemp(f"variants-{model_type}")
            run_tinyforge("create", out, "--model_types", model_type, "--variants", ",".join(VARIANTS))
            cache[model_type] = out
        return cache[model_type]

    return forge


@pytest.mark.parametrize("kind", VARIANTS)
@pytest.mark.parametrize("model_type", sorted(CATALOG))
def test_variant_fixtures_load(variant_forge, tmp_path, model_type, kind):
    out = variant_forge(model_type)
    arch = CATALOG[model_type][0]
    base = read_all(out / model_type / arch)
    folder = out / model_type / f"{arch}-{kind}"
    cls = getattr(transformers, arch)
    kwargs = {}
    if kind == "subfolder":
        kwargs["subfolder"] = model_type
        assert sorted(p.name for p in folder.iterdir()) == ["README.md", model_type]  # the card stays at the root
        assert (folder / "README.md").read_bytes() == (out / model_type / arch / "README.md").read_bytes()
    if kind == "variant":
        kwargs["variant"] = "v2"
        assert (folder / "model.v2.safetensors").exists() and not (folder / "model.safetensors").exists()
    if kind in ("fp16", "bf16"):
        kwargs["dtype"] = "auto"
    if kind == "bin":
        assert not list(folder.glob("*.safetensors"))
        state = torch.load(folder / "pytorch_model.bin", weights_only=True)
        assert set(state) == set(base)
        assert all(same_bytes(state[k], base[k]) for k in base)
    if kind == "sharded":
        index = load_json(folder / "model.safetensors.index.json")
        assert len(set(index["weight_map"].values())) >= 2
        assert all(same_bytes(t, base[k]) for k, t in read_all(folder).items())
    model = clean_load(cls, folder, **kwargs)
    if kind in ("fp16", "bf16"):
        target = torch.float16 if kind == "fp16" else torch.bfloat16
        keep = set(getattr(model, "_keep_in_fp32_modules", None) or []) if kind == "fp16" else set()
        for name, p in model.state_dict().items():
            if p.is_floating_point():
                assert p.dtype == (torch.float32 if any(k in name for k in keep) else target), name
    # Whatever the fixture's packaging, transformers saves the same tensors back.
    model.save_pretrained(tmp_path / "back")
    back = read_all(tmp_path / "back")
    assert set(back) == set(base)
    for k, t in back.items():
        expected = base[k] if kind not in ("fp16", "bf16") else base[k].to(t.dtype)
        assert same_bytes(t, expected), k


def has_token_embeddings(model):
    """resize_token_embeddings works when the input embeddings are an nn.Embedding."""
    try:
        return isinstance(model.get_input_embeddings(), torch.nn.Embedding)
    except (NotImplementedError, AttributeError):
        return False


def vocab_of(config):
    return config.vocab_size


@pytest.mark.parametrize("delta", [13, -5])
@pytest.mark.parametrize("model_type,arch,variant", TINY_CASES)
def test_resize_token_embeddings_like_transformers(forge_cache, tmp_path, model_type, arch, variant, delta):
    source = forged_dir(forge_cache, model_type, arch, variant)
    folder = tmp_path / "ours"
    shutil.copytree(source, folder)
    cls = getattr(transformers, arch)
    theirs_model = cls.from_pretrained(source)
    if not has_token_embeddings(theirs_model):
        proc = run_tinyforge("resize-token-embeddings", folder, "120", check=False)
        assert proc.returncode == 2 and "no token embeddings" in proc.stderr, proc.stderr
        return
    n = vocab_of(theirs_model.config) + delta
    run_tinyforge("resize-token-embeddings", folder, n)
    theirs_model.resize_token_embeddings(n, mean_resizing=False)
    theirs_model.save_pretrained(tmp_path / "theirs")
    ours_cfg, theirs_cfg = load_json(folder / "config.json"), load_json(tmp_path / "theirs" / "config.json")
    ours_cfg.pop("transformers_version"), theirs_cfg.pop("transformers_version")
    assert ours_cfg == theirs_cfg
    ours, theirs, original = read_all(folder), read_all(tmp_path / "theirs"), read_all(source)
    assert sorted(ours) == sorted(theirs)
    for k in ours:
        assert ours[k].shape == theirs[k].shape and ours[k].dtype == theirs[k].dtype, k
        if ours[k].shape == original[k].shape or delta < 0:
            assert same_bytes(ours[k], theirs[k]), f"{k}: kept values differ from transformers'"
        else:  # grown: the kept rows are the old ones, the new rows are fresh init of the same kind
            axis = [i for i, (a, b) in enumerate(zip(ours[k].shape, original[k].shape)) if a != b][0]
            old = original[k].shape[axis]
            assert same_bytes(ours[k].narrow(axis, 0, old), theirs[k].narrow(axis, 0, old)), k
            new_ours, new_theirs = ours[k].narrow(axis, old, delta), theirs[k].narrow(axis, old, delta)
            assert torch.isfinite(new_ours).all()
            if (new_theirs == new_theirs.flatten()[0]).all():
                assert (new_ours == new_theirs.flatten()[0]).all(), f"{k}: new rows should be constant"
            else:
                assert 0.5 < new_ours.float().std() / new_theirs.float().std() < 2.0, f"{k}: new rows' spread"
    model = clean_load(cls, folder)
    assert vocab_of(model.config) == n
    tied = model.get_output_embeddings() is not None and \
        model.get_output_embeddings().weight is model.get_input_embeddings().weight
    tied_theirs = theirs_model.get_output_embeddings() is not None and \
        theirs_model.get_output_embeddings().weight is theirs_model.get_input_embeddings().weight
    assert tied == tied_theirs


def test_missing_and_unexpected_keys_like_from_pretrained(forge_cache, tmp_path):
    folder, index = sharded(forge_cache, tmp_path)
    files = sorted(set(index["weight_map"].values()))
    with safe_open(str(folder / files[0]), "pt") as h:
        shard = {k: h.get_tensor(k) for k in h.keys()}
    dropped = sorted(shard)[0]
    del shard[dropped]
    shard["encoder.extra.weight"] = torch.zeros(3)
    save_file(shard, str(folder / files[0]), metadata={"format": "pt"})
    index["weight_map"].pop(dropped)
    index["weight_map"]["encoder.extra.weight"] = files[0]
    (folder / "model.safetensors.index.json").write_text(json.dumps(index))
    ours = inspect_json(folder)
    _, info = transformers.BertModel.from_pretrained(folder, output_loading_info=True)
    assert ours["missing_keys"] == sorted(info["missing_keys"]) == [dropped]
    assert ours["unexpected_keys"] == sorted(info["unexpected_keys"]) == ["encoder.extra.weight"]
    proc = run_tinyforge("inspect", folder, "--strict", check=False)
    assert proc.returncode == 2 and dropped in proc.stderr and "encoder.extra.weight" in proc.stderr, proc.stderr
    assert inspect_json(forged_dir(forge_cache, "bert", "BertModel", "tiny"))["missing_keys"] == []
