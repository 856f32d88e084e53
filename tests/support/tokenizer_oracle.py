"""Shared by the tokenizer oracle tests: held-out text, and the comparison of `tinyforge tokenizer encode --jsonl`
with HF `tokenizers` (or a transformers Python tokenizer) field by field."""
import json
import pathlib
import subprocess

from tinyforge_support import tinyforge_binary

FORTUNES = pathlib.Path("/usr/share/games/fortunes")

ADVERSARIAL = [
    "",
    " ",
    "   leading and trailing   ",
    "tabs\tand\nnewlines\r\nmixed \u00a0nbsp\u2003em-space",
    "e\u0301le\u0300ve cafe\u0301 n\u0303 a\u0308\u0308",  # combining marks
    "\U0001F468\u200D\U0001F469\u200D\U0001F467 family \U0001F44D\U0001F3FD ok \u2764\ufe0f",  # ZWJ emoji
    "\u0627\u0644\u0633\u0644\u0627\u0645 \u0639\u0644\u064a\u0643\u0645 \u05e9\u05dc\u05d5\u05dd (RTL) \u200f",
    "\u4f60\u597d\u4e16\u754c\u3002\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8 \ud55c\uad6d\uc5b4",
    "x" * 10000,
    "ab" * 3000 + " end",
    "unknown \U0001D11E \U0010FFFF \u0000 \ufffd \u2028 chars",
    "ALL CAPS Ünïcödé ĞİŞ ß ﬁ ½ Ⅻ ①",
    "numbers 1234567890 3.14159 1,000,000 ٣٤٥",
    "code: def f(x): return x**2 # comment\n\tif a != b && c || d { return; }",
    "it's I'm we'll they've she'd don't",
    "[CLS] [SEP] [MASK] <s> </s> <unk> <pad> <|endoftext|> inside text",
    "    ",
    "a\u0300\u0301\u0302\u0303\u0304",
    # sentencepiece charsmap material: compatibility forms, ligatures, graphemes that start with a mapped char,
    # zero-width and control chars, full-width and half-width forms, the replacement char itself.
    "\ufb01ne \ufb02ow \ufb01\u0301 \uff21\uff22\uff23\u2460 \u337b \u00bc \u216b \u3000x\u200by\ufeffz \u2581 \u2581\u2581",
    "\uff76\uff80\uff76\uff85 \uff21\u0308 A\u030a \u00c5 \u1100\u1161\u11a8 \u0915\u094d\u0937 \u00ad soft\u00adhyphen",
    "ctl\x01\x02\x7f\x8f\x9f\x0b\x0c\x1fend \t\ttab \u1680ogham \u2028line\u2029para \ufffd",
    "\u2474 \u33a1 \u2122 \u00b2\u00b3 \u2075 \u1e9b\u0323 \u0130 \u212b \u2126 \uff08\uff09\uff01",
    # Chars HF's normalization tables (Unicode 9) do not know: later compatibility forms and combining marks.
    "\U0001fbf0\U0001fbf9 \ua7f2\ua7f3 \U0001e030 a\u1dfa\u0323 e\u0898\u0301 o\u1abf\u0316 \u0c3c\u0c55",
    # Marks of every kind (spacing, enclosing), private use inside and at the ends of the range, unassigned and
    # format chars old and new, punctuation new since Unicode 8.
    "\u0928\u092e\u0938\u094d\u0924\u0947 \u0926\u0941\u0928\u093f\u092f\u093e\u0903 a\u20dd \ue001\ue000\uf8ff\u0378"
    "\U00013430\U000e0001x\u061c\u0890y \u2e43\u2e4f \U0001e95e\U0001e95f",
]

FIELDS = ["ids", "type_ids", "tokens", "offsets", "special_tokens_mask", "attention_mask", "decoded",
          "decoded_keep_special"]


def fortunes():
    """Debian's fortunes in several languages (installed by scripts/install-deps.sh --test): text no tokenizer of
    ours was trained on."""
    if not FORTUNES.is_dir():
        raise AssertionError("Debian fortunes are missing: run scripts/install-deps.sh --test")
    texts = []
    for path in sorted(FORTUNES.rglob("*")):
        if path.is_dir() or path.suffix in (".dat", ".u8") or path.is_symlink():
            continue
        try:
            data = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            continue
        texts.extend(t.strip("\n") for t in data.split("\n%\n") if t.strip())
    return texts


def requests_for(texts):
    reqs = [{"text": t} for t in texts]
    reqs += [{"text": t, "add_special_tokens": False} for t in texts[:100]]
    reqs += [{"text": a, "pair": b} for a, b in zip(texts[:150], texts[1:151])]
    return reqs


