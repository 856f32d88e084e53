"""optimum's dummy-input facts for the catalog's model types, read from the pinned optimum (2.3.0 + optimum-onnx
0.1.0) into src/tinyforge/inputs/data/optimum_inputs.json, which `tinyforge inputs` interprets.

Per model type that optimum has an ONNX config for (the others are listed under `unsupported`):
  onnx_config         the OnnxConfig class TasksManager registers for the type
  tasks               TasksManager's supported tasks for the onnx exporter, in its order; each with the inputs of
                      the submodel the export feeds (names and dynamic axes in the config's order, the cache as one
                      `past_key_values` entry last, `past_axes` per per-layer part), the dummy input generator
                      classes `_create_dummy_input_generator_classes` instantiates (in order), `past_in_inputs`,
                      and for a seq2seq task with a cache the `decoder` submodel fed instead when the config is an
                      encoder-decoder one (the rule of optimum.exporters.utils, as tests/support/optimum_oracle.py)
  aliases             NormalizedConfig names that resolve to another config path (probed, with_args applied)
  attribute_map       the transformers config class's attribute_map (NormalizedConfig's fallback)
  pad_attention_mask_to_past  the class's PAD_ATTENTION_MASK_TO_PAST
  default_tasks       per architecture, the task TasksManager infers from its class, where the type supports it
An input declared only for some value of a boolean config field (Falcon's position_ids unless `alibi`) carries
`when: {field, equals, default}`; they are found by flipping each boolean field of the default config.
"""
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
OUT = ROOT / "src" / "tinyforge" / "inputs" / "data" / "optimum_inputs.json"


def _tasks_manager():
    """TasksManager with the ONNX configs registered, loaded as the test oracle loads it (optimum-onnx's export
    patcher does not import under transformers 5.x and is not used for dummy inputs)."""
    support = str(ROOT / "tests" / "support")
    if support not in sys.path:
        sys.path.insert(0, support)
    import optimum_oracle

    return optimum_oracle.TasksManager


class _Path:
    """A stand-in config whose every attribute is another _Path: NormalizedConfig resolves a name to the path it
    reads."""

    def __init__(self, path=""):
        self._path = path

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        if name == "attribute_map":
            return {}
        return _Path(f"{self._path}.{name}" if self._path else name)


def _aliases(normalized_config_class):
    probe = normalized_config_class(_Path())
    out = {}
    for attr in dir(probe):
        if attr.isupper() and isinstance(object.__getattribute__(probe, attr), str):
            resolved = getattr(probe, attr.lower())
            if isinstance(resolved, _Path) and resolved._path != attr.lower():
                out[attr.lower()] = resolved._path
    return out


def _axes(axes):
    return {str(k): v for k, v in sorted(axes.items())}


class _Made:
    """A generator class's stand-in instance while the instantiation is recorded: its class and the sizes passed."""

    def __init__(self, cls, kwargs):
        self.cls, self.kwargs = cls, kwargs

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return self.kwargs.get(name)


def _generator_classes(cfg, shapes):
    """The generator classes cfg._create_dummy_input_generator_classes instantiates, in its order — recorded, not
    run (a default config need not have every field a generator reads)."""

    def record(cls):
        return lambda *args, **kwargs: _Made(cls, kwargs)

    cfg.DUMMY_INPUT_GENERATOR_CLASSES = tuple(
        {k: record(v) for k, v in c.items()} if isinstance(c, dict) else record(c)
        for c in type(cfg).DUMMY_INPUT_GENERATOR_CLASSES)
    try:
        return [g.cls.__name__ for g in cfg._create_dummy_input_generator_classes(**shapes)]
    finally:
        del cfg.DUMMY_INPUT_GENERATOR_CLASSES


def _submodel(cfg, shapes):
    """The inputs one ONNX config instance declares, in generation order (OnnxConfigWithPast generates the cache
    last, as one input), with its generators."""
    inputs, past_axes = [], {}
    for name, axes in cfg.inputs.items():
        if not name.startswith("past_key_values."):
            inputs.append({"name": name, "axes": _axes(axes)})
            continue
        _, layer, part = name.split(".", 2)
        if past_axes.setdefault(part, _axes(axes)) != _axes(axes):
            raise ValueError(f"{name}: its axes differ from layer 0's")
    past_in_inputs = bool(getattr(cfg, "use_past_in_inputs", False)) and getattr(cfg, "use_cache_branch", None) \
        is not False
    out = {"inputs": inputs, "generators": _generator_classes(cfg, shapes), "past_in_inputs": past_in_inputs}
    if past_in_inputs:
        inputs.append({"name": "past_key_values"})
        out["past_axes"] = past_axes
    return out


def _key(entry):
    return entry["name"], json.dumps(entry.get("axes"))


