"""Oracle for hub/: the HF cache layout and `tinyforge serve`, checked with the real huggingface_hub and
transformers, each in a fresh process (they read HF_* variables at import time)."""
import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tinyforge_support import run_tinyforge, tinyforge_binary

TOKEN = "test-token-123"


def run_py(code, env, timeout=240):
    """Runs `code` in a fresh Python with `env` added; returns the JSON it prints on its last line."""
    full = {**os.environ, "HF_HUB_DISABLE_TELEMETRY": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1", **env}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=full, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, root, *extra):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(Path(root).parent / f"serve-{self.port}.log", "w+")
        self.proc = subprocess.Popen(
            [str(tinyforge_binary()), "serve", "--root", str(root), "--port", str(self.port), *extra],
            stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("serve did not start")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.log.seek(0)
        return self.log.read()

    def env(self, cache):
        return {"HF_ENDPOINT": self.url, "HF_HUB_CACHE": str(cache), "HF_TOKEN": TOKEN, "HF_HUB_DISABLE_XET": "1"}


@pytest.fixture
def server(tmp_path):
    s = Server(tmp_path / "root", "--token", TOKEN, "--on_demand")
    yield s
    s.stop()


def request(url, method="GET", data=None, headers=None):
    req = urllib.request.Request(url, method=method, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read(), dict(e.headers)


# ---- 1. cache layout -------------------------------------------------------------------------------

def test_hf_cache_offline_load_and_scan(tmp_path):
    cache = tmp_path / "cache"
    run_tinyforge("create", tmp_path / "out", "--model_types", "bert", "--hf_cache", cache, "--organization", "tf")
    result = run_py("""
import json, os
from transformers import AutoConfig, AutoModel
from huggingface_hub import scan_cache_dir
from huggingface_hub.utils.sha import git_hash, sha_fileobj
m = AutoModel.from_pretrained("tf/tiny-random-BertModel")
c = AutoConfig.from_pretrained("tf/tiny-random-BertModel")
info = scan_cache_dir()
etag_ok = []
for repo in info.repos:
    for rev in repo.revisions:
        for f in rev.files:
            data = open(f.blob_path, "rb").read()
            lfs = f.file_name.endswith(".safetensors")
            want = sha_fileobj(open(f.blob_path, "rb")).hex() if lfs else git_hash(data)
            etag_ok.append(f.blob_path.name == want and not os.path.isabs(os.readlink(f.file_path)))
print(json.dumps({"cls": type(m).__name__, "mt": c.model_type, "warnings": [str(w) for w in info.warnings],
                  "repos": sorted(r.repo_id for r in info.repos),
                  "refs": sorted(sorted(rev.refs) for r in info.repos for rev in r.revisions),
                  "etag_ok": etag_ok}))
""", {"HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(cache)})
    assert result["cls"] == "BertModel" and result["mt"] == "bert"
    assert result["warnings"] == []
    assert "tf/tiny-random-BertModel" in result["repos"]
    assert all(r == ["main"] for r in result["refs"])
    assert result["etag_ok"] and all(result["etag_ok"])


def test_hf_cache_honours_hf_home_and_is_deterministic(tmp_path):
    env = {**os.environ, "HF_HOME": str(tmp_path / "home")}
    env.pop("HF_HUB_CACHE", None)
    for out in ("o1", "o2"):
        run_tinyforge("create", tmp_path / out, "--model_types", "gpt2", "--hf_cache", "--organization", "tf", env=env)
    repo = tmp_path / "home" / "hub" / "models--tf--tiny-random-GPT2Model"
    assert (repo / "refs" / "main").exists()
    assert len(list((repo / "snapshots").iterdir())) == 1  # same bytes → same commit id


def test_hf_cache_needs_organization(tmp_path):
    proc = run_tinyforge("create", tmp_path / "out", "--model_types", "bert", "--hf_cache", tmp_path / "c", check=False)
    assert proc.returncode == 2 and "--organization" in proc.stderr
    assert not (tmp_path / "c").exists()


# ---- 2. download side ------------------------------------------------------------------------------

def test_download_side_matches_forged_bytes(server, tmp_path):
    run_tinyforge("create", tmp_path / "out", "--model_types", "bert")
    result = run_py("""
import json
from huggingface_hub import hf_hub_download, snapshot_download, model_info, get_hf_file_metadata, hf_hub_url
from transformers import AutoModelForCausalLM
p = hf_hub_download("tf/tiny-random-BertModel", "config.json")
snap = snapshot_download("tf/tiny-random-BertModel")
info = model_info("tf/tiny-random-BertModel", files_metadata=True)
meta = get_hf_file_metadata(hf_hub_url("tf/tiny-random-BertModel", "model.safetensors"))
m = AutoModelForCausalLM.from_pretrained("tf/tiny-random-GPT2LMHeadModel")
print(json.dumps({"config": open(p).read(), "snap": snap, "sha": info.sha,
                  "siblings": sorted((s.rfilename, s.size, s.lfs.sha256 if s.lfs else None) for s in info.siblings),
                  "meta": [meta.commit_hash, meta.etag, meta.size], "cls": type(m).__name__}))
""", server.env(tmp_path / "dl"))
    forged = tmp_path / "out" / "bert" / "BertModel"
    assert result["config"] == (forged / "config.json").read_text()
    for f in forged.iterdir():
        assert (Path(result["snap"]) / f.name).read_bytes() == f.read_bytes()
    weights = (forged / "model.safetensors").read_bytes()
    assert ["model.safetensors", len(weights), hashlib.sha256(weights).hexdigest()] in [list(s) for s in result["siblings"]]
    assert result["meta"] == [result["sha"], hashlib.sha256(weights).hexdigest(), len(weights)]
    assert result["cls"] == "GPT2LMHeadModel"


def test_range_and_missing_entries(server):
    url = f"{server.url}/tf/tiny-random-BertModel/resolve/main/config.json"
    status, full, headers = request(url)
    assert status == 200 and "X-Repo-Commit" in headers
    status, part, _ = request(url, headers={"Range": "bytes=2-9"})
    assert status == 206 and part == full[2:10]
    status, _, headers = request(f"{server.url}/tf/tiny-random-BertModel/resolve/main/nope.json")
    assert status == 404 and headers.get("X-Error-Code") == "EntryNotFound"
    status, _, headers = request(f"{server.url}/tf/not-a-model/resolve/main/config.json")
    assert status == 404 and headers.get("X-Error-Code") == "RepoNotFound"


def test_on_demand_forges_once_under_concurrency(server):
    results = []

    def get():
        results.append(request(f"{server.url}/api/models/tf/tiny-random-LlamaForCausalLM")[0])

    threads = [threading.Thread(target=get) for _ in range(8)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert results == [200] * 8
    log = server.stop()
    assert log.count("forged tf/tiny-random-LlamaForCausalLM") == 1


# ---- 3. upload side --------------------------------------------------------------------------------

UPLOAD = """
import json, os
from huggingface_hub import HfApi, hf_hub_download, CommitOperationAdd, CommitOperationDelete
api = HfApi()
folder = os.environ["FOLDER"]
api.create_repo("me/up")
api.create_repo("me/up", exist_ok=True)
c1 = api.upload_folder(repo_id="me/up", folder_path=folder)
c2 = api.create_commit("me/up", [CommitOperationDelete("a.txt")], commit_message="delete a")
c3 = api.create_commit("me/up", [CommitOperationAdd("b.txt", b"bee")], commit_message="pr", create_pr=True)
print(json.dumps({"files": sorted(api.list_repo_files("me/up")), "pr": c3.pr_num,
                  "pr_b": open(hf_hub_download("me/up", "b.txt", revision="refs/pr/1")).read(),
                  "w": open(hf_hub_download("me/up", "w.safetensors"), "rb").read().hex()}))
"""


def test_upload_side_and_restart(tmp_path):
    folder = tmp_path / "up"
    folder.mkdir()
    (folder / "a.txt").write_text("hello")
    weights = os.urandom(3000)
    (folder / "w.safetensors").write_bytes(weights)
    server = Server(tmp_path / "root", "--token", TOKEN)
    try:
        result = run_py(UPLOAD, {**server.env(tmp_path / "dl"), "FOLDER": str(folder)})
    finally:
        server.stop()
    assert result["files"] == ["w.safetensors"]
    assert result["pr"] == 1 and result["pr_b"] == "bee"
    assert bytes.fromhex(result["w"]) == weights
    # Storage survives a restart.
    server = Server(tmp_path / "root")
    try:
        status, body, _ = request(f"{server.url}/me/up/resolve/main/w.safetensors")
        assert status == 200 and body == weights
    finally:
        server.stop()


# ---- 5. adversarial requests -----------------------------------------------------------------------

def test_adversarial_requests(tmp_path):
    server = Server(tmp_path / "root", "--token", TOKEN, "--max_body_bytes", "100000")
    auth = {"Authorization": f"Bearer {TOKEN}"}
    try:
        body = json.dumps({"name": "x", "organization": "me"}).encode()
        assert request(f"{server.url}/api/repos/create", "POST", body)[0] == 401
        assert request(f"{server.url}/api/repos/create", "POST", body, {"Authorization": "Bearer wrong"})[0] == 401
        assert request(f"{server.url}/api/repos/create", "POST", body, auth)[0] == 200
        assert request(f"{server.url}/api/repos/create", "POST", body, auth)[0] == 409
        for path in ["%2E%2E/%2E%2E/etc/passwd", "a/%2E%2E/b", "%2Fetc%2Fpasswd", "a%00b"]:
            assert request(f"{server.url}/me/x/resolve/main/{path}")[0] == 400, path
        assert request(f"{server.url}/%2E%2E/x/resolve/main/config.json")[0] in (400, 404)
        commit = f"{server.url}/api/models/me/x/commit/main"
        nd = {**auth, "Content-Type": "application/x-ndjson"}
        assert request(commit, "POST", b"{not json\n", nd)[0] == 400
        bad_path = json.dumps({"key": "file", "value": {"path": "../evil", "content": "aGk=", "encoding": "base64"}})
        header = json.dumps({"key": "header", "value": {"summary": "s"}})
        assert request(commit, "POST", f"{header}\n{bad_path}\n".encode(), nd)[0] == 400
        assert request(commit, "POST", b"x" * 200000, nd)[0] == 413
        assert not list((tmp_path / "root").rglob("evil"))

        def add(i):
            line = json.dumps({"key": "file", "value": {"path": f"f{i}.txt", "content": "aGk=", "encoding": "base64"}})
            request(commit, "POST", f"{header}\n{line}\n".encode(), nd)

        threads = [threading.Thread(target=add, args=(i,)) for i in range(8)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        status, body, _ = request(f"{server.url}/api/models/me/x")
        names = sorted(s["rfilename"] for s in json.loads(body)["siblings"])
        assert names == sorted(f"f{i}.txt" for i in range(8))  # no commit lost
    finally:
        server.stop()


# ---- known gaps ------------------------------------------------------------------------------------

def test_create_upload_to_serve(tmp_path):
    server = Server(tmp_path / "root", "--token", TOKEN)
    env = {**os.environ, "HF_ENDPOINT": server.url, "HF_TOKEN": TOKEN}
    try:
        proc = run_tinyforge("create", tmp_path / "out", "--model_types", "bert", "--upload", "--organization", "tf",
                             env=env)
        assert TOKEN not in proc.stdout + proc.stderr
        summary = json.loads((tmp_path / "out" / "reports" / "tiny_model_summary.json").read_text())
        assert json.loads((tmp_path / "out" / "reports" / "failed_uploads.json").read_text()) == {}
        result = run_py("""
import json
from huggingface_hub import snapshot_download, model_info
snap = snapshot_download("tf/tiny-random-BertModel")
print(json.dumps({"snap": snap, "sha": model_info("tf/tiny-random-BertModel").sha}))
""", server.env(tmp_path / "dl"))
        assert result["sha"] == summary["BertModel"]["sha"]
        forged = tmp_path / "out" / "bert" / "BertModel"
        for f in forged.iterdir():
            assert (Path(result["snap"]) / f.name).read_bytes() == f.read_bytes()
        # Second upload: the repository exists, so a PR is opened and main is untouched.
        run_tinyforge("create", tmp_path / "out2", "--model_types", "bert", "--seed", "7", "--upload",
                      "--organization", "tf", "--token", TOKEN, env={**os.environ, "HF_ENDPOINT": server.url})
        assert request(f"{server.url}/api/models/tf/tiny-random-BertModel/revision/refs%2Fpr%2F1")[0] == 200
        status, body, _ = request(f"{server.url}/api/models/tf/tiny-random-BertModel")
        assert json.loads(body)["sha"] == summary["BertModel"]["sha"]
    finally:
        server.stop()


@pytest.mark.xfail(reason="serve speaks classic LFS only; huggingface_hub with hf_xet asks for a Xet write token",
                   strict=True)
def test_upload_folder_with_xet_enabled(tmp_path):
    folder = tmp_path / "up"
    folder.mkdir()
    (folder / "w.safetensors").write_bytes(os.urandom(100))
    server = Server(tmp_path / "root", "--token", TOKEN)
    try:
        env = server.env(tmp_path / "dl")
        del env["HF_HUB_DISABLE_XET"]
        run_py(f"""
import json
from huggingface_hub import HfApi
HfApi().create_repo("me/x")
HfApi().upload_folder(repo_id="me/x", folder_path={str(folder)!r})
print(json.dumps(1))
""", env)
    finally:
        server.stop()
