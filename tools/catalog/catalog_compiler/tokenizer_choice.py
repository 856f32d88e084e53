"""Which tokenizer template a model type's repositories get.

The v5 class comes from transformers' TOKENIZER_MAPPING_NAMES; tools/catalog/tokenizer_templates.json says
which template builds that class's pipeline. A type the mapping does not list loads whatever class its
tokenizer_config.json names, so it gets the Llama template (a byte-fallback BPE, the most common kind among
decoder LLMs) and AutoTokenizer loads it as LlamaTokenizer."""
from transformers.models.auto.tokenization_auto import TOKENIZER_MAPPING_NAMES

FALLBACK_TEMPLATE = "llama"


def tokenizer_classes(model_type):
    v = TOKENIZER_MAPPING_NAMES.get(model_type)
    if v is None:
        return []
    return [c for c in (v if isinstance(v, (list, tuple)) else [v]) if c]


def tokenizer_spec(model_type, recorded, templates, is_text, recorded_types):
    """recorded: the G0 specs; recorded_types: the types whose specs are recorded (absent = no tokenizer)."""
    if model_type in recorded_types:
        return recorded.get(model_type)
    if not is_text:
        return None
    classes = tokenizer_classes(model_type)
    spec = {"max_length_key": "max_position_embeddings"}
    for cls in classes:
        if cls in templates:
            spec = {"template": templates[cls], **spec}
            if cls == "TokenizersBackend" and templates[cls] != "tokenizers_backend":
                spec["tokenizer_class"] = cls
            return spec
    if classes and classes != ["TokenizersBackend"] and "TokenizersBackend" not in classes:
        return None  # a class with no template yet: the type has no tokenizer until one exists
    spec = {"template": FALLBACK_TEMPLATE, **spec}
    if classes:
        spec["tokenizer_class"] = "TokenizersBackend"
    return spec
