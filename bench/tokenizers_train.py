"""Training time, single-threaded: tinyforge trainers (BPE, WordPiece, Unigram) vs HF `tokenizers` on the same
few-MB corpus.

HF runs with RAYON_NUM_THREADS=1. Our trainers are fed precomputed word counts (`--word_counts`). To compare like
with like, HF is fed the same pre-tokenized words (no pre-tokenizer: each item is one word) and timed with the
target vocab_size and with vocab_size 1 (counting + alphabet + pair counting, no merges); HF's training time is
the difference. Each timing is the best of --repeat runs. HF's end-to-end time on raw text is shown for scale. Usage: bench/tokenizers_train.py --bin build/release/tinyforge [--mb 4] [--only unigram]
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
    if pre is not None:
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


def pieces(tok_json):
    vocab = tok_json["model"]["vocab"]
    return {p for p, _ in vocab} if isinstance(vocab, list) else set(vocab)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="build/release/tinyforge")
    ap.add_argument("--mb", type=float, default=4)
    ap.add_argument("--vocab_size", type=int, default=8000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", help="comma-separated trainer names to run (default: all)")
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
        # Unigram cannot train at vocab_size 1 (fewer entries than chars), so its baseline is HF's word counting
        # alone (WordLevel at vocab_size 1): "HF train" includes the seed pieces, as "ours train" does.
        ("unigram", pre_tokenizers.Metaspace(),
         lambda v: (models.Unigram(), trainers.UnigramTrainer(
             vocab_size=v, show_progress=False, special_tokens=["<pad>", "</s>", "<unk>"], unk_token="<unk>"))
         if v > 1 else (models.WordLevel(unk_token="<unk>"), trainers.WordLevelTrainer(vocab_size=1,
                                                                                      show_progress=False)),
         ["--model", "unigram", "--special_tokens", "<pad>,</s>,<unk>", "--unk_token", "<unk>"]),
    ]
    print(f"{'trainer':16} {'HF e2e s':>10} {'HF train s':>11} {'ours train s':>12} {'ours total s':>12} "
          f"{'ratio':>12} {'vocab overlap':>13}")
    if a.only:
        cases = [c for c in cases if c[0] in a.only.split(",")]
    for name, pre, make, args in cases:
        model, trainer = make(n)
        hf_total, _ = hf_train(model, pre, trainer, lines)
        counts = Counter()
        for line in lines:
            counts.update(w for w, _ in pre.pre_tokenize_str(line))
        words = [w for w, c in sorted(counts.items()) for _ in range(c)]
        full, base = [], []
        for _ in range(a.repeat):
            m, tr = make(n)
            t, hf_json = hf_train(m, None, tr, words)
            full.append(t)
            m, tr = make(1)
            base.append(hf_train(m, None, tr, words)[0])  # stops before the first merge
        hf_merges = max(min(full) - min(base), 1e-9)
        runs = []
        with tempfile.TemporaryDirectory() as tmp:
            for _ in range(a.repeat):
                runs.append(ours(a.bin, counts, [*args, "--vocab_size", str(n)], tmp))
        our_train = min(r[0] for r in runs)
        our_total = min(r[1] for r in runs)
        our_json = runs[0][2]
        ov, hv = pieces(our_json), pieces(hf_json)
        same = f"{100 * len(ov & hv) / len(hv):.1f}%"
        print(f"{name:16} {hf_total:10.3f} {hf_merges:11.3f} {our_train:12.3f} {our_total:12.3f} "
              f"{hf_merges / our_train:11.2f}x {same:>13}")


if __name__ == "__main__":
    main()
