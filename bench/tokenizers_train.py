"""Training time, single-threaded: tinyforge trainers vs HF `tokenizers` on the same few-MB corpus.

HF runs with RAYON_NUM_THREADS=1. Our trainers are fed precomputed word counts (`--word_counts`), so HF's time
includes pre-tokenization and counting. To compare like with like we also time HF with vocab_size equal to the
initial vocabulary (pre-tokenize + count + alphabet + pair counting, no merges) and report HF's merge phase as
the difference. Usage: bench/tokenizers_train.py --bin build/release/tinyforge [--mb 4]
"""
import argparse
import os

os.environ["RAYON_NUM_THREADS"] = "1"
import json  # noqa: E402
import re  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from pathlib import Path  # noqa: E402

from tokenizers import Tokenizer, models, pre_tokenizers, trainers  # noqa: E402


def make_corpus(megabytes):
    base = []
    for path in sorted(Path("/usr/share/common-licenses").glob("*")):
        if path.is_file():
            base += [x for x in path.read_text(encoding="utf-8", errors="replace").splitlines() if x.strip()]
    lines, size, k = [], 0, 0
    while size < megabytes * 1_000_000:
        # Vary the text so the word distribution is not just a repetition: numbered words, rotated lines.
        line = base[k % len(base)]
        line = re.sub(r"\b(\w)(\w*)", lambda m, k=k: m.group(0) + (str(k % 97) if len(m.group(0)) % 7 == 0 else ""), line)
        lines.append(line)
        size += len(line.encode()) + 1
        k += 1
    return lines


def hf_train(model, pre, trainer, lines):
    tok = Tokenizer(model)
    tok.pre_tokenizer = pre
    start = time.perf_counter()
    tok.train_from_iterator(lines, trainer=trainer)
    return time.perf_counter() - start, json.loads(tok.to_str())


def ours(binary, counts, args, tmp):
    words = Path(tmp) / "words.tsv"
    words.write_text("".join(f"{w}\t{c}\n" for w, c in sorted(counts.items())), encoding="utf-8")
    out = Path(tmp) / "tok.json"
    start = time.perf_counter()
    proc = subprocess.run([binary, "tokenizer", "train", "--word_counts", str(words), "--out", str(out), "--timing",
                           *args], capture_output=True, text=True, check=True)
    total = time.perf_counter() - start
    train = float(re.search(r"train_seconds (\S+)", proc.stdout).group(1))
    return train, total, json.loads(out.read_text(encoding="utf-8"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="build/release/tinyforge")
    ap.add_argument("--mb", type=float, default=4)
    ap.add_argument("--vocab_size", type=int, default=8000)
    a = ap.parse_args()
    lines = make_corpus(a.mb)
    print(f"corpus: {len(lines)} lines, {sum(len(x.encode()) + 1 for x in lines) / 1e6:.1f} MB; vocab_size {a.vocab_size}")
    n = a.vocab_size
    cases = [
        ("bpe byte-level", pre_tokenizers.ByteLevel(add_prefix_space=False),
         lambda v: (models.BPE(), trainers.BpeTrainer(vocab_size=v, show_progress=False, special_tokens=["<|endoftext|>"],
                                                      initial_alphabet=pre_tokenizers.ByteLevel.alphabet())),
         ["--model", "bpe", "--special_tokens", "<|endoftext|>", "--byte_level_alphabet"]),
        ("wordpiece", pre_tokenizers.BertPreTokenizer(),
         lambda v: (models.WordPiece(unk_token="[UNK]"), trainers.WordPieceTrainer(
             vocab_size=v, show_progress=False, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])),
         ["--model", "wordpiece", "--special_tokens", "[PAD],[UNK],[CLS],[SEP],[MASK]"]),
    ]
    print(f"{'trainer':16} {'HF total s':>10} {'HF merges s':>11} {'ours train s':>12} {'ours total s':>12} "
          f"{'ratio merges':>12} {'same vocab':>10}")
    for name, pre, make, args in cases:
        model, trainer = make(n)
        hf_total, hf_json = hf_train(model, pre, trainer, lines)
        model0, trainer0 = make(1)  # stops before the first merge
        hf_base, _ = hf_train(model0, pre, trainer0, lines)
        counts = Counter()
        for line in lines:
            counts.update(w for w, _ in pre.pre_tokenize_str(line))
        with tempfile.TemporaryDirectory() as tmp:
            our_train, our_total, our_json = ours(a.bin, counts, [*args, "--vocab_size", str(n)], tmp)
        hf_merges = max(hf_total - hf_base, 1e-9)
        same = set(our_json["model"]["vocab"]) == set(hf_json["model"]["vocab"])
        print(f"{name:16} {hf_total:10.3f} {hf_merges:11.3f} {our_train:12.3f} {our_total:12.3f} "
              f"{hf_merges / our_train:11.2f}x {str(same):>10}")


if __name__ == "__main__":
    main()
