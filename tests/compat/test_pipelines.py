"""Generation on forged repositories with transformers' default arguments: the ASR pipeline on Whisper (plain and
with timestamps), text-generation on causal LMs, and generate() on T5 and BART as the text2text pipeline (removed
in transformers v5) ran it. The pipelines ask generate() for 256 new tokens unless the generation config sets
max_length, so a model whose positions hold fewer must say so in its generation_config.json; Whisper's timestamps
need its timestamp tokens and the ids WhisperGenerationMixin reads (no_timestamps_token_id, lang_to_id, ...)."""
import json
from pathlib import Path

import numpy as np
import pytest

WHISPER = "WhisperForConditionalGeneration"


def forged(forge_cache, model_type, arch):
    return str(Path(forge_cache(model_type)) / model_type / arch)


def speech(seconds=1.5, rate=16000):
    """A 440 Hz tone with some noise: what the feature extractor and the encoder see is ordinary audio."""
    t = np.arange(int(seconds * rate)) / rate
    noise = np.random.default_rng(0).standard_normal(t.size)
    return {"raw": (0.5 * np.sin(2 * np.pi * 440 * t) + 0.05 * noise).astype(np.float32), "sampling_rate": rate}


def test_whisper_tokenizer_has_timestamp_tokens_after_its_special_tokens(forge_cache):
    """openai/whisper-*'s layout: the special tokens end at <|notimestamps|>, the 1501 timestamp tokens follow it,
    and the generation config names the ids generate() needs; the trained vocabulary stays within 1024."""
    from transformers import AutoTokenizer, GenerationConfig
    from transformers.models.whisper.tokenization_whisper import LANGUAGES, TASK_IDS

    directory = forged(forge_cache, "whisper", WHISPER)
    tok = AutoTokenizer.from_pretrained(directory)
    config = json.loads((Path(directory) / "config.json").read_text())
    no_timestamps = tok.convert_tokens_to_ids("<|notimestamps|>")
    assert tok.all_special_ids[-1] == no_timestamps
    assert tok.timestamp_ids() == list(range(no_timestamps + 1, no_timestamps + 1502))
    assert len(tok) == config["vocab_size"] == no_timestamps + 1502
    assert len(tok) - 1501 <= 1024
    assert tok.decode(tok.timestamp_ids()[:2], decode_with_timestamps=True) == "<|0.00|><|0.02|>"
    assert tok("<|1.00|> hi").input_ids[2] == tok.timestamp_ids()[50]

    gen = GenerationConfig.from_pretrained(directory)
    assert gen.no_timestamps_token_id == no_timestamps
    assert gen.prev_sot_token_id == tok.convert_tokens_to_ids("<|startofprev|>")
    assert gen.decoder_start_token_id == tok.convert_tokens_to_ids("<|startoftranscript|>")
    assert gen.lang_to_id == {f"<|{code}|>": tok.convert_tokens_to_ids(f"<|{code}|>") for code in LANGUAGES}
    assert gen.task_to_id == {task: tok.convert_tokens_to_ids(f"<|{task}|>") for task in TASK_IDS}
    assert gen.is_multilingual is True
    assert gen.max_length == config["max_target_positions"]


def test_whisper_asr_pipeline_with_default_arguments(forge_cache):
    from transformers import pipeline

    pipe = pipeline("automatic-speech-recognition", model=forged(forge_cache, "whisper", WHISPER))
    out = pipe(speech())
    assert isinstance(out["text"], str)


def test_whisper_asr_pipeline_returns_timestamped_chunks(forge_cache):
    from transformers import pipeline

    pipe = pipeline("automatic-speech-recognition", model=forged(forge_cache, "whisper", WHISPER))
    out = pipe(speech(), return_timestamps=True)
    assert isinstance(out["text"], str)
    assert out["chunks"], "no timestamped chunk"
    for chunk in out["chunks"]:
        assert isinstance(chunk["text"], str)
        start, end = chunk["timestamp"]
        # The first timestamp is at most max_initial_timestamp_index (50) steps of 0.02 s in.
        assert 0.0 <= start <= 30.0 and (end is None or start <= end)
    assert out["chunks"][0]["timestamp"][0] <= 1.0


CAUSAL_LMS = [("gpt2", "GPT2LMHeadModel"), ("llama", "LlamaForCausalLM"),
              # 50 learned positions in the tiny config: fewer than the pipeline's default 256 new tokens.
              ("opt", "OPTForCausalLM")]


@pytest.mark.parametrize("model_type,arch", CAUSAL_LMS, ids=[c[0] for c in CAUSAL_LMS])
def test_text_generation_pipeline_with_default_arguments(model_type, arch, forge_cache):
    from transformers import pipeline

    pipe = pipeline("text-generation", model=forged(forge_cache, model_type, arch))
    out = pipe("Once upon a time")
    assert out[0]["generated_text"].startswith("Once upon a time")


SEQ2SEQ_LMS = [("t5", "T5ForConditionalGeneration"), ("bart", "BartForConditionalGeneration")]


@pytest.mark.parametrize("model_type,arch", SEQ2SEQ_LMS, ids=[c[0] for c in SEQ2SEQ_LMS])
def test_text2text_generation_with_default_arguments(model_type, arch, forge_cache):
    """The pinned transformers removed the text2text-generation pipeline (v5: "use text-generation with a chat
    model"); what it ran was tokenizer -> generate() with the model's generation config -> decode."""
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    directory = forged(forge_cache, model_type, arch)
    tok = AutoTokenizer.from_pretrained(directory)
    model = AutoModelForSeq2SeqLM.from_pretrained(directory).eval()
    ids = model.generate(**tok("translate English to German: The house is wonderful.", return_tensors="pt"))
    assert isinstance(tok.decode(ids[0], skip_special_tokens=True), str)