def hf_result(tok, req):
    """What HF `tokenizers.Tokenizer` gives for one request, in the fields `tokenizer encode --jsonl` prints."""
    args = (req["text"], req["pair"]) if "pair" in req else (req["text"],)
    e = tok.encode(*args, add_special_tokens=req.get("add_special_tokens", True))
    return {
        "ids": e.ids, "type_ids": e.type_ids, "tokens": e.tokens, "offsets": [list(o) for o in e.offsets],
        "special_tokens_mask": e.special_tokens_mask, "attention_mask": e.attention_mask,
        "decoded": tok.decode(e.ids, skip_special_tokens=True),
        "decoded_keep_special": tok.decode(e.ids, skip_special_tokens=False),
    }


# What is compared with a transformers Python tokenizer (no tokenizers backend: CTRLTokenizer, ...): the encoding.
# It has no offsets; its token names are its own (the encoder names pieces as its pipeline does: CTRL's merges
# names, "he" "llo</w>" for vocab.json's "he@@" "llo"); and its decode is its own Python code over the files we
# write (CTRL's keeps a dangling "@@" and spaces out added tokens), checked by the forged-tokenizer tests, not ours.
PYTHON_FIELDS = ["ids", "type_ids", "special_tokens_mask", "attention_mask"]


def python_tokenizer_result(tok, req):
    """What a transformers Python tokenizer gives for one request, in the fields `tokenizer encode --jsonl` prints."""
    e = tok(req["text"], req.get("pair"), add_special_tokens=req.get("add_special_tokens", True),
            return_token_type_ids=True, return_special_tokens_mask=True, return_attention_mask=True)
    return {"ids": e["input_ids"], "type_ids": e["token_type_ids"], "special_tokens_mask": e["special_tokens_mask"],
            "attention_mask": e["attention_mask"]}


def parity_mismatches(tok, tokenizer_path, reqs, tmp_path, reference=hf_result, fields=FIELDS):
    """Runs our encoder on `reqs` (tokenizer_path: a tokenizer.json or a repository folder) and returns
    ({field: mismatch count}, first mismatch per field) against reference(tok, req)."""
    req_path = tmp_path / "requests.jsonl"
    req_path.write_text("".join(json.dumps(r) + "\n" for r in reqs))
    out = subprocess.run([str(tinyforge_binary()), "tokenizer", "encode", str(tokenizer_path), "--jsonl",
                          str(req_path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    ours = [json.loads(line) for line in out.stdout.split("\n") if line]
    assert len(ours) == len(reqs)
    mismatches = {f: 0 for f in fields}
    first = {}
    for req, mine in zip(reqs, ours):
        ref = reference(tok, req)
        for f in fields:
            if mine.get(f) != ref[f]:
                mismatches[f] += 1
                first.setdefault(f, (req, ref[f] if f.startswith("decoded") else ref[f][:40],
                                     mine.get(f) if f.startswith("decoded") else mine.get(f)[:40]))
    return mismatches, first


def mostly_same(ours, theirs, tolerance=0.01):
    ours, theirs = set(ours), set(theirs)
    return len(ours ^ theirs) <= tolerance * len(theirs)


def unigram_differences(ours, theirs, n_specials, rel_tol=1e-10):
    """How two trained Unigram vocabularies ([piece, score] lists) differ, up to what HF leaves to hash-map order:
    the order of pieces with exactly equal scores, and which char EM dropped gets which of the penalty scores
    min_score + k * 1e-4 (k counts the dropped chars in hash-set order)."""
    problems = []
    if ours[:n_specials] != theirs[:n_specials]:
        problems.append(f"specials {ours[:n_specials]} != {theirs[:n_specials]}")
    a, b = ours[n_specials:], theirs[n_specials:]
    if len(a) != len(b):
        problems.append(f"{len(a)} pieces != {len(b)}")

    def close(x, y):
        return abs(x - y) <= rel_tol * max(1.0, abs(x), abs(y))

    da, db = dict(a), dict(b)
    if set(da) ^ set(db):
        problems.append(f"pieces in one only: {sorted(set(da) ^ set(db))[:10]}")
    # Both lists are sorted by score: position by position the scores agree.
    bad = [i for i, (x, y) in enumerate(zip(a, b)) if not close(x[1], y[1])]
    if bad:
        problems.append(f"{len(bad)} positions score differently: {[(a[i], b[i]) for i in bad[:5]]}")
    base = min((score for _, score in b), default=0.0)

    def on_penalty_grid(score):
        steps = (score - base) / 1e-4
        return abs(steps - round(steps)) < 1e-6 and score - base < 1.0

    bad = [p for p in set(da) & set(db) if not close(da[p], db[p])
           and not (len(p) == 1 and on_penalty_grid(da[p]) and on_penalty_grid(db[p]))]
    if bad:
        problems.append(f"{len(bad)} pieces score differently: {[(p, da[p], db[p]) for p in bad[:5]]}")
    return problems