def _mark_conditions(make, config, flags, base):
    """Marks the inputs of `base` (= make(config)) that flipping one boolean config field removes or adds."""
    for field in flags:
        value = getattr(config, field)
        setattr(config, field, not value)
        try:
            other = make(config)
        finally:
            setattr(config, field, value)
        mine, theirs = [_key(e) for e in base["inputs"]], [_key(e) for e in other["inputs"]]
        if mine == theirs:
            continue
        if [k for k in mine if k in theirs] == theirs:  # flipping removes some
            merged = [(e, value) if _key(e) not in theirs else (e, None) for e in base["inputs"]]
        elif [k for k in theirs if k in mine] == mine:  # flipping adds some
            merged = [(base["inputs"][mine.index(_key(e))], None) if _key(e) in mine else (e, not value)
                      for e in other["inputs"]]
        else:
            raise ValueError(f"the inputs depend on config field {field} in a way not expressed")
        for entry, equals in merged:
            if equals is not None:
                if "when" in entry:
                    raise ValueError(f"input {entry['name']} depends on two config fields")
                entry["when"] = {"field": field, "equals": equals, "default": value}
        base["inputs"] = [e for e, _ in merged]


def _default_tasks(TasksManager, model_type, config_class, tasks):
    import transformers

    from .compile_type import architectures_of

    out = {}
    for arch in architectures_of(model_type, config_class)[0]:
        try:
            task = TasksManager._infer_task_from_model_or_model_class(model_class=getattr(transformers, arch))
        except ValueError:
            continue
        if task in tasks:
            out[arch] = task
    return out


def type_facts(TasksManager, model_type):
    """The facts of one model type, or None when optimum has no ONNX config for it."""
    from optimum.exporters.onnx.base import OnnxConfigWithPast
    from optimum.utils.input_generators import DEFAULT_DUMMY_SHAPES
    from transformers import CONFIG_MAPPING

    try:
        ctors = TasksManager.get_supported_tasks_for_model_type(model_type, exporter="onnx",
                                                                 library_name="transformers")
    except KeyError:
        return None
    onnx_class = next(iter(ctors.values())).func
    config_class = CONFIG_MAPPING[model_type]
    config = config_class()
    flags = sorted(k for k, v in config.to_dict().items() if isinstance(v, bool) and k != "is_encoder_decoder")
    shapes = dict(DEFAULT_DUMMY_SHAPES)
    tasks = []
    for task, ctor in ctors.items():
        with_past = task.endswith("-with-past")

        def monolith(c, ctor=ctor, task=task, with_past=with_past):
            cfg = ctor(c)
            if with_past and task.startswith("text-generation"):  # the one decoder, fed its cache
                cfg = cfg.__class__(c, task=cfg.task, use_past=True, use_past_in_inputs=True)
            return _submodel(cfg, shapes)

        def decoder(c, ctor=ctor):
            return _submodel(ctor(c).with_behavior("decoder", use_past=True, use_past_in_inputs=True), shapes)

        entry = {"task": task, **monolith(config)}
        _mark_conditions(monolith, config, flags, entry)
        if with_past and task.startswith(TasksManager._ENCODER_DECODER_TASKS) and hasattr(onnx_class,
                                                                                             "with_behavior"):
            entry["decoder"] = decoder(config)
            _mark_conditions(decoder, config, flags, entry["decoder"])
            entry["decoder"]["when"] = {"field": "is_encoder_decoder", "equals": True,
                                        "default": bool(config.is_encoder_decoder)}
        tasks.append(entry)
    return {
        "onnx_config": onnx_class.__name__,
        "tasks": tasks,
        "aliases": _aliases(onnx_class.NORMALIZED_CONFIG_CLASS),
        "attribute_map": dict(getattr(config_class, "attribute_map", None) or {}),
        "pad_attention_mask_to_past": issubclass(onnx_class, OnnxConfigWithPast)
                                      and bool(onnx_class.PAD_ATTENTION_MASK_TO_PAST),
        "default_tasks": _default_tasks(TasksManager, model_type, config_class, [t["task"] for t in tasks]),
    }


def compile_facts(model_types):
    """The text of optimum_inputs.json for these model types (the catalog compiler's selection)."""
    import importlib.metadata
    import warnings

    TasksManager = _tasks_manager()
    types, unsupported = {}, []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for model_type in sorted(model_types):
            facts = type_facts(TasksManager, model_type)
            if facts is None:
                unsupported.append(model_type)
            else:
                types[model_type] = facts
    doc = {"compiled": {"by": "tools/catalog/compile", "optimum_version": importlib.metadata.version("optimum"),
                        "optimum_onnx_version": importlib.metadata.version("optimum-onnx")},
           "model_types": types, "unsupported": unsupported}
    return json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
