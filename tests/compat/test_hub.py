"""Oracle for hub/: the HF cache layout and `tinyforge serve`, checked with the real huggingface_hub and
transformers, each in a fresh process (they read HF_* variables at import time). Clients run as installed
(hf_xet present, Xet enabled) unless a test says otherwise."""
import hashlib
import http.client
import http.server
import json
import os
import select
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


def run_py(code, env, timeout=240, stderr=False):
    """Runs `code` in a fresh Python with `env` added; returns the JSON it prints on its last line (and its
    stderr when asked)."""
    full = {**os.environ, "HF_HUB_DISABLE_TELEMETRY": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1", **env}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=full, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    return (result, proc.stderr) if stderr else result


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, root, *extra, preexec_fn=None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(Path(root).parent / f"serve-{self.port}.log", "w+")
        self.proc = subprocess.Popen(
            [str(tinyforge_binary()), "serve", "--root", str(root), "--port", str(self.port), *extra],
            stdout=self.log, stderr=subprocess.STDOUT, preexec_fn=preexec_fn)
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

    def rss_kb(self):
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))

    def env(self, cache):
        # HF_HOME too: hf_xet keeps its chunk and shard caches there.
        return {"HF_ENDPOINT": self.url, "HF_HUB_CACHE": str(cache), "HF_HOME": f"{cache}-home", "HF_TOKEN": TOKEN}


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


AUTH = {"Authorization": f"Bearer {TOKEN}"}


def create_repo(url, repo_id):
    org, name = repo_id.split("/")
    return request(f"{url}/api/repos/create", "POST", json.dumps({"name": name, "organization": org}).encode(), AUTH)[0]


def commit_lines(url, repo_id, lines, summary="s", parent=None):
    """POSTs an NDJSON commit to main; returns (status, parsed body)."""
    header = {"summary": summary, **({"parentCommit": parent} if parent else {})}
    body = "".join(json.dumps(x) + "\n" for x in [{"key": "header", "value": header}, *lines]).encode()
    status, data, _ = request(f"{url}/api/models/{repo_id}/commit/main", "POST", body,
                              {**AUTH, "Content-Type": "application/x-ndjson"})
    return status, json.loads(data or b"{}")


def inline_file(path, data):
    import base64
    return {"key": "file", "value": {"path": path, "content": base64.b64encode(data).decode(), "encoding": "base64"}}


def lfs_upload(url, repo_id, data):
    """LFS batch + PUT of `data` the way the basic transfer does; returns the oid."""
    oid = hashlib.sha256(data).hexdigest()
    batch = {"operation": "upload", "transfers": ["basic"], "objects": [{"oid": oid, "size": len(data)}]}
    status, body, _ = request(f"{url}/{repo_id}.git/info/lfs/objects/batch", "POST", json.dumps(batch).encode(),
                              {**AUTH, "Content-Type": "application/vnd.git-lfs+json"})
    assert status == 200, body
    href = json.loads(body)["objects"][0]["actions"]["upload"]["href"]
    assert request(href, "PUT", data, {"Content-Type": "application/octet-stream"})[0] == 200
    return oid


# ---- 1. cache layout -------------------------------------------------------------------------------

