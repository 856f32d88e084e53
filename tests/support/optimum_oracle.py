"""optimum's dummy inputs for a config and task, as its ONNX export builds them (the oracle of `tinyforge inputs`).

optimum 2.3.0 keeps the generators and TasksManager; the per-model ONNX configs that choose generators and
inputs live in optimum-onnx 0.1.0, whose export-time model patcher imports private names transformers 5.x no
longer has. The dummy-input path never touches the patcher, so inert stand-ins for its two modules let the
configs import unchanged.
"""
import sys
import types


def _inert_module(name):
    module = types.ModuleType(name)

    def __getattr__(attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return type(attr, (), {"__init__": lambda self, *a, **k: None})

    module.__getattr__ = __getattr__
    sys.modules[name] = module


_inert_module("optimum.exporters.onnx.model_patcher")
_inert_module("optimum.exporters.onnx._traceable_decorator")

import optimum.exporters.onnx.model_configs  # noqa: E402,F401  (registers the ONNX configs)
from optimum.exporters.tasks import TasksManager  # noqa: E402

DEFAULT_SHAPES = __import__("optimum.utils.input_generators", fromlist=["DEFAULT_DUMMY_SHAPES"]).DEFAULT_DUMMY_SHAPES


def supported_tasks(model_type):
    return list(TasksManager.get_supported_tasks_for_model_type(model_type, exporter="onnx",
                                                                library_name="transformers"))


def export_config(config, task, int_dtype="int64", float_dtype="fp32"):
    """The ONNX config whose dummy inputs the export feeds; for -with-past, the submodel that takes the cache
    (optimum.exporters.utils: the seq2seq decoder_with_past, or the single decoder-only text-generation model)."""
    ctor = TasksManager.get_exporter_config_constructor(exporter="onnx", model_type=config.model_type, task=task,
                                                        library_name="transformers")
    cfg = ctor(config, int_dtype=int_dtype, float_dtype=float_dtype)
    if getattr(cfg, "use_past", False):
        if task.startswith(TasksManager._ENCODER_DECODER_TASKS) and getattr(config, "is_encoder_decoder", False):
            cfg = cfg.with_behavior("decoder", use_past=True, use_past_in_inputs=True)
        elif task.startswith("text-generation"):
            cfg = cfg.__class__(config, task=cfg.task, int_dtype=int_dtype, float_dtype=float_dtype, use_past=True,
                                use_past_in_inputs=True)
    return cfg


def flatten(inputs):
    """optimum's nested dummy inputs → flat names (past_key_values.{i}.key / .decoder.key ...)."""
    out = {}
    for name, value in inputs.items():
        if name == "past_key_values":
            for i, layer in enumerate(value):
                parts = ("decoder.key", "decoder.value", "encoder.key", "encoder.value") if len(layer) == 4 \
                    else ("key", "value")
                for part, tensor in zip(parts, layer):
                    out[f"past_key_values.{i}.{part}"] = tensor
        elif isinstance(value, tuple):
            out[name] = value[0]
        else:
            out[name] = value
    return out


def dummy_inputs(config, task, shapes=None, int_dtype="int64", float_dtype="fp32"):
    cfg = export_config(config, task, int_dtype, float_dtype)
    return cfg, flatten(cfg.generate_dummy_inputs(framework="pt", **(shapes or {})))
