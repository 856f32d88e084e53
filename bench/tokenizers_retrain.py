"""Retraining a real-sized tokenizer: `tinyforge tokenizer retrain` (one process: start, load, count, train, write)
vs transformers' `PreTrainedTokenizerFast(tokenizer_file=...).train_new_from_iterator(lines, vocab_size=V)` +
`save_pretrained` in a warm process (imports excluded), same corpus, same target size.

The input is a Llama-3-like byte-level BPE tokenizer.json written by this script (not checked in): Llama 3's split
regex + ByteLevel without regex, ignore_merges, 128,000 BPE entries trained by HF on every Debian fortune (11.5 MB,
five languages) plus 256 special tokens = 128,256 entries. It is retrained on the same fortunes to its own size
(128,256: the corpus gives 128k merges) and to 1024 (create_dummy_models' size). HF runs with its default rayon
threads (what a user gets) and with RAYON_NUM_THREADS=1; ours is single-threaded. Each figure is the best of
--repeat runs, ours and HF alternating. The outputs are compared (vocab and merges equal).
Usage: python bench/tokenizers_retrain.py --bin build/release/tinyforge [--repeat 1] [--sizes 128256,1024]
[--keep DIR]"""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests/support"))

# Llama 3's pre-tokenizer split (its tokenizer.json, tiktoken's cl100k pattern).
LLAMA3_SPLIT = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                r"|\s*[\r\n]+|\s+(?!\S)|\s+")

HF_CHILD = r"""
import json, pathlib, sys, time
from transformers import PreTrainedTokenizerFast
big, corpus, size, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
lines = pathlib.Path(corpus).read_text(encoding="utf-8").split("\n")
start = time.perf_counter()
fast = PreTrainedTokenizerFast(tokenizer_file=big)
new = fast.train_new_from_iterator(lines, vocab_size=size)
new.save_pretrained(out)
print(json.dumps({"seconds": time.perf_counter() - start}))
"""


def build_big(path, lines):
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    tok = Tokenizer(models.BPE(ignore_merges=True))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(LLAMA3_SPLIT), "isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(lines, trainers.BpeTrainer(vocab_size=128000, show_progress=False,
                                                       initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    specials = ["<|begin_of_text|>", "<|end_of_text|>"] + [f"<|reserved_special_token_{i}|>" for i in range(254)]
    tok.add_special_tokens(specials)
    tok.post_processor = processors.Sequence([
        processors.ByteLevel(trim_offsets=False),
        processors.TemplateProcessing(single="<|begin_of_text|> $A:0",
                                      pair="<|begin_of_text|> $A:0 <|begin_of_text|>:1 $B:1",
                                      special_tokens=[("<|begin_of_text|>", tok.token_to_id("<|begin_of_text|>"))])])
    tok.save(str(path))
    return tok.get_vocab_size()


def run_hf(big, corpus, size, out, threads):
    env = dict(os.environ, TOKENIZERS_PARALLELISM="true")
    env.pop("RAYON_NUM_THREADS", None)
    if threads:
        env["RAYON_NUM_THREADS"] = str(threads)
    proc = subprocess.run([sys.executable, "-c", HF_CHILD, str(big), str(corpus), str(size), str(out)],
                          capture_output=True, text=True, env=env, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])["seconds"]


def run_ours(binary, big, corpus, size, out):
    start = time.perf_counter()
    subprocess.run([binary, "tokenizer", "retrain", str(big), "--vocab_size", str(size), "--corpus", str(corpus),
                    "--out", str(out)], capture_output=True, check=True)
    return time.perf_counter() - start


def compare(ours_path, hf_path):
    ours = json.loads(pathlib.Path(ours_path).read_text(encoding="utf-8"))["model"]
    hf = json.loads(pathlib.Path(hf_path).read_text(encoding="utf-8"))["model"]
    same_vocab = ours["vocab"] == hf["vocab"]
    same_merges = [tuple(m) for m in ours["merges"]] == [tuple(m) for m in hf["merges"]]
    return f"vocab {'equal' if same_vocab else 'DIFFERENT'}, merges {'equal' if same_merges else 'DIFFERENT'}" \
           f" ({len(ours['vocab'])} entries, {len(ours['merges'])} merges)"


def main():
    from tokenizer_oracle import fortunes

    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=str(ROOT / "build/release/tinyforge"))
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--sizes", default="128256,1024")
    ap.add_argument("--keep", help="directory to keep (and reuse) the big tokenizer and the corpus in")
    a = ap.parse_args()
    lines = [line for t in fortunes() for line in t.split("\n") if line.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        work = pathlib.Path(a.keep or tmp)
        work.mkdir(parents=True, exist_ok=True)
        corpus = work / "corpus.txt"
        corpus.write_text("\n".join(lines), encoding="utf-8")
        big = work / "llama3_like_128k.json"
        if not big.exists():
            t0 = time.perf_counter()
            n = build_big(big, lines)
            print(f"built {big.name}: {n} entries in {time.perf_counter() - t0:.1f} s (HF, default threads)")
        mb = corpus.stat().st_size / 1e6
        print(f"input {big.stat().st_size / 1e6:.1f} MB tokenizer.json; corpus {len(lines)} lines, {mb:.1f} MB; "
              f"load {os.getloadavg()[0]:.1f}")
        for size in [int(s) for s in a.sizes.split(",")]:
            ours_t, hf_t, hf1_t = [], [], []
            for _ in range(a.repeat):
                ours_t.append(run_ours(a.bin, big, corpus, size, work / "ours.json"))
                hf_t.append(run_hf(big, corpus, size, work / "hf", None))
                hf1_t.append(run_hf(big, corpus, size, work / "hf1", 1))
            o, h, h1 = min(ours_t), min(hf_t), min(hf1_t)
            print(f"vocab_size {size}: HF (default threads) {h:.2f} s, HF 1 thread {h1:.2f} s, tinyforge process "
                  f"{o:.2f} s; ratio ours/HF {o / h:.2f}x, ours/HF-1-thread {o / h1:.2f}x; load "
                  f"{os.getloadavg()[0]:.1f}; {compare(work / 'ours.json', work / 'hf' / 'tokenizer.json')}")


if __name__ == "__main__":
    main()