def test_hf_cache_offline_load_and_scan(tmp_path):
    cache = tmp_path / "cache"
    run_tinyforge("create", tmp_path / "out", "--model_types", "bert", "--variants", "sharded,subfolder,variant,bin",
                  "--hf_cache", cache, "--organization", "tf")
    result = run_py("""
import json, os, torch
from transformers import AutoConfig, AutoModel
from huggingface_hub import scan_cache_dir
from huggingface_hub.utils.sha import git_hash, sha_fileobj
m = AutoModel.from_pretrained("tf/tiny-random-BertModel")
c = AutoConfig.from_pretrained("tf/tiny-random-BertModel")
# Each --variants fixture is its own repository, loaded by repo id the way its packaging needs.
base = m.state_dict()
variants = {}
for kind, kwargs in [("sharded", {}), ("subfolder", {"subfolder": "bert"}), ("variant", {"variant": "v2"}),
                     ("bin", {})]:
    v = AutoModel.from_pretrained("tf/tiny-random-BertModel-" + kind, **kwargs).state_dict()
    variants[kind] = set(v) == set(base) and all(torch.equal(v[k], base[k]) for k in base)
info = scan_cache_dir()
etag_ok = []
for repo in info.repos:
    for rev in repo.revisions:
        for f in rev.files:
            data = open(f.blob_path, "rb").read()
            lfs = f.file_name.endswith((".safetensors", ".bin"))
            want = sha_fileobj(open(f.blob_path, "rb")).hex() if lfs else git_hash(data)
            etag_ok.append(f.blob_path.name == want and not os.path.isabs(os.readlink(f.file_path)))
print(json.dumps({"cls": type(m).__name__, "mt": c.model_type, "warnings": [str(w) for w in info.warnings],
                  "repos": sorted(r.repo_id for r in info.repos),
                  "refs": sorted(sorted(rev.refs) for r in info.repos for rev in r.revisions),
                  "etag_ok": etag_ok, "variants": variants}))
""", {"HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(cache)})
    assert result["cls"] == "BertModel" and result["mt"] == "bert"
    assert result["variants"] == {"sharded": True, "subfolder": True, "variant": True, "bin": True}
    assert {"tf/tiny-random-BertModel-sharded", "tf/tiny-random-BertForMaskedLM-subfolder"} <= set(result["repos"])
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
    run_tinyforge("create", tmp_path / "out", "--model_types", "bert", "--variants", "sharded")
    result = run_py("""
import json
from huggingface_hub import hf_hub_download, snapshot_download, model_info, get_hf_file_metadata, hf_hub_url
from transformers import AutoModelForCausalLM
p = hf_hub_download("tf/tiny-random-BertModel", "config.json")
snap = snapshot_download("tf/tiny-random-BertModel")
sharded = snapshot_download("tf/tiny-random-BertModel-sharded")  # a --variants fixture, forged on demand
info = model_info("tf/tiny-random-BertModel", files_metadata=True)
meta = get_hf_file_metadata(hf_hub_url("tf/tiny-random-BertModel", "model.safetensors"))
m = AutoModelForCausalLM.from_pretrained("tf/tiny-random-GPT2LMHeadModel")
print(json.dumps({"config": open(p).read(), "snap": snap, "sharded": sharded, "sha": info.sha,
                  "siblings": sorted((s.rfilename, s.size, s.lfs.sha256 if s.lfs else None) for s in info.siblings),
                  "meta": [meta.commit_hash, meta.etag, meta.size], "cls": type(m).__name__}))
""", server.env(tmp_path / "dl"))
    forged = tmp_path / "out" / "bert" / "BertModel"
    assert result["config"] == (forged / "config.json").read_text()
    for f in forged.iterdir():
        assert (Path(result["snap"]) / f.name).read_bytes() == f.read_bytes()
    fixture = tmp_path / "out" / "bert" / "BertModel-sharded"
    assert sorted(p.name for p in Path(result["sharded"]).iterdir()) == sorted(p.name for p in fixture.iterdir())
    for f in fixture.iterdir():
        assert (Path(result["sharded"]) / f.name).read_bytes() == f.read_bytes()
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


def test_resolve_streams_large_files(tmp_path):
    server = Server(tmp_path / "root", "--token", TOKEN)
    data = os.urandom(40 << 20)
    try:
        assert create_repo(server.url, "me/big") == 200
        oid = lfs_upload(server.url, "me/big", data)
        status, out = commit_lines(server.url, "me/big", [
            {"key": "lfsFile", "value": {"path": "big.safetensors", "algo": "sha256", "oid": oid, "size": len(data)}}])
        assert status == 200, out
        path = "/me/big/resolve/main/big.safetensors"
        status, body, headers = request(server.url + path, "HEAD")
        assert status == 200 and body == b"" and headers["Content-Length"] == str(len(data))
        assert headers["ETag"] == f'"{oid}"' and headers["X-Linked-Etag"] == f'"{oid}"'
        assert headers["X-Linked-Size"] == str(len(data)) and headers["X-Repo-Commit"] == out["commitOid"]
        # A slow reader holds a 40 MiB download open: the server's memory must not grow by the file's size.
        baseline = server.rss_kb()
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        conn.request("GET", path)
        r = conn.getresponse()
        assert r.status == 200 and r.getheader("Content-Length") == str(len(data))
        first = r.read(1 << 20)
        time.sleep(0.3)
        during = server.rss_kb()
        assert first + r.read() == data
        conn.close()
        assert during - baseline < 16 * 1024, (baseline, during)
        size = len(data)
        for spec, expected, content_range in [
                ("bytes=1000000-1999999", data[1000000:2000000], f"bytes 1000000-1999999/{size}"),
                ("bytes=-100", data[-100:], f"bytes {size - 100}-{size - 1}/{size}"),
                (f"bytes={size - 10}-", data[-10:], f"bytes {size - 10}-{size - 1}/{size}")]:
            status, body, headers = request(server.url + path, headers={"Range": spec})
            assert status == 206 and body == expected, spec
            assert headers["Content-Range"] == content_range and headers["Content-Length"] == str(len(expected))
            assert headers["ETag"] == f'"{oid}"'
        status, _, headers = request(server.url + path, headers={"Range": f"bytes={size}-"})
        assert status == 416 and headers["Content-Range"] == f"bytes */{size}"
    finally:
        server.stop()


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
import hashlib, json, os
from huggingface_hub import HfApi, hf_hub_download, CommitOperationAdd, CommitOperationDelete
from huggingface_hub.errors import HfHubHTTPError
api = HfApi()
folder = os.environ["FOLDER"]
api.create_repo("me/up")
api.create_repo("me/up", exist_ok=True)
c1 = api.upload_folder(repo_id="me/up", folder_path=folder)
again = api.upload_folder(repo_id="me/up", folder_path=folder)  # nothing changed: no new commit
c2 = api.create_commit("me/up", [CommitOperationDelete("a.txt")], commit_message="delete a")
c3 = api.create_commit("me/up", [CommitOperationAdd("b.txt", b"bee")], commit_message="pr", create_pr=True)
try:  # main moved on since c1
    api.create_commit("me/up", [CommitOperationAdd("c.txt", b"c")], commit_message="stale", parent_commit=c1.oid)
    stale = None
except HfHubHTTPError as e:
    stale = [e.response.status_code, str(e)]
# With create_pr, parent_commit is where the pull request starts.
c4 = api.create_commit("me/up", [CommitOperationAdd("c.txt", b"c")], commit_message="from c1", create_pr=True,
                       parent_commit=c1.oid)
# upload_folder(create_pr=True) opens the PR through the discussions API, then commits to refs/pr/N.
c5 = api.upload_folder(repo_id="me/up", folder_path=folder, path_in_repo="sub", create_pr=True)
print(json.dumps({"files": sorted(api.list_repo_files("me/up")), "pr": c3.pr_num, "same": again.oid == c1.oid,
                  "pr_b": open(hf_hub_download("me/up", "b.txt", revision="refs/pr/1")).read(),
                  "stale": stale, "c4": [c4.pr_num, sorted(api.list_repo_files("me/up", revision=c4.pr_revision))],
                  "c5": [c5.pr_num, sorted(api.list_repo_files("me/up", revision=c5.pr_revision))],
                  "w": hashlib.sha256(open(hf_hub_download("me/up", "w.safetensors"), "rb").read()).hexdigest()}))
"""


def test_upload_side_and_restart(tmp_path):
    """The client as installed (hf_xet, Xet enabled): serve answers uploadMode "regular", so it never asks
    for Xet storage, and the store still keeps w.safetensors as an LFS file."""
    folder = tmp_path / "up"
    folder.mkdir()
    (folder / "a.txt").write_text("hello")
    weights = os.urandom(6 << 20)
    (folder / "w.safetensors").write_bytes(weights)
    server = Server(tmp_path / "root", "--token", TOKEN)
    try:
        result = run_py(UPLOAD, {**server.env(tmp_path / "dl"), "FOLDER": str(folder)})
        status, body, _ = request(f"{server.url}/api/models/me/up?blobs=true")
        siblings = {s["rfilename"]: s for s in json.loads(body)["siblings"]}
    finally:
        log = server.stop()
    assert "xet" not in log.lower()
    assert result["files"] == ["w.safetensors"] and result["same"]
    assert siblings["w.safetensors"]["lfs"]["sha256"] == hashlib.sha256(weights).hexdigest()
    assert result["pr"] == 1 and result["pr_b"] == "bee"
    assert result["stale"][0] == 412 and "A commit has happened since" in result["stale"][1]
    assert result["c4"] == [2, ["a.txt", "c.txt", "w.safetensors"]]
    assert result["c5"] == [3, ["sub/a.txt", "sub/w.safetensors", "w.safetensors"]]
    assert result["w"] == hashlib.sha256(weights).hexdigest()
    # Storage survives a restart.
    server = Server(tmp_path / "root")
    try:
        status, body, _ = request(f"{server.url}/me/up/resolve/main/w.safetensors")
        assert status == 200 and body == weights
    finally:
        server.stop()


XET_OVER_LIMIT = """
import hashlib, json, os
from huggingface_hub import HfApi, hf_hub_download
api = HfApi()
folder = os.environ["FOLDER"]
api.create_repo("me/x")
api.upload_folder(repo_id="me/x", folder_path=folder)
api.create_repo("me/y")  # the same bytes again, into another repository: the same xorb
api.upload_file(path_or_fileobj=os.path.join(folder, "big.safetensors"), path_in_repo="copy.safetensors",
                repo_id="me/y")
print(json.dumps({name: hashlib.sha256(open(hf_hub_download(repo, name), "rb").read()).hexdigest()
                  for repo, name in [("me/x", "big.safetensors"), ("me/x", "floats.safetensors"),
                                     ("me/y", "copy.safetensors")]}))
"""


@pytest.mark.parametrize("xet", [True, False], ids=["xet", "lfs"])
def test_files_over_the_inline_limit(tmp_path, xet):
    """Above --max_inline_bytes preupload answers "lfs" as the Hub does: a client with hf_xet uploads through
    serve's Xet CAS API (xorbs of LZ4 / byte-grouped LZ4 chunks, then a shard), one without by LFS batch + PUT;
    either way the bytes come back whole."""
    import random
    import struct
    folder = tmp_path / "up"
    folder.mkdir()
    big = os.urandom(300_000)  # several chunks, stored uncompressed
    rng = random.Random(0)
    floats = b"".join(struct.pack("<f", rng.gauss(0, 0.02)) for _ in range(100_000)) + b"tiny " * 40_000
    (folder / "big.safetensors").write_bytes(big)
    (folder / "floats.safetensors").write_bytes(floats)
    (folder / "config.json").write_text("{}")
    server = Server(tmp_path / "root", "--token", TOKEN, "--max_inline_bytes", "1000")
    try:
        env = {**server.env(tmp_path / "dl"), "FOLDER": str(folder), **({} if xet else {"HF_HUB_DISABLE_XET": "1"})}
        result = run_py(XET_OVER_LIMIT, env)
    finally:
        server.stop()
    assert result == {"big.safetensors": hashlib.sha256(big).hexdigest(),
                      "floats.safetensors": hashlib.sha256(floats).hexdigest(),
                      "copy.safetensors": hashlib.sha256(big).hexdigest()}
    xorbs = list((tmp_path / "root" / "xet" / "xorbs").glob("*")) if xet else []
    assert bool(xorbs) == xet


# ---- 4. security and limits -------------------------------------------------------------------------

def test_xorbs_are_verified_and_shard_rebuilds_bounded(tmp_path):
    """Xorbs are content-addressed and shared by every repository: one is stored only under its own Xet hash
    (the real client's xorbs pass). A shard whose files would rebuild past --max_body_bytes is refused
    before anything is built (before, a small shard repeating one xorb's chunks built and stored any size)."""
    import struct
    folder = tmp_path / "up"
    folder.mkdir()
    (folder / "big.safetensors").write_bytes(os.urandom(300_000))
    root = tmp_path / "root"
    server = Server(root, "--token", TOKEN, "--max_inline_bytes", "1000", "--max_body_bytes", "2000000")
    try:
        run_py("""
import os
from huggingface_hub import HfApi
HfApi().create_repo("me/x")
HfApi().upload_folder(repo_id="me/x", folder_path=os.environ["FOLDER"])
print("{}")
""", {**server.env(tmp_path / "dl"), "FOLDER": str(folder)})
        xorb = next((root / "xet" / "xorbs").iterdir())
        data = xorb.read_bytes()
        status, body, _ = request(f"{server.url}/api/models/me/x/xet-write-token/main", headers=AUTH)
        cas = json.loads(body)
        xet_auth = {"Authorization": f"Bearer {cas['accessToken']}", "Content-Type": "application/octet-stream"}
        other = "0" * 63 + "1"
        status, body, _ = request(f"{cas['casUrl']}/v1/xorbs/default/{other}", "POST", data, xet_auth)
        assert status == 400 and xorb.name.encode() in body, body
        assert not (root / "xet" / "xorbs" / other).exists()
        status, body, _ = request(f"{cas['casUrl']}/v1/xorbs/default/{xorb.name}", "POST", data, xet_auth)
        assert status == 200 and json.loads(body) == {"was_inserted": False}
        # The xorb's chunks (8-byte headers: version, stored size, scheme, decompressed size) and their total.
        pos, chunks, size = 0, 0, 0
        while pos + 8 <= len(data) and data[pos] == 0:
            stored = int.from_bytes(data[pos + 1:pos + 4], "little")
            if data[pos + 4] > 2 or pos + 8 + stored > len(data):
                break
            size += int.from_bytes(data[pos + 5:pos + 8], "little")
            chunks, pos = chunks + 1, pos + 8 + stored
        assert size == 300_000  # the one file, whole: the terms below are valid ones
        raw = b"".join(struct.pack("<Q", int(xorb.name[i:i + 16], 16)) for i in range(0, 64, 16))
        terms = 10  # 10 x 300 KB from a shard of under 1 KB
        shard = (bytes(32) + struct.pack("<QQ", 2, 0) + b"\x07" * 32 + struct.pack("<II", 0, terms) + bytes(8)
                 + (raw + struct.pack("<IIII", 0, size, 0, chunks)) * terms + b"\xff" * 32 + bytes(16))
        status, body, _ = request(f"{cas['casUrl']}/v1/shards", "POST", shard, xet_auth)
        assert status == 413 and b"--max_body_bytes" in body, (status, body)
        blobs = list((root / "models" / "me" / "x" / "blobs").iterdir())
        assert all(b.stat().st_size < 1_000_000 for b in blobs)
    finally:
        server.stop()


def test_kill_9_during_uploads_keeps_acknowledged_commits_and_leaves_no_temp_files(tmp_path):
    """serve is killed (SIGKILL) while 4 clients upload; after a restart every acknowledged commit is there
    and no temp file of an interrupted write is left. Rounds go on until a kill caught a write half-way."""
    import signal
    root = tmp_path / "root"
    acked = []  # (path, sha256, commit id)
    caught = 0
    for round in range(12):
        server = Server(root, "--token", TOKEN)
        if round == 0:
            assert create_repo(server.url, "me/k") == 200
        stop = threading.Event()

        def writer(w):
            n = 0
            while not stop.is_set():
                # Inline commits of 1 MiB, and LFS uploads of 16 MiB (longer writes) committed after.
                data = os.urandom(16 << 20 if w % 2 else 1 << 20)
                path = f"r{round}/w{w}-{n}.bin"
                try:
                    if w % 2:
                        oid = lfs_upload(server.url, "me/k", data)
                        line = {"key": "lfsFile", "value": {"path": path, "algo": "sha256", "oid": oid,
                                                            "size": len(data)}}
                    else:
                        line = inline_file(path, data)
                    status, out = commit_lines(server.url, "me/k", [line])
                except (OSError, AssertionError):  # killed mid-request
                    return
                if status == 200:
                    acked.append((path, hashlib.sha256(data).hexdigest(), out["commitOid"]))
                n += 1

        threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
        [t.start() for t in threads]
        time.sleep(1 + 0.1 * round)
        os.kill(server.proc.pid, signal.SIGKILL)
        stop.set()
        [t.join() for t in threads]
        server.proc.wait()
        caught += len(list(root.rglob("*.tinyforge-tmp-*")))
        if caught and acked and round >= 2:
            break
    assert caught, "no kill caught a write half-way"
    server = Server(root)
    try:
        assert not list(root.rglob("*.tinyforge-tmp-*"))
        # One serve per store: a second one on the same --root is refused, naming the problem.
        second = subprocess.run([str(tinyforge_binary()), "serve", "--root", str(root), "--port", str(free_port())],
                                capture_output=True, text=True, timeout=30)
        assert second.returncode != 0 and "another tinyforge serve uses --root" in second.stderr
        status, body, _ = request(f"{server.url}/api/models/me/k?blobs=true")
        siblings = {s["rfilename"]: s["lfs"]["sha256"] for s in json.loads(body)["siblings"]}
        assert acked and all(siblings.get(path) == sha for path, sha, _ in acked)
        for _, _, commit in acked:
            assert request(f"{server.url}/api/models/me/k/revision/{commit}")[0] == 200
    finally:
        server.stop()


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

        # Xet CAS: its own token from the token endpoint; malformed xorbs and shards naming unknown xorbs get 400.
        assert request(f"{server.url}/api/models/me/x/xet-write-token/main")[0] == 401
        status, body, _ = request(f"{server.url}/api/models/me/x/xet-write-token/main", headers=auth)
        cas = json.loads(body)
        xet_auth = {"Authorization": f"Bearer {cas['accessToken']}", "Content-Type": "application/octet-stream"}
        xorb_url = f"{cas['casUrl']}/v1/xorbs/default/{'ab' * 32}"
        assert request(xorb_url, "POST", bytes(8) + b"x", {"Content-Type": "application/octet-stream"})[0] == 401
        assert request(xorb_url, "POST", bytes(8) + b"x", xet_auth)[0] == 400
        assert request(f"{cas['casUrl']}/v1/xorbs/default/{'AB' * 32}", "POST", bytes(8), xet_auth)[0] == 400
        import struct
        shard = (bytes(32) + struct.pack("<QQ", 2, 0) + b"\x01" * 32 + struct.pack("<II", 0, 1) + bytes(8)
                 + b"\x02" * 32 + struct.pack("<IIII", 0, 10, 0, 1) + b"\xff" * 32 + bytes(16))
        status, body, _ = request(f"{cas['casUrl']}/v1/shards", "POST", shard, xet_auth)
        assert status == 400 and b"never uploaded" in body
        assert request(f"{cas['casUrl']}/v1/shards", "POST", shard[:60], xet_auth)[0] == 400
        assert not (tmp_path / "root" / "xet").exists()

        threads = [threading.Thread(target=add, args=(i,)) for i in range(8)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        status, body, _ = request(f"{server.url}/api/models/me/x")
        names = sorted(s["rfilename"] for s in json.loads(body)["siblings"])
        assert names == sorted(f"f{i}.txt" for i in range(8))  # no commit lost
    finally:
        server.stop()


def test_lfs_oids_are_sha256_digests_and_errors_name_no_server_paths(tmp_path):
    """A commit's lfsFile oid names stored content: a 64-character oid that spells a path must not reach a
    file outside the store, and an internal error must not tell the client where --root is."""
    root = tmp_path / "root"
    server = Server(root, "--token", TOKEN)
    try:
        assert create_repo(server.url, "me/x") == 200
        traversal = "/" * (64 - len("/etc/passwd")) + "/etc/passwd"
        for oid in [traversal, "A" * 64, "ab" * 31]:
            status, out = commit_lines(server.url, "me/x", [
                {"key": "lfsFile", "value": {"path": "p.bin", "algo": "sha256", "oid": oid, "size": 10}}])
            assert status == 400 and "64 lowercase hex" in out["error"], (oid, status, out)
        status, body, _ = request(f"{server.url}/api/models/me/x/tree/main")
        assert status == 200 and json.loads(body) == []
        data = os.urandom(1000)
        oid = lfs_upload(server.url, "me/x", data)
        status, out = commit_lines(server.url, "me/x", [
            {"key": "lfsFile", "value": {"path": "w.safetensors", "algo": "sha256", "oid": oid, "size": len(data)}}])
        assert status == 200, out
        blob = next(root.rglob(oid))
        blob.unlink()  # the store lost the content: an internal error on download
        status, body, headers = request(f"{server.url}/me/x/resolve/main/w.safetensors")
        assert status == 500 and str(root) not in body.decode() + json.dumps(headers), body
    finally:
        log = server.stop()
    assert str(blob) in log  # the details go to the server's log


def raw_exchange(port, head, body_parts=(), delay=0.0, timeout=10):
    """Sends `head` (request line and headers), then each of `body_parts` after `delay` seconds; returns
    (status, reply bytes received before the server closed or the time-out)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        sock.sendall(head.encode())
        for part in body_parts:
            time.sleep(delay)
            try:
                sock.sendall(part)
            except OSError:
                break
        reply = b""
        while b"\r\n\r\n" not in reply:
            chunk = sock.recv(65536)
            if not chunk:
                break
            reply += chunk
        return int(reply.split(b" ", 2)[1]), reply
    finally:
        sock.close()


def test_chunked_bodies_are_bounded_and_refused_unread(tmp_path):
    readonly = Server(tmp_path / "ro", "--max_body_bytes", "100000")
    writable = Server(tmp_path / "rw", "--token", TOKEN, "--max_body_bytes", "100000")
    try:
        # No body is sent at all: the refusal must come from the headers alone (before, serve waited for it).
        head = ("POST /api/models/me/x/commit/main HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                "Content-Type: application/x-ndjson\r\n\r\n")
        status, reply = raw_exchange(readonly.port, head, timeout=5)
        assert status == 403 and b"read-only" in reply
        status, reply = raw_exchange(writable.port, head, timeout=5)
        assert status == 401
        assert create_repo(writable.url, "me/x") == 200
        # Authorised, chunked, over --max_body_bytes: 413, whatever the encoding.
        chunk = b"x" * 50_000
        body = [b"%x\r\n%s\r\n" % (len(chunk), chunk)] * 4 + [b"0\r\n\r\n"]
        authed = head.replace("Host: x\r\n", f"Host: x\r\nAuthorization: Bearer {TOKEN}\r\n")
        status, reply = raw_exchange(writable.port, authed, body)
        assert status == 413 and b"--max_body_bytes" in reply
        # A Content-Length over the limit is refused from the headers alone, before the body is read.
        status, reply = raw_exchange(writable.port, authed.replace("Transfer-Encoding: chunked", "Content-Length: 100001"),
                                     timeout=5)
        assert status == 413 and b"--max_body_bytes" in reply
        # A body with neither length nor chunking is read until the connection ends: bounded the same way.
        status, reply = raw_exchange(writable.port, authed.replace("Transfer-Encoding: chunked\r\n", "Connection: close\r\n"),
                                     [b"x" * 50_000] * 4)
        assert status == 413
        # Under the limit, chunked bodies still work: a real client commit.
        status, out = commit_lines(writable.url, "me/x", [inline_file("a.txt", b"hi")])
        assert status == 200, out
    finally:
        readonly.stop()
        writable.stop()


def test_trickled_bodies_cannot_hold_every_worker(tmp_path):
    """As many clients as serve has workers trickle a body (1 byte a second, each read within the read
    time-out): each gets 408 once its body falls behind the minimum rate, and a well-behaved client is
    answered meanwhile (before, the tricklers held every worker for as long as they liked)."""
    server = Server(tmp_path / "root", "--token", TOKEN, "--threads", "4")
    assert create_repo(server.url, "me/t") == 200
    statuses = []

    def trickle():
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=60)
        sock.sendall((f"PUT /api/models/me/t/commit/main HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n"
                      "Content-Length: 100000\r\n\r\n").encode())
        reply = b""
        for _ in range(60):
            if select.select([sock], [], [], 1.0)[0]:
                reply = sock.recv(65536)
                break
            sock.sendall(b"x")
        sock.close()
        statuses.append(int(reply.split(b" ", 2)[1]) if reply else None)

    tricklers = [threading.Thread(target=trickle) for _ in range(4)]
    try:
        [t.start() for t in tricklers]
        time.sleep(1)
        start = time.monotonic()
        status, body, _ = request(f"{server.url}/api/models/me/t")
        waited = time.monotonic() - start
        [t.join() for t in tricklers]
    finally:
        server.stop()
    assert status == 200 and waited < 20, waited
    assert statuses == [408] * 4


def test_keep_alive_clients_beyond_the_workers_get_their_turn(tmp_path):
    """A keep-alive connection holds a worker only while its request is answered: one connection is served
    request after request without being closed, and 16 times more clients than workers, each sending requests
    back to back for 6 s, are all answered within their 5 s time-out (before, a connection held its worker
    for as long as it stayed open, and the clients beyond the workers waited their turn)."""
    server = Server(tmp_path / "root", "--token", TOKEN, "--threads", "2")
    assert create_repo(server.url, "me/k") == 200
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    closes = []
    for _ in range(40):
        conn.request("GET", "/api/models/me/k")
        r = conn.getresponse()
        r.read()
        closes.append(r.getheader("Connection"))
    conn.close()
    assert closes == [None] * 40
    answered, failures = [], []
    end = time.monotonic() + 6

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        while time.monotonic() < end:
            try:
                conn.request("GET", "/api/models/me/k")
                r = conn.getresponse()
                r.read()
                answered.append(r.status)
                if r.getheader("Connection") == "close":
                    conn.close()
            except OSError as e:  # a time-out
                failures.append(repr(e))
                conn.close()
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(32)]
    try:
        [t.start() for t in threads]
        [t.join() for t in threads]
    finally:
        server.stop()
    assert not failures, failures[:3]
    assert answered and set(answered) == {200}


def trickle_head(port, lines, every, outcome):
    """Sends a request head one line every `every` seconds; appends (status or None, seconds until the server
    answered or closed) to `outcome`."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    start = time.monotonic()
    reply = b""
    try:
        for line in lines:
            sock.sendall(line.encode())
            if select.select([sock], [], [], every)[0]:
                break
        while b"\r\n\r\n" not in reply:
            chunk = sock.recv(65536)
            if not chunk:
                break
            reply += chunk
    except OSError:
        pass
    finally:
        sock.close()
    outcome.append((int(reply.split(b" ", 2)[1]) if reply else None, time.monotonic() - start))


def test_trickled_heads_cannot_delay_other_clients(tmp_path):
    """Twice as many clients as serve has workers send their request head one line every 3 s: a well-behaved
    client is answered at once meanwhile, and each trickler gets 408 at the 10 s head deadline (before, each
    held a worker for as long as it kept sending a line within the read time-out). Heads too large or with
    too many lines get 431 without waiting."""
    server = Server(tmp_path / "root", "--token", TOKEN, "--threads", "4")
    assert create_repo(server.url, "me/h") == 200
    lines = ["GET /api/models/me/h HTTP/1.1\r\n"] + [f"X-Slow-{i}: {i}\r\n" for i in range(20)] + ["\r\n"]
    outcome = []
    tricklers = [threading.Thread(target=trickle_head, args=(server.port, lines, 3.0, outcome)) for _ in range(8)]
    try:
        [t.start() for t in tricklers]
        time.sleep(1)
        waits = []
        for _ in range(3):
            start = time.monotonic()
            status, body, _ = request(f"{server.url}/api/models/me/h")
            waits.append(time.monotonic() - start)
            assert status == 200, body
            time.sleep(1)
        many = "GET /api/models/me/h HTTP/1.1\r\n" + "".join(f"X-{i}: {i}\r\n" for i in range(101)) + "\r\n"
        assert raw_exchange(server.port, many, timeout=5)[0] == 431
        large = "GET /api/models/me/h HTTP/1.1\r\nX-Large: " + "x" * 20000 + "\r\n\r\n"
        assert raw_exchange(server.port, large, timeout=5)[0] == 431
        [t.join() for t in tricklers]
    finally:
        server.stop()
    assert max(waits) < 2, waits
    assert [status for status, _ in outcome] == [408] * 8, outcome
    assert all(9 < seconds < 14 for _, seconds in outcome), outcome


def test_idle_keep_alive_connections_hold_no_worker(tmp_path):
    """Eight times more idle keep-alive connections than workers: a new client is answered at once, and the
    idle connections still serve a next request (before, each open connection held a worker until it closed
    after httplib's 5 s keep-alive time-out, and the new client waited for that)."""
    server = Server(tmp_path / "root", "--token", TOKEN, "--threads", "2")
    assert create_repo(server.url, "me/i") == 200
    idle = [http.client.HTTPConnection("127.0.0.1", server.port, timeout=5) for _ in range(16)]
    try:
        for conn in idle:
            conn.request("GET", "/api/models/me/i")
            r = conn.getresponse()
            r.read()
            assert r.status == 200 and r.getheader("Connection") is None
        start = time.monotonic()
        status, _, _ = request(f"{server.url}/api/models/me/i")
        waited = time.monotonic() - start
        assert status == 200 and waited < 2, waited
        for conn in idle:  # the same sockets, still open
            conn.request("GET", "/api/models/me/i")
            r = conn.getresponse()
            r.read()
            assert r.status == 200
    finally:
        [conn.close() for conn in idle]
        server.stop()


def test_open_connections_are_capped_by_evicting_the_longest_idle(tmp_path):
    """With a descriptor limit of 100, serve keeps at most 16 connections open (the rest of the limit is for
    its workers' files and the file each connection's answer may stream): 40 idle keep-alive connections do
    not keep a new client out, the ones idle the longest are closed to make room, and the most recent ones
    still work."""
    import resource

    def limit_descriptors():
        resource.setrlimit(resource.RLIMIT_NOFILE, (100, 100))

    server = Server(tmp_path / "root", "--threads", "2", preexec_fn=limit_descriptors)
    idle = []
    try:
        for _ in range(40):
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
            conn.request("GET", "/api/whoami-v2")
            r = conn.getresponse()
            r.read()
            assert r.status == 401
            idle.append(conn)
        start = time.monotonic()
        assert request(f"{server.url}/api/whoami-v2")[0] == 401
        assert time.monotonic() - start < 2
        time.sleep(0.3)
        readable = select.select([conn.sock for conn in idle], [], [], 0)[0]  # closed by serve (end of stream)
        assert all(sock.recv(1) == b"" for sock in readable)
        closed = [i for i, conn in enumerate(idle) if conn.sock in readable]
        assert len(closed) >= 25 and closed == list(range(len(closed))), closed  # 41 opened, 16 kept: the oldest go
        idle[-1].request("GET", "/api/whoami-v2")
        assert idle[-1].getresponse().status == 401
    finally:
        [conn.close() for conn in idle]
        server.stop()


def test_clients_that_stop_reading_hold_no_worker(tmp_path):
    """Twice as many clients as workers ask for a streamed file 20 times each and read nothing: a well-behaved
    client is answered at once meanwhile (the answers the sockets cannot take wait in serve's event thread,
    not in a worker), and serve closes each stalled connection after its 10 s send deadline."""
    server = Server(tmp_path / "root", "--token", TOKEN, "--threads", "2")
    data = os.urandom(300_000)  # over the 64 KB answered from memory: streamed from disk
    try:
        assert create_repo(server.url, "me/s") == 200
        oid = lfs_upload(server.url, "me/s", data)
        status, out = commit_lines(server.url, "me/s", [
            {"key": "lfsFile", "value": {"path": "w.safetensors", "algo": "sha256", "oid": oid, "size": len(data)}}])
        assert status == 200, out
        get = b"GET /me/s/resolve/main/w.safetensors HTTP/1.1\r\nHost: x\r\n\r\n"
        stalled = []
        for _ in range(4):
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
            sock.sendall(get * 20)
            stalled.append(sock)
        start = time.monotonic()
        time.sleep(1)
        for _ in range(3):
            asked = time.monotonic()
            status, body, _ = request(f"{server.url}/me/s/resolve/main/w.safetensors")
            assert status == 200 and body == data and time.monotonic() - asked < 2
        time.sleep(max(0.0, start + 13 - time.monotonic()))  # past the send deadline
        for sock in stalled:
            received = 0
            while chunk := sock.recv(1 << 20):  # what serve sent before it gave up, then the end
                received += len(chunk)
            assert received < 20 * len(data)
            sock.close()
    finally:
        server.stop()


def store_big_file(server, repo_id, size):
    """A repository holding `size` random bytes as big.safetensors (streamed from disk); returns the bytes."""
    data = os.urandom(size)
    assert create_repo(server.url, repo_id) == 200
    oid = lfs_upload(server.url, repo_id, data)
    status, out = commit_lines(server.url, repo_id, [
        {"key": "lfsFile", "value": {"path": "big.safetensors", "algo": "sha256", "oid": oid, "size": len(data)}},
        inline_file("small.txt", b"small")])
    assert status == 200, out
    return data


def open_blob_descriptors(server):
    """How many of serve's descriptors are files of its store's blobs."""
    fds = Path(f"/proc/{server.proc.pid}/fd")
    count = 0
    for fd in fds.iterdir():
        try:
            count += "/blobs/" in os.readlink(fd)
        except OSError:  # closed meanwhile
            pass
    return count


def wait_for(predicate, seconds):
    end = time.monotonic() + seconds
    while not predicate() and time.monotonic() < end:
        time.sleep(0.05)
    return predicate()


def test_stalled_downloads_of_large_files_hold_no_worker(tmp_path):
    """Four times as many clients as workers ask for a 24 MiB file and read none of it: the event thread
    streams file bodies from the file, so a well-behaved client is answered at once meanwhile, by plain
    requests and by huggingface_hub (before, each stalled download held a worker until its 10 s send
    deadline, and the others queued behind them). serve closes each stalled connection after that deadline,
    and with it the file; a client gone mid-body frees its file at once; afterwards serve serves as before."""
    server = Server(tmp_path / "root", "--token", TOKEN, "--threads", "2")
    try:
        data = store_big_file(server, "me/big", 24 << 20)
        get = b"GET /me/big/resolve/main/big.safetensors HTTP/1.1\r\nHost: x\r\n\r\n"
        stalled = []
        for _ in range(8):
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
            sock.settimeout(30)
            sock.connect(("127.0.0.1", server.port))
            sock.sendall(get)
            stalled.append(sock)
        start = time.monotonic()
        time.sleep(1)
        for path, expected in [("/me/big/resolve/main/small.txt", b"small"), ("/api/models/me/big", None)]:
            asked = time.monotonic()
            status, body, _ = request(server.url + path)
            assert status == 200 and time.monotonic() - asked < 2, (path, time.monotonic() - asked)
            assert expected is None or body == expected
        asked = time.monotonic()
        status, body, _ = request(server.url + "/me/big/resolve/main/big.safetensors",
                                  headers={"Range": "bytes=1000-1999"})
        assert status == 206 and body == data[1000:2000] and time.monotonic() - asked < 2
        result = run_py("""
import json, time
from huggingface_hub import hf_hub_download
start = time.monotonic()
path = hf_hub_download("me/big", "small.txt")
print(json.dumps([open(path, "rb").read().decode(), time.monotonic() - start]))
""", server.env(tmp_path / "dl"))
        assert result[0] == "small" and result[1] < 3, result
        assert open_blob_descriptors(server) == 8  # one open file per stalled answer
        # A client that reads a little and leaves: its file is closed when the next send fails.
        gone = socket.create_connection(("127.0.0.1", server.port), timeout=30)
        gone.sendall(get)
        assert gone.recv(65536)
        gone.close()
        assert wait_for(lambda: open_blob_descriptors(server) == 8, 3), open_blob_descriptors(server)
        time.sleep(max(0.0, start + 13 - time.monotonic()))  # past the 10 s send deadline
        for sock in stalled:
            received = 0
            while chunk := sock.recv(1 << 20):  # what serve sent before it gave up, then the end
                received += len(chunk)
            assert received < len(data)
            sock.close()
        assert wait_for(lambda: open_blob_descriptors(server) == 0, 2), open_blob_descriptors(server)
        status, body, _ = request(server.url + "/me/big/resolve/main/big.safetensors")
        assert status == 200 and hashlib.sha256(body).digest() == hashlib.sha256(data).digest()
        # A download still on its way when serve stops: serve ends cleanly (under ASan: nothing leaked).
        late = socket.create_connection(("127.0.0.1", server.port), timeout=30)
        late.sendall(get)
        assert late.recv(65536)
        log = server.stop()
        late.close()
        assert server.proc.returncode == 0, log[-3000:]
    finally:
        server.stop()


def test_streamed_file_bodies_are_exact_and_keep_the_connection(tmp_path):
    """A file body the event thread streams arrives byte for byte, whole, as one range, as a suffix and as
    several ranges; HEAD sends none of it; the same keep-alive connection serves the next request after
    each; hf_hub_download gets the same bytes."""
    server = Server(tmp_path / "root", "--token", TOKEN, "--threads", "2")
    try:
        data = store_big_file(server, "me/big", (9 << 20) + 12345)
        size = len(data)
        path = "/me/big/resolve/main/big.safetensors"
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        conn.connect()
        sock = conn.sock
        middle = (size // 2 - 3_000_000, size // 2 + 2_999_999)

        def get(method="GET", **headers):
            conn.request(method, path, headers=headers)
            r = conn.getresponse()
            body = r.read()
            assert r.getheader("Connection") is None and conn.sock is sock  # kept open
            return r, body

        r, body = get()
        assert r.status == 200 and hashlib.sha256(body).hexdigest() == hashlib.sha256(data).hexdigest()
        r, body = get(Range=f"bytes={middle[0]}-{middle[1]}")
        assert r.status == 206 and body == data[middle[0]:middle[1] + 1]
        assert r.getheader("Content-Range") == f"bytes {middle[0]}-{middle[1]}/{size}"
        r, body = get(Range="bytes=-1000000")
        assert r.status == 206 and body == data[-1000000:]
        r, body = get("HEAD")
        assert r.status == 200 and body == b"" and r.getheader("Content-Length") == str(size)
        r, body = get(Range="bytes=10-19,5000000-5999999")
        assert r.status == 206 and r.getheader("Content-Type").startswith("multipart/byteranges")
        parts = body.split(b"\r\n\r\n", 1)[1], body.split(b"\r\n\r\n", 2)[2]
        assert parts[0].startswith(data[10:20] + b"\r\n") and parts[1].startswith(data[5000000:6000000] + b"\r\n")
        r, body = get()
        assert r.status == 200 and body == data
        conn.close()
        result = run_py("""
import hashlib, json
from huggingface_hub import hf_hub_download
print(json.dumps(hashlib.sha256(open(hf_hub_download("me/big", "big.safetensors"), "rb").read()).hexdigest()))
""", server.env(tmp_path / "dl"))
        assert result == hashlib.sha256(data).hexdigest()
        assert wait_for(lambda: open_blob_descriptors(server) == 0, 2)
    finally:
        server.stop()


def test_full_worker_queue_answers_503_with_retry_after(tmp_path):
    """With its one worker busy forging a repository on demand, serve queues 512 complete requests; the ones
    beyond get 503 with Retry-After at once, and the queued ones are answered when the worker is free."""
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 2000:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    server = Server(tmp_path / "root", "--token", TOKEN, "--threads", "1", "--on_demand")
    flood = []
    try:
        assert create_repo(server.url, "me/q") == 200
        for _ in range(600):
            flood.append(socket.create_connection(("127.0.0.1", server.port), timeout=60))
        forge = threading.Thread(target=lambda: request(f"{server.url}/api/models/tf/tiny-random-T5Model-sharded"))
        forge.start()
        time.sleep(0.1)  # the worker has it (the forge takes longer)
        for sock in flood:
            sock.sendall(b"GET /api/models/me/q HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        replies = []
        for sock in flood:
            reply = b""
            while chunk := sock.recv(65536):
                reply += chunk
            replies.append(reply)
        forge.join()
        statuses = [int(reply.split(b" ", 2)[1]) for reply in replies]
        assert set(statuses) == {200, 503} and statuses.count(200) >= 512, sorted(set(statuses))
        busy = [reply for reply in replies if reply.startswith(b"HTTP/1.1 503")]
        assert all(b"\r\nRetry-After: 1\r\n" in reply and b"requests are waiting" in reply for reply in busy)
        assert request(f"{server.url}/api/models/me/q")[0] == 200
    finally:
        [sock.close() for sock in flood]
        server.stop()


def test_range_requests_follow_rfc_9110(tmp_path):
    server = Server(tmp_path / "root", "--token", TOKEN)
    try:
        assert create_repo(server.url, "me/r") == 200
        big, small = os.urandom(200_000), b"0123456789"  # streamed from disk / answered from memory
        status, _ = commit_lines(server.url, "me/r", [inline_file("big.bin", big), inline_file("small.txt", small)])
        assert status == 200
        for name, data in [("big.bin", big), ("small.txt", small)]:
            url = f"{server.url}/me/r/resolve/main/{name}"
            size = len(data)
            # A last position past the end means the end: exactly the bytes there are, and a Content-Length
            # that says so (before, the streamed file promised size + 1000 bytes and sent fewer).
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            conn.request("GET", f"/me/r/resolve/main/{name}", headers={"Range": f"bytes=2-{size + 1000}"})
            r = conn.getresponse()
            body = r.read()
            assert r.status == 206 and body == data[2:], name
            assert r.getheader("Content-Length") == str(size - 2)
            assert r.getheader("Content-Range") == f"bytes 2-{size - 1}/{size}"
            conn.close()
            status, body, headers = request(url, headers={"Range": "bytes=-0"})
            assert status == 416 and headers["Content-Range"] == f"bytes */{size}", name
            assert str(size) in json.loads(body)["error"]  # the error is sent whole, not cut to the range
            status, body, _ = request(url, headers={"Range": f"bytes=-{size + 5}"})
            assert status == 206 and body == data
            # An unknown unit is ignored: the whole file, 200.
            status, body, headers = request(url, headers={"Range": "items=0-1"})
            assert status == 200 and body == data and "Content-Range" not in headers, name
        # An error is not cut to the range either.
        status, body, _ = request(f"{server.url}/me/r/resolve/main/nope.txt", headers={"Range": "bytes=0-3"})
        assert status == 404 and json.loads(body)["error"] == "Entry not found"
        # The client the Hub is used with: resumed downloads go through Range.
        result = run_py("""
import json
from huggingface_hub import hf_hub_download
print(json.dumps(open(hf_hub_download("me/r", "small.txt"), "rb").read().decode()))
""", server.env(tmp_path / "dl"))
        assert result == small.decode()
    finally:
        server.stop()


def test_commit_paths_and_parent_commit_are_checked_exactly(tmp_path):
    server = Server(tmp_path / "root", "--token", TOKEN)
    try:
        assert create_repo(server.url, "me/c") == 200
        status, out = commit_lines(server.url, "me/c", [inline_file("ff", b"f"), inline_file("ff/x", b"x")])
        assert status == 400 and "'ff'" in out["error"] and "'ff/x'" in out["error"], out
        status, out = commit_lines(server.url, "me/c", [inline_file("ff", b"f")])
        assert status == 200
        head = out["commitOid"]
        status, out = commit_lines(server.url, "me/c", [inline_file("ff/x", b"x")])
        assert status == 400 and "'ff'" in out["error"] and "'ff/x'" in out["error"], out
        # A prefix too short to name a commit is no parent commit (before, "a" matched any head starting so).
        for parent in [head[0], head[:4], "xyz12"]:
            status, out = commit_lines(server.url, "me/c", [inline_file("b.txt", b"b")], parent=parent)
            assert status == 400 and "parentCommit" in out["error"], (parent, out)
        result = run_py("""
import json, os
from huggingface_hub import HfApi, CommitOperationAdd
from huggingface_hub.errors import HfHubHTTPError
api = HfApi()
head = os.environ["HEAD"]
short = api.create_commit("me/c", [CommitOperationAdd("c.txt", b"c")], commit_message="c", parent_commit=head[:7]).oid
try:
    api.create_commit("me/c", [CommitOperationAdd("d.txt", b"d")], commit_message="d", parent_commit=head)
    stale = None
except HfHubHTTPError as e:
    stale = e.response.status_code
print(json.dumps({"short": short, "stale": stale, "files": sorted(api.list_repo_files("me/c"))}))
""", {**server.env(tmp_path / "dl"), "HEAD": head})
        assert result["stale"] == 412 and result["files"] == ["c.txt", "ff"]
    finally:
        server.stop()


# ---- 5. our upload client ----------------------------------------------------------------------------

def test_create_upload_to_serve(tmp_path):
    # --max_inline_bytes 0: preupload answers as the Hub does (safetensors by LFS), so the LFS path runs.
    server = Server(tmp_path / "root", "--token", TOKEN, "--max_inline_bytes", "0")
    env = {**os.environ, "HF_ENDPOINT": server.url, "HF_TOKEN": TOKEN}
    try:
        proc = run_tinyforge("create", tmp_path / "out", "--model_types", "bert", "--upload", "--organization", "tf",
                             "--variants", "sharded", env=env)
        assert TOKEN not in proc.stdout + proc.stderr
        summary = json.loads((tmp_path / "out" / "reports" / "tiny_model_summary.json").read_text())
        assert json.loads((tmp_path / "out" / "reports" / "failed_uploads.json").read_text()) == {}
        result = run_py("""
import json
from huggingface_hub import snapshot_download, model_info
print(json.dumps({"snap": snapshot_download("tf/tiny-random-BertModel"),
                  "sharded": snapshot_download("tf/tiny-random-BertModel-sharded"),
                  "sha": model_info("tf/tiny-random-BertModel").sha,
                  "sharded_sha": model_info("tf/tiny-random-BertModel-sharded").sha,
                  "type_sha": model_info("tf/tiny-random-bert").sha,
                  "type_sharded_sha": model_info("tf/tiny-random-bert-sharded").sha,
                  "type_snap": snapshot_download("tf/tiny-random-bert")}))
""", server.env(tmp_path / "dl"))
        assert result["sha"] == summary["BertModel"]["sha"]
        assert result["sharded_sha"] == summary["BertModel"]["variant_shas"]["sharded"]
        # The model type's name was uploaded too (no --on_demand here), holding BertModel's files.
        assert result["type_sha"] == summary["BertModel"]["model_type_shas"]["bert"]["sha"]
        assert result["type_sharded_sha"] == summary["BertModel"]["model_type_shas"]["bert"]["variant_shas"]["sharded"]
        assert sorted(p.name for p in Path(result["type_snap"]).iterdir()) == sorted(
            p.name for p in (tmp_path / "out" / "bert" / "BertModel").iterdir())
        for name, folder in [("snap", "BertModel"), ("sharded", "BertModel-sharded")]:
            forged = tmp_path / "out" / "bert" / folder
            assert sorted(p.name for p in Path(result[name]).iterdir()) == sorted(p.name for p in forged.iterdir())
            for f in forged.iterdir():
                assert (Path(result[name]) / f.name).read_bytes() == f.read_bytes()
        # Second upload of other weights: the repository exists, so a PR is opened and main is untouched.
        run_tinyforge("create", tmp_path / "out2", "--model_types", "bert", "--seed", "7", "--upload",
                      "--organization", "tf", "--token", TOKEN, env={**os.environ, "HF_ENDPOINT": server.url})
        assert request(f"{server.url}/api/models/tf/tiny-random-BertModel/revision/refs%2Fpr%2F1")[0] == 200
        status, body, _ = request(f"{server.url}/api/models/tf/tiny-random-BertModel")
        assert json.loads(body)["sha"] == summary["BertModel"]["sha"]
        # Third upload of the same bytes: preupload reports every file unchanged, so no commit and no PR.
        run_tinyforge("create", tmp_path / "out3", "--model_types", "bert", "--upload", "--organization", "tf",
                      env=env)
        again = json.loads((tmp_path / "out3" / "reports" / "tiny_model_summary.json").read_text())
        assert again["BertModel"]["sha"] == summary["BertModel"]["sha"]
        assert request(f"{server.url}/api/models/tf/tiny-random-BertModel/revision/refs%2Fpr%2F2")[0] == 404
    finally:
        server.stop()


class Proxy:
    """Forwards every request to `upstream`; `before(path)` runs before a request is forwarded and
    `reply(path, data)` may replace what upstream answered (a server that misbehaves in one way)."""

    def __init__(self, upstream, before=lambda path: None, reply=lambda path, data: data):
        class Handler(http.server.BaseHTTPRequestHandler):
            def forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if self.command not in ("GET", "HEAD") else None
                before(self.path)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                status, data, answer = request(upstream + self.path, self.command, body, headers)
                data = reply(self.path, data)
                self.send_response(status)
                for k, v in answer.items():
                    if k.lower() not in ("content-length", "transfer-encoding", "connection", "date", "server"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = forward

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class ConcurrentChangeProxy(Proxy):
    """Before the first preupload it commits `concurrent.txt` to that repository itself, the way another writer
    racing the upload would."""

    def __init__(self, upstream):
        self.injected_into = None

        def before(path):
            parts = path.split("/")
            if "preupload" in parts and self.injected_into is None:
                self.injected_into = f"{parts[3]}/{parts[4]}"
                assert commit_lines(upstream, self.injected_into, [inline_file("concurrent.txt", b"x")])[0] == 200

        super().__init__(upstream, before=before)


def test_upload_with_stale_parent_commit_fails_clearly(tmp_path):
    server = Server(tmp_path / "root", "--token", TOKEN)
    proxy = ConcurrentChangeProxy(server.url)
    try:
        proc = run_tinyforge("create", tmp_path / "out", "--model_types", "gpt2", "--upload", "--organization", "tf",
                             "--token", TOKEN, check=False, env={**os.environ, "HF_ENDPOINT": proxy.url})
        failed = json.loads((tmp_path / "out" / "reports" / "failed_uploads.json").read_text())
        status, body, _ = request(f"{server.url}/api/models/{proxy.injected_into}")
        files = sorted(s["rfilename"] for s in json.loads(body)["siblings"])
    finally:
        proxy.close()
        server.stop()
    assert proc.returncode != 0 and TOKEN not in proc.stdout + proc.stderr
    arch = proxy.injected_into.split("tiny-random-")[1]
    assert list(failed) == [arch]
    assert "412" in failed[arch]["error"] and "main moved" in failed[arch]["error"]
    assert f"tf/tiny-random-{arch}" in proc.stderr and "run the upload again" in proc.stderr
    assert files == ["concurrent.txt"]  # the concurrent change survives, nothing half-committed on top


def test_upload_follows_only_http_addresses(tmp_path):
    """A server whose LFS batch answer sends the upload to a file:// address: the upload of that repository fails
    naming the scheme, and neither follows the address nor prints it."""
    def to_file(path, data):
        if "/preupload/" in path:  # tiny weights would go inline: have them sent as LFS objects
            plan = json.loads(data)
            for f in plan["files"]:
                if f["path"].endswith(".safetensors"):
                    f["uploadMode"] = "lfs"
            return json.dumps(plan).encode()
        if not path.endswith("/info/lfs/objects/batch"):
            return data
        batch = json.loads(data)
        for obj in batch.get("objects", []):
            if "upload" in obj.get("actions", {}):
                obj["actions"]["upload"]["href"] = "file:///etc/hostname"
        return json.dumps(batch).encode()

    server = Server(tmp_path / "root", "--token", TOKEN)
    proxy = Proxy(server.url, reply=to_file)
    try:
        proc = run_tinyforge("create", tmp_path / "out", "--model_types", "gpt2", "--upload", "--organization", "tf",
                             "--token", TOKEN, check=False, env={**os.environ, "HF_ENDPOINT": proxy.url})
    finally:
        proxy.close()
        server.stop()
    failed = json.loads((tmp_path / "out" / "reports" / "failed_uploads.json").read_text())
    assert proc.returncode != 0 and failed
    for entry in failed.values():
        assert "scheme 'file'" in entry["error"] and "/etc/hostname" not in entry["error"]
    assert "/etc/hostname" not in proc.stdout + proc.stderr


def test_upload_to_a_server_that_never_answers_is_bounded(tmp_path):
    """A server that accepts connections, reads the requests and never answers: each repository's upload fails at
    its --upload_timeout, naming it, instead of waiting on every request (it was 5 x 120 s per request)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held = []

    def swallow():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            held.append(conn)  # kept open, never answered

    threading.Thread(target=swallow, daemon=True).start()
    env = {**os.environ, "HF_ENDPOINT": f"http://127.0.0.1:{listener.getsockname()[1]}"}
    started = time.monotonic()
    try:
        proc = run_tinyforge("create", tmp_path / "out", "--model_types", "gpt2", "--upload", "--organization", "tf",
                             "--token", TOKEN, "--upload_timeout", "1", check=False, env=env)
    finally:
        listener.close()
        for conn in held:
            conn.close()
    elapsed = time.monotonic() - started
    failed = json.loads((tmp_path / "out" / "reports" / "failed_uploads.json").read_text())
    assert proc.returncode != 0 and len(failed) >= 5, proc.stderr  # gpt2's architectures and tiny-random-gpt2
    for entry in failed.values():
        assert "--upload_timeout" in entry["error"], entry
    # One second per repository, not the 30 s a silent server costs each request without the bound.
    assert elapsed < 30 * len(failed) / 2, elapsed


# ---- 6. Hub metadata: model cards and model info ------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]


def test_pipeline_tag_table_is_transformers_own():
    """The embedded {architecture: pipeline_tag} table is what tools/catalog/hub_metadata.py compiles from the
    pinned transformers, and every tag of a task transformers serves names a pipeline whose auto classes map
    some model type to that architecture."""
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "catalog" / "hub_metadata.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    from transformers.pipelines import SUPPORTED_TASKS
    table = json.loads((ROOT / "src" / "tinyforge" / "catalog" / "hub_metadata.json").read_text())["pipeline_tags"]
    for arch, tag in table.items():
        if tag not in SUPPORTED_TASKS:
            continue
        names = set()
        for auto in SUPPORTED_TASKS[tag]["pt"]:
            for v in auto._model_mapping._model_mapping.values():
                names.update(v if isinstance(v, (list, tuple)) else [v])
        assert arch in names, (arch, tag)


# What the Hub tags these architectures with (a class in several auto mappings: the first pipeline task).
TASKS = {"BertForMaskedLM": "fill-mask", "GPT2LMHeadModel": "text-generation",
         "Wav2Vec2ForCTC": "automatic-speech-recognition", "BertModel": "feature-extraction",
         "BertForSequenceClassification": "text-classification"}


def test_model_info_metadata_and_taskless_pipeline(server, tmp_path):
    result = run_py(f"""
import json
from huggingface_hub import model_info
from transformers import pipeline
out = {{}}
for arch in {sorted(TASKS)!r}:
    repo = "tf/tiny-random-" + arch
    info = model_info(repo)
    again = model_info(repo, revision=info.sha)
    p = pipeline(model=repo)  # no task: it comes from the model info's pipeline_tag
    out[arch] = {{"pipeline_tag": info.pipeline_tag, "library_name": info.library_name, "tags": info.tags,
                 "card": info.card_data.to_dict() if info.card_data else None, "config": info.config,
                 "same": [again.pipeline_tag, again.tags, again.config] == [info.pipeline_tag, info.tags, info.config],
                 "task": p.task, "model": type(p.model).__name__}}
print(json.dumps(out))
""", {**server.env(tmp_path / "dl"), "HF_HUB_OFFLINE": "0"})
    for arch, task in TASKS.items():
        r = result[arch]
        model_type = "bert" if arch.startswith("Bert") else "gpt2" if arch.startswith("GPT2") else "wav2vec2"
        assert r["pipeline_tag"] == task and r["task"] == task and r["model"] == arch, (arch, r)
        assert r["library_name"] == "transformers" and r["same"]
        assert {"transformers", model_type, "tiny", "random", "tinyforge", task} <= set(r["tags"])
        assert r["config"] == {"model_type": model_type, "architectures": [arch]}
        assert r["card"]["pipeline_tag"] == task and r["card"]["license"] == "apache-2.0"


def test_model_info_of_uploaded_repositories(server, tmp_path):
    """Uploaded cards are read as PyYAML reads them (huggingface_hub's metadata_load) within the documented
    subset; a card outside it or no card at all never breaks the model info."""
    card = ("---\nlicense: mit\npipeline_tag: text-classification\nlibrary_name: transformers\n"
            "tags:\n- mine\n- 'quoted, tag'\ndatasets: [a, \"b\"]\nthreshold: 0.25\nepochs: 3\nprivate_flag: yes\n"
            "model-index:\n  - name: x\n    results: []\n---\n# my card\n")
    config = {"model_type": "bert", "architectures": ["BertForMaskedLM"], "hidden_size": 8}
    repos = {"tf/with-card": card, "tf/bad-yaml": "---\n\x00[: ]]]\n  - {\n'unterminated\n---\n", "tf/no-card": None}
    for repo_id, readme in repos.items():
        assert create_repo(server.url, repo_id) == 200
        lines = [inline_file("config.json", json.dumps(config).encode())]
        if readme is not None:
            lines.append(inline_file("README.md", readme.encode()))
        assert commit_lines(server.url, repo_id, lines)[0] == 200
    result = run_py(f"""
import json
from huggingface_hub import model_info
from huggingface_hub.repocard import metadata_load
out = {{}}
for repo in {sorted(repos)!r}:
    info = model_info(repo)
    out[repo] = {{"pipeline_tag": info.pipeline_tag, "library_name": info.library_name, "tags": info.tags,
                 "card": info.card_data.to_dict() if info.card_data else None, "config": info.config}}
open({str(tmp_path / "card.md")!r}, "w").write({card!r})
out["yaml"] = metadata_load({str(tmp_path / "card.md")!r})
print(json.dumps(out))
""", server.env(tmp_path / "dl"))
    expected_card = {k: v for k, v in result["yaml"].items() if k != "model-index"}  # nested: outside the subset
    assert result["tf/with-card"]["card"] == expected_card
    assert result["tf/with-card"]["pipeline_tag"] == "text-classification"
    assert result["tf/with-card"]["tags"][:2] == ["mine", "quoted, tag"]
    assert "license:mit" in result["tf/with-card"]["tags"]
    for repo in ("tf/bad-yaml", "tf/no-card"):  # no usable card: library and task follow config.json
        assert result[repo]["card"] is None and result[repo]["library_name"] == "transformers"
        assert result[repo]["pipeline_tag"] == "fill-mask"
    for r in result.values():
        if "config" in r:
            assert r["config"] == {"model_type": "bert", "architectures": ["BertForMaskedLM"]}


# ---- 7. names the ecosystem uses: tiny-random-{model_type} and combined fixture kinds -----------------------

KINDS = ["sharded", "safetensors", "subfolder", "variant", "bin", "fp16", "bf16",
         "sharded-safetensors", "variant-sharded", "safetensors-sharded-variant", "subfolder-sharded", "bf16-sharded",
         "fp16-variant-bin", "subfolder-variant"]
# The architecture each model type's name stands for (the documented rule: a decoder-only type's causal LM,
# else the bare model), and a head of the type that must load that checkpoint with only its own layers missing.
MODEL_TYPES = {"gpt2": ("GPT2LMHeadModel", "GPT2ForSequenceClassification", "AutoModelForCausalLM"),
               "bert": ("BertModel", "BertForMaskedLM", "AutoModel")}

LOAD_ALIASES = """
import json, os, torch, transformers
from transformers import AutoConfig
kinds, types = json.loads(os.environ["KINDS"]), json.loads(os.environ["TYPES"])
out = {}
for model_type, (arch, head, auto) in types.items():
    base = getattr(transformers, auto).from_pretrained(ORG + "/tiny-random-" + model_type, output_loading_info=True)
    model, info = base
    ref = model.state_dict()
    h, head_info = getattr(transformers, head).from_pretrained(ORG + "/tiny-random-" + model_type, output_loading_info=True)
    out[model_type] = {"cls": type(model).__name__, "info": {k: sorted(map(str, v)) for k, v in info.items()},
                       "head_missing": sorted(head_info["missing_keys"]), "head_unexpected": sorted(head_info["unexpected_keys"]),
                       "head_params": sorted(n for n, _ in h.named_parameters())}
    for kind in kinds:
        parts = kind.split("-")
        kwargs = {}
        if "subfolder" in parts: kwargs["subfolder"] = model_type
        if "variant" in parts: kwargs["variant"] = "v2"
        if "fp16" in parts or "bf16" in parts: kwargs["dtype"] = "auto"
        m, i = getattr(transformers, auto).from_pretrained(f"{ORG}/tiny-random-{model_type}-{kind}", output_loading_info=True, **kwargs)
        sd = m.state_dict()
        out[model_type + "-" + kind] = {
            "cls": type(m).__name__, "clean": not any(i[k] for k in ("missing_keys", "unexpected_keys", "mismatched_keys")),
            "dtype": str(next(m.parameters()).dtype),
            "same": set(sd) == set(ref) and all(torch.equal(sd[k].float(), ref[k].to(sd[k].dtype).float()) for k in ref)}
print(json.dumps(out))
"""


def check_aliases(result):
    for model_type, (arch, head, auto) in MODEL_TYPES.items():
        r = result[model_type]
        assert r["cls"] == arch and not any(r["info"].values()), r
        # The head loads the type's checkpoint: every weight of the shared base model is there, only the head's
        # own layers are missing (unexpected: layers the head lacks, BERT's pooler, GPT-2's untied lm_head).
        prefix = getattr(__import__("transformers"), head).base_model_prefix + "."
        assert r["head_missing"] and all(not k.startswith(prefix) for k in r["head_missing"]), r
        assert any(k.startswith(prefix) for k in r["head_params"])
        for kind in KINDS:
            k = result[f"{model_type}-{kind}"]
            want = "torch.float16" if "fp16" in kind else "torch.bfloat16" if "bf16" in kind else "torch.float32"
            assert k["cls"] == arch and k["clean"] and k["same"] and k["dtype"] == want, (kind, k)


def test_model_type_names_and_combined_kinds_on_demand(server, tmp_path):
    result = run_py("ORG = 'tf'\n" + LOAD_ALIASES, {**server.env(tmp_path / "dl"), "KINDS": json.dumps(KINDS),
                                                    "TYPES": json.dumps(MODEL_TYPES)}, timeout=600)
    check_aliases(result)
    for name in ("tiny-random-bert-nonsense", "tiny-random-bert-bin-sharded", "tiny-random-bert-sharded-sharded",
                 "tiny-random-not_a_type", "tiny-random-bert-v2"):
        assert request(f"{server.url}/api/models/tf/{name}")[0] == 404, name


def test_model_type_names_and_combined_kinds_in_the_hf_cache(tmp_path):
    cache = tmp_path / "cache"
    run_tinyforge("create", tmp_path / "out", "--model_types", ",".join(MODEL_TYPES), "--variants", ",".join(KINDS),
                  "--hf_cache", cache, "--organization", "tf")
    result = run_py("ORG = 'tf'\n" + LOAD_ALIASES, {"HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(cache),
                                                    "KINDS": json.dumps(KINDS), "TYPES": json.dumps(MODEL_TYPES)},
                    timeout=600)
    check_aliases(result)
    # The model type's repository is the architecture's, byte for byte.
    for model_type, (arch, _, _) in MODEL_TYPES.items():
        for suffix in ("", "-variant-sharded"):
            ours = cache / f"models--tf--tiny-random-{model_type}{suffix}" / "snapshots"
            theirs = cache / f"models--tf--tiny-random-{arch}{suffix}" / "snapshots"
            files = lambda root: {p.relative_to(next(root.iterdir())).as_posix(): p.read_bytes()
                                  for p in next(root.iterdir()).rglob("*") if p.is_file()}
            assert files(ours) == files(theirs)
