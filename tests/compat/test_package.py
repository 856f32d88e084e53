"""The Python package (python/): its wheel, built from the suite's build dir, installed into a fresh venv.

The fresh venv gets only the wheel (pip --no-index --no-deps). It reaches the test venv's packages (pytest,
transformers, huggingface_hub, torch: not reinstalled) through a .pth line placed after its own site-packages,
and the test venv holds no tinyforge, so `import tinyforge` can only be the installed wheel. Whether that is
self-contained is checked with ldd (every library the installed binary loads resolves inside the wheel, or is
glibc's) rather than by moving the suite's build dir away under parallel tests.
"""
import fcntl
import json
import os
import re
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

from tinyforge_support import ROOT, tinyforge_binary

GLIBC = re.compile(r"^(linux-vdso\.so\.1|ld-linux-x86-64\.so\.2|lib(c|m|pthread|dl|rt|resolv)\.so\.\d+)$")
DEAD = "http://127.0.0.1:9"  # nothing listens there: any request that escapes the local hub fails


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """(wheel, venv): built and installed once per run (under xdist, by the first worker that gets here)."""
    base = tmp_path_factory.getbasetemp()
    # xdist workers' basetemps share their parent, which is this run's (a run without xdist: its own basetemp).
    shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "tinyforge-package"
    shared.mkdir(exist_ok=True)
    with open(shared / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        venv = shared / "venv"
        if not (shared / "done").exists():
            build_dir = tinyforge_binary().parent
            subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-index", "--no-deps",
                            "--disable-pip-version-check", "-w", shared / "dist", ROOT / "python",
                            "--config-settings", f"build-dir={build_dir}"], check=True)
            subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
            purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
            site = subprocess.run([venv / "bin/python", "-c", purelib], check=True, capture_output=True,
                                  text=True).stdout.strip()
            (wheel,) = (shared / "dist").glob("*.whl")
            subprocess.run([sys.executable, "-m", "pip", "--python", venv / "bin/python", "install", "-q",
                            "--no-index", "--no-deps", "--disable-pip-version-check", wheel], check=True)
            Path(site, "zz_test_venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
            (shared / "done").touch()
    (wheel,) = (shared / "dist").glob("*.whl")
    return wheel, venv


def clean_env(tmp_path, **extra):
    """The environment of a run in the fresh venv: no TINYFORGE_BIN, a private HF_HOME, the real Hub and any
    proxied network unreachable."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TINYFORGE", "HF_", "PYTEST"))}
    env.update(HF_HOME=str(tmp_path / "hf-home"), HF_ENDPOINT=DEAD, HTTP_PROXY=DEAD, HTTPS_PROXY=DEAD,
               NO_PROXY="127.0.0.1,localhost", PYTHONDONTWRITEBYTECODE="1", **extra)
    return env


def run_in(venv, args, tmp_path, **extra_env):
    proc = subprocess.run([str(venv / "bin" / args[0]), *map(str, args[1:])], capture_output=True, text=True,
                          cwd=tmp_path, env=clean_env(tmp_path, **extra_env), timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout


def installed_native(venv, tmp_path):
    where = run_in(venv, ["python", "-c", "import tinyforge; print(tinyforge.binary())"], tmp_path).strip()
    return Path(where)


def test_console_script_runs_the_bundled_binary(fresh, tmp_path):
    wheel, venv = fresh
    expected = subprocess.run([tinyforge_binary(), "--version"], capture_output=True, text=True).stdout
    assert run_in(venv, ["tinyforge", "--version"], tmp_path) == expected
    binary = installed_native(venv, tmp_path)
    assert binary.is_relative_to(venv) and binary != tinyforge_binary().resolve()


def test_bundled_libraries_resolve_inside_the_wheel(fresh, tmp_path):
    wheel, venv = fresh
    binary = installed_native(venv, tmp_path)
    # `tinyforge serve` execs tinyforge-serve from the same folder; it alone links cpp-httplib.
    resolved = {}  # soname -> where it resolved (the vdso and the loader: their own path)
    for executable in (binary, binary.parent / "tinyforge-serve"):
        ldd = subprocess.run(["ldd", executable], capture_output=True, text=True, check=True).stdout
        assert "not found" not in ldd
        for line in ldd.splitlines():
            name, _, where = line.strip().partition(" => ")
            name = name.split(" (")[0]
            resolved[Path(name).name] = Path(where.split(" (")[0] if where else name)
    outside = {n: str(p) for n, p in resolved.items() if not GLIBC.match(n) and p.parent != binary.parent}
    assert outside == {}, "libraries resolved outside the wheel"
    # What Debian's python:3.11-slim lacks is in the wheel (the binaries link them; ldd found them there). ICU
    # is linked statically.
    for name in ("libonig.so.5", "libcpp-httplib.so.0.11"):
        assert resolved[name].parent == binary.parent
    # libcurl (--upload) and libcrypto (the first SHA digest) are opened at run time, so ldd of the binary does
    # not list them: they are in the wheel and their own dependencies resolve there too.
    for opened in ("libcurl.so.4", "libcrypto.so.3"):
        assert (binary.parent / opened).exists()
        ldd = subprocess.run(["ldd", binary.parent / opened], capture_output=True, text=True, check=True).stdout
        assert "not found" not in ldd
        for line in ldd.splitlines():
            name, _, where = line.strip().partition(" => ")
            if where and not GLIBC.match(name.split(" (")[0]):
                assert Path(where.split(" (")[0]).parent == binary.parent, \
                    f"{opened}'s {name} resolved outside the wheel"
    # The platform tag is honest: no file needs a newer glibc than manylinux_2_X promises.
    tag = int(re.search(r"-manylinux_2_(\d+)_x86_64\.whl$", wheel.name).group(1))
    needed = 0
    for f in binary.parent.iterdir():
        text = subprocess.run(["readelf", "-V", "-W", f], capture_output=True, text=True, check=True).stdout
        needed = max([needed, *(int(m) for m in re.findall(r"\bGLIBC_2\.(\d+)\b", text))])
    assert needed == tag


def test_python_api_create_and_serve(fresh, tmp_path):
    wheel, venv = fresh
    script = textwrap.dedent("""
        import json, sys, tinyforge
        from huggingface_hub import snapshot_download
        out = tinyforge.create(sys.argv[1] + "/out", model_types=["llama"], set={"hidden_size": 48},
                               models_to_skip=[a for a in tinyforge.list_models()["llama"] if a != "LlamaForCausalLM"])
        with tinyforge.serve(sys.argv[1] + "/hub", on_demand=True) as url:
            snapshot = snapshot_download("hf-internal-testing/tiny-random-gpt2", endpoint=url,
                                         cache_dir=sys.argv[1] + "/cache")
        print(json.dumps({"out": str(out), "url": url, "snapshot": snapshot, "module": tinyforge.__file__}))
    """)
    result = json.loads(run_in(venv, ["python", "-c", script, tmp_path], tmp_path))
    assert result["module"].startswith(str(venv))
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", result["url"]) and not result["url"].endswith(":0")
    import transformers

    model = transformers.AutoModelForCausalLM.from_pretrained(Path(result["out"]) / "llama" / "LlamaForCausalLM")
    assert type(model).__name__ == "LlamaForCausalLM" and model.config.hidden_size == 48
    assert sorted(os.listdir(Path(result["out"]) / "llama")) == ["LlamaForCausalLM"]
    gpt2 = transformers.AutoModelForCausalLM.from_pretrained(result["snapshot"])
    assert type(gpt2).__name__ == "GPT2LMHeadModel"
    # The server stopped with the context: its port no longer answers.
    import urllib.request

    with pytest.raises(OSError):
        urllib.request.urlopen(result["url"] + "/api/whoami-v2", timeout=5)


SAMPLE_TESTS = '''
import huggingface_hub
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer


def test_download_by_hub_id():
    model = AutoModelForCausalLM.from_pretrained("hf-internal-testing/tiny-random-gpt2")
    tokenizer = AutoTokenizer.from_pretrained("hf-internal-testing/tiny-random-gpt2")
    ids = tokenizer("hello world", return_tensors="pt").input_ids
    assert model(ids).logits.shape[-1] == model.config.vocab_size
    assert huggingface_hub.model_info("hf-internal-testing/tiny-random-gpt2").config["model_type"] == "gpt2"


def test_tiny_repo_once_per_arguments(tiny_repo):
    folder = tiny_repo("LlamaForCausalLM", hidden_size=32, num_attention_heads=4)
    assert tiny_repo("LlamaForCausalLM", num_attention_heads=4, hidden_size=32) == folder
    assert tiny_repo("LlamaForCausalLM") != folder
    assert AutoModelForCausalLM.from_pretrained(folder).config.hidden_size == 32
'''

# huggingface_hub's modules are imported (and have read HF_ENDPOINT, HF_HUB_CACHE) before the fixture starts.
SAMPLE_FIXTURE = '''
from huggingface_hub import hf_hub_download, model_info


def test_tiny_hub_fixture(tiny_hub):
    assert model_info("hf-internal-testing/tiny-random-bert-sharded").config["model_type"] == "bert"
    assert hf_hub_download("hf-internal-testing/tiny-random-bert-sharded", "config.json")
'''


def test_pytest_plugin_serves_hub_ids_offline(fresh, tmp_path):
    wheel, venv = fresh
    (tmp_path / "test_sample.py").write_text(SAMPLE_TESTS)
    out = run_in(venv, ["python", "-m", "pytest", "-p", "no:cacheprovider", "-q", "--tinyforge-hub",
                        "test_sample.py"], tmp_path, HF_HUB_OFFLINE="1")
    assert re.search(r"\b2 passed\b", out), out
    # The forged repositories went to the session's cache, not the user's.
    assert not (tmp_path / "hf-home" / "hub").exists()


def test_pytest_plugin_tiny_hub_fixture_without_the_flag(fresh, tmp_path):
    wheel, venv = fresh
    (tmp_path / "test_fixture.py").write_text(SAMPLE_FIXTURE)
    out = run_in(venv, ["python", "-m", "pytest", "-p", "no:cacheprovider", "-q", "test_fixture.py"], tmp_path,
                 HF_HUB_OFFLINE="1")
    assert re.search(r"\b1 passed\b", out), out
    assert not (tmp_path / "hf-home" / "hub").exists()
    # Without the fixture the same download goes to HF_ENDPOINT (unreachable here): the hub was the fixture's.
    (tmp_path / "test_fixture.py").write_text(SAMPLE_FIXTURE.replace("(tiny_hub)", "()"))
    proc = subprocess.run([venv / "bin/python", "-m", "pytest", "-p", "no:cacheprovider", "-q", "test_fixture.py"],
                          capture_output=True, text=True, cwd=tmp_path, env=clean_env(tmp_path), timeout=300)
    assert proc.returncode != 0 and "1 failed" in proc.stdout
