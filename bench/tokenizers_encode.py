"""Single-threaded encode throughput: tinyforge (one `tokenizer encode --file` process) vs HF tokenizers
(Tokenizer.encode per line, and one encode_batch of all lines, one thread), same few-MB corpus (Debian fortunes)
and the same trained tokenizer.
Usage: TINYFORGE_BIN=build/release/tinyforge [BENCH_REPEAT=N] [BENCH_KEEP=DIR] python bench/tokenizers_encode.py [FAMILY...]"""
import functools
import os
import pathlib
import subprocess
import sys
import tempfile
import time

os.environ["RAYON_NUM_THREADS"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests/compat"))
import test_tokenizer_parity as oracle  # noqa: E402
from tokenizers import Tokenizer  # noqa: E402

BIN = os.environ.get("TINYFORGE_BIN", "build/release/tinyforge")


def main():
    only = sys.argv[1:]  # family names to run (default: all)
    repeat = int(os.environ.get("BENCH_REPEAT", "1"))
    keep = os.environ.get("BENCH_KEEP")  # a directory keeping the tokenizers (reused) and the corpus (profiling)
    texts = oracle.fortunes()
    train = texts[::2][:6000]
    lines = [line for t in texts for line in t.split("\n") if line.strip()]
    lines = lines[: len(lines) // 4]  # about 3 MB
    corpus = "\n".join(lines) + "\n"
    mb = len(corpus.encode()) / 1e6
    with tempfile.TemporaryDirectory() as tmp:
        corpus_path = pathlib.Path(tmp) / "corpus.txt"
        corpus_path.write_text(corpus)
        if keep:
            pathlib.Path(keep, "corpus.txt").write_text(corpus)
        families = {name: functools.partial(oracle.FAMILIES[name], train) for name in
                    ("gpt2_bytelevel_bpe", "bert_wordpiece", "llama_byte_fallback_bpe", "t5like_unigram_metaspace")}
        # Real-sized: Llama/Mistral's 32000 entries (byte pieces included), GPT-2's 50257, BERT's 30522 WordPiece
        # entries and a 30,000-word WordLevel, trained on every fortune; a T5-like 32000-piece Unigram on 12,000
        # fortunes (HF's Unigram trainer is slow).
        families["llama_byte_fallback_bpe_32k"] = functools.partial(oracle._llama, texts, vocab_size=32000)
        families["gpt2_bytelevel_bpe_50k"] = functools.partial(oracle._gpt2, texts, vocab_size=50257)
        families["bert_wordpiece_30k"] = functools.partial(oracle._bert, texts, vocab_size=30522)
        families["t5like_unigram_metaspace_32k"] = functools.partial(oracle._metaspace_unigram, texts[::3],
                                                                     vocab_size=32000, n_train=12000)
        families["wordlevel_30k"] = functools.partial(oracle._wordlevel, texts, vocab_size=30000)
        for name, build in families.items():
            if only and name not in only:
                continue
            kept = pathlib.Path(keep or tmp) / f"{name}.json"
            tok = Tokenizer.from_file(str(kept)) if keep and kept.exists() else build()  # reuse a kept one
            path = pathlib.Path(tmp) / f"{name}.json"
            tok.save(str(path))
            if keep:
                tok.save(str(kept))
            hf, hf_batch, ours = [], [], []
            for _ in range(repeat):  # side by side, best of `repeat`
                t0 = time.perf_counter()
                n_hf = sum(len(tok.encode(line).ids) for line in lines)
                hf.append(time.perf_counter() - t0)
                t0 = time.perf_counter()  # one encode_batch call (one rayon thread): no Python call per line
                n_batch = sum(len(e.ids) for e in tok.encode_batch(lines))
                hf_batch.append(time.perf_counter() - t0)
                assert n_batch == n_hf
                t0 = time.perf_counter()
                out = subprocess.run([BIN, "tokenizer", "encode", str(path), "--file", str(corpus_path)],
                                     capture_output=True, check=True)
                ours.append(time.perf_counter() - t0)
            hf, hf_batch, ours = min(hf), min(hf_batch), min(ours)
            n_ours = out.stdout.count(b"\n")
            print(f"{name:28s} {mb:.2f} MB {len(lines)} lines ({n_hf} tokens HF)  HF {mb / hf:6.2f} MB/s  "
                  f"HF encode_batch {mb / hf_batch:6.2f} MB/s  "
                  f"tinyforge {mb / ours:6.2f} MB/s (incl. process start, ids printed, {n_ours} lines)  "
                  f"ratio {hf / ours:.2f}x (vs encode_batch {hf_batch / ours:.2f}x)  vocab {tok.get_vocab_size()}  "
                  f"load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
