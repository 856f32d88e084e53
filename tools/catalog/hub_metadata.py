#!/usr/bin/env python3
"""Hub metadata compiler (development time only; run with the test venv's python).

Writes `src/tinyforge/catalog/hub_metadata.json`, read from the pinned transformers' pipeline registry and auto
mappings for the architectures the catalog lists (src/tinyforge/catalog/data/*.json):

  pipeline_tags   {architecture class: Hub pipeline_tag}. The forge writes the tag into each repository's model
                  card (README.md front matter) and `tinyforge serve` returns it in the model info, from which a
                  task-less `transformers.pipeline(model=...)` picks its task.

  model_type_repositories
                  {model_type: [candidate architectures]}: what `ORG/tiny-random-{model_type}` holds, the first
                  candidate the forge can forge (else the type's first forgeable architecture). The rule: a
                  decoder-only type — its only language-model head is a causal LM (in AutoModelForCausalLM's
                  mapping, in none of AutoModelForMaskedLM's, AutoModelForSeq2SeqLM's, AutoModelForSpeechSeq2Seq's)
                  — gets its causal LM, then its bare model: every head of the type is the bare model plus its own
                  layers, so every head loads the causal LM's checkpoint with only its own layers missing (an untied
                  lm_head is unexpected there), and
                  the causal LM itself (what generate() tests load) loads complete. Every other type gets its bare
                  model (`AutoModel`'s class), then its causal LM: an encoder's masked-LM checkpoint lacks the
                  pooler its other heads need, and no head of an encoder-decoder is a superset of the others;
                  transformers' own hf-internal-testing/tiny-random-bert is a BertModel.

The pipeline_tag rule (a class may be in several auto mappings):
  1. The tasks of `transformers.pipelines.SUPPORTED_TASKS` in its order, except those served by the bare
     `AutoModel`: a class gets the first task one of whose auto classes maps some model type to it
     (ForCausalLM -> text-generation, ForCTC and Whisper's ForConditionalGeneration ->
     automatic-speech-recognition, ForSequenceClassification -> text-classification, ...).
  2. Then the tasks transformers 5 removed but the Hub still tags, with the auto class transformers 4 served
     them by (REMOVED_TASK_AUTO_CLASSES): an encoder-decoder text model's ForConditionalGeneration ->
     text2text-generation, ForQuestionAnswering -> question-answering. A task-less pipeline on such a
     repository fails as it does on the Hub: transformers names the task as removed.
  3. Then the bare model (`AutoModel`'s mapping): image-feature-extraction when the model type has an image
     processor and no tokenizer in transformers' auto mappings, else feature-extraction.
  4. A class in none of them (ForPreTraining, ForMultipleChoice, ForNextSentencePrediction, ...) gets no tag,
     as a Hub repository whose task cannot be told has none.

  hub_metadata.py            write the file
  hub_metadata.py --check    write nothing; exit 1 when the checked-in file differs from what would be written
"""
import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = ROOT / "src" / "tinyforge" / "catalog" / "data"
TABLE_FILE = ROOT / "src" / "tinyforge" / "catalog" / "hub_metadata.json"

# Tasks in transformers 5's REMOVED_TASKS that Hub repositories are still tagged with, and the auto class
# transformers 4's pipeline registry served each by (summarization and translation also used
# AutoModelForSeq2SeqLM; text2text-generation is the tag the Hub gives such models).
REMOVED_TASK_AUTO_CLASSES = {
    "text2text-generation": "AutoModelForSeq2SeqLM",
    "question-answering": "AutoModelForQuestionAnswering",
    "visual-question-answering": "AutoModelForVisualQuestionAnswering",
    "image-to-image": "AutoModelForImageToImage",
}


def mapped_classes(auto_class) -> set[str]:
    names = set()
    for value in auto_class._model_mapping._model_mapping.values():
        names.update(value if isinstance(value, (list, tuple)) else [value])
    return names


def catalog_architectures() -> dict[str, str]:
    """{architecture: model_type} for every architecture the catalog lists (forgeable or not)."""
    out = {}
    for path in sorted(DATA_DIR.glob("*.json")):
        data = json.loads(path.read_text())
        for arch in data.get("architectures") or []:
            out[arch["name"]] = data["model_type"]
    return out


def pipeline_tags() -> dict[str, str]:
    import transformers.models.auto.modeling_auto as modeling_auto
    from transformers.models.auto.image_processing_auto import IMAGE_PROCESSOR_MAPPING_NAMES
    from transformers.models.auto.tokenization_auto import TOKENIZER_MAPPING_NAMES
    from transformers.pipelines import REMOVED_TASKS, SUPPORTED_TASKS

    ordered: list[tuple[str, set[str]]] = []
    for task, spec in SUPPORTED_TASKS.items():
        autos = [a for a in spec["pt"] if a is not modeling_auto.AutoModel]
        if autos:
            ordered.append((task, set().union(*(mapped_classes(a) for a in autos))))
    for task, auto_name in REMOVED_TASK_AUTO_CLASSES.items():
        assert task in REMOVED_TASKS, f"{task} is no longer a removed task of the pinned transformers"
        ordered.append((task, mapped_classes(getattr(modeling_auto, auto_name))))
    bare = mapped_classes(modeling_auto.AutoModel)

    table = {}
    for arch, model_type in sorted(catalog_architectures().items()):
        tag = next((task for task, classes in ordered if arch in classes), None)
        if tag is None and arch in bare:
            vision_only = model_type in IMAGE_PROCESSOR_MAPPING_NAMES and model_type not in TOKENIZER_MAPPING_NAMES
            tag = "image-feature-extraction" if vision_only else "feature-extraction"
        if tag is not None:
            table[arch] = tag
    return table


def model_type_repositories() -> dict[str, list[str]]:
    import transformers.models.auto.modeling_auto as modeling_auto

    def names(mapping, model_type):
        value = mapping.get(model_type)
        return [] if value is None else list(value) if isinstance(value, (list, tuple)) else [value]

    by_type: dict[str, list[str]] = {}
    for arch, model_type in catalog_architectures().items():
        by_type.setdefault(model_type, []).append(arch)
    out = {}
    for model_type, archs in sorted(by_type.items()):
        causal = names(modeling_auto.MODEL_FOR_CAUSAL_LM_MAPPING_NAMES, model_type)
        bare = names(modeling_auto.MODEL_MAPPING_NAMES, model_type)
        other_lm = any(model_type in m for m in (modeling_auto.MODEL_FOR_MASKED_LM_MAPPING_NAMES,
                                                  modeling_auto.MODEL_FOR_SEQ_TO_SEQ_CAUSAL_LM_MAPPING_NAMES,
                                                  modeling_auto.MODEL_FOR_SPEECH_SEQ_2_SEQ_MAPPING_NAMES))
        order = causal + bare if causal and not other_lm else bare + causal
        candidates = [a for a in dict.fromkeys(order) if a in archs]
        if candidates:
            out[model_type] = candidates
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="fail when the checked-in file is out of date")
    args = parser.parse_args()
    facts = {"pipeline_tags": pipeline_tags(), "model_type_repositories": model_type_repositories()}
    text = json.dumps(facts, indent=1, sort_keys=True) + "\n"
    if args.check:
        if not TABLE_FILE.exists() or TABLE_FILE.read_text() != text:
            print(f"{TABLE_FILE.relative_to(ROOT)} is out of date: run tools/catalog/hub_metadata.py", file=sys.stderr)
            return 1
        return 0
    TABLE_FILE.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
