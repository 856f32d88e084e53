"""One model type's catalog file, compiled from the pinned transformers."""
import ast
import copy
import functools
import dataclasses
import itertools
import json
import re
import warnings

import transformers
from transformers import CONFIG_MAPPING
from transformers.models.auto import modeling_auto

from .config_facts import apply_rules, evaluate, get_field, read_rules
from .layout import (_LOOP_VARS, Capture, LayoutError, _concrete, _generalise_init, build_entries, expand,
                     init_values, loop_prefix, template_of, tensor_template)
from .shrink import shrink
from .sym import SymFloat, SymInt, make, plain

# Tester attributes that never reach a config (CausalLMModelTester passes only the config's own fields).
CAUSAL_LM_TESTER = {
    "vocab_size": 99, "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "num_key_value_heads": 2,
    "intermediate_size": 37, "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
    "max_position_embeddings": 512, "type_vocab_size": 16, "type_sequence_label_size": 2, "initializer_range": 0.02,
    "num_labels": 3, "num_choices": 4, "pad_token_id": 0, "bos_token_id": 1, "eos_token_id": 2, "is_decoder": False,
    "scope": None, "expert_interval": 1, "moe_intermediate_size": 12, "shared_expert_intermediate_size": 36,
    "shared_expert_gate": True, "num_experts_per_tok": 2, "num_experts": 8, "mamba_n_groups": 1, "mamba_n_heads": 16,
    "mamba_d_state": 16, "mamba_d_conv": 4, "mamba_expand": 2, "mamba_chunk_size": 16,
}
# Fields no probe changes: token ids, labels and flags of the output, not of the layout.
# A classifier's labels size its head, never a loop (an inner loop of 2 is not num_labels).
_LABEL_FIELDS = {"id2label", "label2id"}
_NOT_PROBED = {"pad_token_id", "bos_token_id", "eos_token_id", "decoder_start_token_id", "sep_token_id",
               "cls_token_id", "use_cache", "output_attentions", "output_hidden_states", "return_dict",
               "is_decoder", "is_encoder_decoder", "tie_encoder_decoder", "chunk_size_feed_forward",
               "add_cross_attention", "use_return_dict", "output_router_logits", "torchscript"}


def architectures_of(model_type, config_class):
    names = set()
    for attr in dir(modeling_auto):
        if attr.startswith("MODEL_") and attr.endswith("_MAPPING_NAMES"):
            v = getattr(modeling_auto, attr).get(model_type)
            if v is None:
                continue
            for n in (v if isinstance(v, (list, tuple)) else [v]):
                names.add(n)
    out, skipped = [], {}
    for n in sorted(names):
        cls = getattr(transformers, n, None)
        if cls is None:
            skipped[n] = "not exported by transformers"
        elif getattr(cls, "config_class", None) is not config_class:
            skipped[n] = f"its config class is {getattr(cls.config_class, '__name__', None)}, not {config_class.__name__}"
        else:
            out.append(n)
    return out, skipped


def _json(v):
    return json.loads(json.dumps(v, default=str))


def _field_defaults(config_class):
    out = {}
    for f in dataclasses.fields(config_class):
        if f.default is not dataclasses.MISSING:
            out[f.name] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            out[f.name] = f.default_factory()
    return out


_EXPERT_COUNTS = ("n_routed_experts", "num_experts", "num_local_experts")
EXPERT_GROUPS_WHY = ("grouped routing ranks each group by its two best experts: the tester's expert count is under "
                     "twice the default n_group, which transformers' forward refuses")


def fit_expert_groups(values, defaults):
    """{field: (tester value, tiny value)}: DeepSeek-V3's grouped routing needs two experts per group, so a
    tiny expert count under twice the default n_group (DeepSeek-V3.2's tester keeps 8 groups for 8 experts)
    gets the DeepSeek-V3 tester's n_group 2, topk_group 1."""
    if "n_group" not in defaults or "topk_group" not in defaults or "n_group" in values:
        return {}
    experts = next((values.get(k, defaults.get(k)) for k in _EXPERT_COUNTS if k in defaults), None)
    if not (isinstance(experts, int) and isinstance(defaults["n_group"], int) and experts < 2 * defaults["n_group"]):
        return {}
    return {"n_group": (defaults["n_group"], 2), "topk_group": (values.get("topk_group", defaults["topk_group"]), 1)}


def tiny_values(model_type, config_class, testers):
    fields = set(_field_defaults(config_class))
    t = testers.get(model_type)
    if t and t.get("verbatim"):
        return dict(t["values"]), t["tester"]
    if t and not t.get("missing"):
        values = {}
        if t.get("base") == "CausalLMModelTester":
            values.update(CAUSAL_LM_TESTER)
            values["head_dim"] = values["hidden_size"] // values["num_attention_heads"]
        values.update(t.get("values", {}))
        if t.get("base") == "CausalLMModelTester":
            values = {k: v for k, v in values.items() if k in fields or k == "pad_token_id"}
        # A tester may use an alias of the config's attribute_map (Qwen3-MoE's num_experts for
        # num_local_experts); config.json must carry the real field, or the default beside it wins on load.
        aliases = getattr(config_class, "attribute_map", {}) or {}
        values = {aliases.get(k, k): v for k, v in values.items() if not (k in aliases and aliases[k] in values)}
        # num_labels is no config field: the config stores it as id2label/label2id, which config.json carries.
        if "num_labels" in values and "num_labels" not in fields:
            n = values.pop("num_labels")
            values["id2label"] = {str(i): f"LABEL_{i}" for i in range(n)}
            values["label2id"] = {f"LABEL_{i}": i for i in range(n)}
        source = f"{t['tester']} ({t['file']} @ {t.get('commit')})"
        return values, source
    return None, None  # no tester: the shrink rule (shrink.py)


def _symbolic(values, prefix=""):
    out = {}
    for k, v in values.items():
        name = prefix + k
        if isinstance(v, bool) or v is None:
            out[k] = v
        elif isinstance(v, (int, float)):
            out[k] = make(v, name)
        elif isinstance(v, list) and v and all(isinstance(x, int) and not isinstance(x, bool) for x in v):
            out[k] = [make(x, f"{name}[{i}]") for i, x in enumerate(v)]
        else:
            out[k] = copy.deepcopy(v)
    return out


def _sub_config_classes(config_class):
    """{field: config class} of the sub-configs whose class is fixed (DBRX's attn_config), not chosen by a
    model_type (AutoConfig)."""
    return {k: c for k, c in (getattr(config_class, "sub_configs", None) or {}).items()
            if isinstance(c, type) and issubclass(c, transformers.PreTrainedConfig)}


def lay_over(base, values):
    """`values` over `base`, sub-configs (a default holding a model_type) merged field by field, as the forge
    does (config.cpp's lay_over)."""
    out = dict(base)
    for k, v in values.items():
        b = base.get(k)
        out[k] = {**b, **v} if isinstance(v, dict) and isinstance(b, dict) and "model_type" in b else v
    return out


def _int_fields(env):
    """{name: int} of the config numbers, a sub-config's as `sub.field`."""
    out = {}
    for k, v in env.items():
        if isinstance(v, int) and not isinstance(v, bool):
            out[k] = v
        elif isinstance(v, dict) and "model_type" in v:
            out.update({f"{k}.{f}": x for f, x in v.items() if isinstance(x, int) and not isinstance(x, bool)})
    return out


class TypeCompiler:
    def __init__(self, model_type, testers, tokenizer_spec):
        self.model_type = model_type
        self.config_class = CONFIG_MAPPING[model_type]
        self.testers = testers
        self.tokenizer_spec = tokenizer_spec
        self.rules = read_rules(self.config_class)
        self.field_defaults = _field_defaults(self.config_class)
        self.given_wins = self.fields_a_given_value_overrides()
        self.rules.derive = [(f, f"({e}) if {f} is None else {f}" if f in self.given_wins else e)
                             for f, e in self.rules.derive]
        self.derived = [f for f, _ in self.rules.derive]
        self.config_set = {}  # of the architecture being compiled (layout() sets it)
        self.stored_names = set((getattr(self.config_class, "attribute_map", None) or {}).values())

    def fields_a_given_value_overrides(self):
        """Numbers __post_init__ computes into attributes that are no dataclass fields, computed once:
        PreTrainedConfig.__post_init__(**kwargs) then sets the given keywords, so a value given wins (Mamba's
        intermediate_size = expand * hidden_size unless intermediate_size is passed). Their rule becomes
        `(rule) if F is None else F` over a default of None."""
        derived = [f for f, _ in self.rules.derive]
        out = set()
        for f in sorted(set(derived) - set(self.field_defaults)):
            if derived.count(f) != 1 or "." in f:  # a sub-config's field is set by its parent, not passed
                continue
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    computed = getattr(self.config_class(), f, None)
                    given = getattr(self.config_class(**{f: 12345}), f, None)
            except Exception:  # noqa: BLE001 - a config that refuses the value: the rule stands
                continue
            if isinstance(computed, int) and not isinstance(computed, bool) and given == 12345:
                out.add(f)
        return out

    # -- configs ---------------------------------------------------------------------------------------
    def make_config(self, values, symbolic=True):
        kwargs = dict(values)
        if symbolic:
            # Every number of the config, given or default, becomes a Sym named after its field.
            numeric = {k: v for k, v in self.field_defaults.items()
                       if isinstance(v, (int, float)) and not isinstance(v, bool) and k not in kwargs}
            kwargs = _symbolic({**numeric, **kwargs})
            # A sub-config given as a dict (DBRX's attn_config): its numbers, given or default, are Syms named
            # `attn_config.kv_n_heads`.
            for key, sub_class in _sub_config_classes(self.config_class).items():
                if isinstance(values.get(key), dict):
                    sub_numeric = {k: v for k, v in _field_defaults(sub_class).items()
                                   if isinstance(v, (int, float)) and not isinstance(v, bool)}
                    kwargs[key] = _symbolic({**sub_numeric, **values[key]}, key + ".")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cfg = self.config_class(**kwargs)
        if symbolic:
            # A derived field is named by itself in the layout, so `--set head_dim=8` reaches the shapes.
            for f in set(self.derived) | set(self.rules.properties):
                if f in self.rules.properties:
                    continue
                sub, _, name = f.rpartition(".")  # a sub-config's field its parent derives: `sub.name`
                owner = getattr(cfg, sub, None) if sub else cfg
                v = getattr(owner, name, None)
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    object.__setattr__(owner, name, make(plain(v), f))
        return cfg

    def values_after_init(self, cfg):
        d = cfg.to_dict()
        return _json(d)

    @functools.cache
    def defaults(self):
        # Cached: every probe's environment starts from it. Callers copy before changing it.
        d = _json(self.config_class().to_dict())
        d.pop("transformers_version", None)
        for f in self.derived:
            if f in self.field_defaults:
                d[f] = _json(self.field_defaults[f])
            elif f in self.given_wins:
                d[f] = None
        return d

    # -- derive rules verified --------------------------------------------------------------------------
    def verify_rules(self, probes):
        """Fields whose rule does not reproduce __post_init__ on a probe -> reason."""
        bad = {}
        base = self.defaults()
        for values in probes:
            try:
                real = self.values_after_init(self.make_config(values, symbolic=False))
            except Exception:  # noqa: BLE001 - a probe the config refuses proves nothing
                continue
            inp = {**base, **_json(values)}
            try:
                ours = apply_rules(inp, self.rules.derive)
            except Exception as e:  # noqa: BLE001
                for f in self.derived:
                    bad.setdefault(f, f"its __post_init__ rule does not evaluate ({e})")
                continue
            for f in set(self.derived):
                theirs, mine = get_field(real, f), _json(get_field(ours, f))
                if (f in real or "." in f) and mine != theirs:
                    bad.setdefault(f, f"its __post_init__ rule gives {mine!r}, transformers {theirs!r}")
            for f, reason in self.rules.unreadable.items():
                if isinstance(real.get(f), dict) and "model_type" in real[f]:
                    continue  # a sub-config: PreTrainedConfig builds it (the defaults carry it)
                if f in real and f in inp and inp[f] != real[f]:
                    bad.setdefault(f, reason)
                elif "." in f and get_field(inp, f) != get_field(real, f):  # a sub-config field it writes
                    bad.setdefault(f, reason)
        return bad

    # -- tensors --------------------------------------------------------------------------------------
    def capture(self, arch, values):
        return Capture(getattr(transformers, arch), self.make_config(values))

    def layout(self, arch, tiny, env):
        """Catalog tensor entries of `arch`, found at the tiny config and confirmed on probes."""
        self.config_set = {}
        base = self.capture(arch, tiny)
        self._arch, self._probes, self.flip_probes = arch, {}, []
        # What the model's __init__ changes on the config it is given (BartForQuestionAnswering sets two labels)
        # is saved with it: the forge sets the same values, so every expression of this architecture sees them.
        before = _json(self.make_config(tiny).to_dict())
        self.config_set = {k: v for k, v in base.config_after.items()
                           if k != "transformers_version" and before.get(k) != v}
        env = {**env, **self.config_set}
        self.condition_on_unset_sizes(arch, tiny, env, base)
        self.name_literal_dims(tiny, env, base)
        self.separate_equal_sizes(arch, tiny, base)
        templates = base.templates()
        # 1. loop ranges: a config number equal to the count at the tiny config, confirmed by a probe that
        # changes it.
        def ranges_of(templates, at, env):
            """{loop key: count expression} of `templates`, seen at config `at` (the tiny one, or the probe
            a template appeared in) whose environment is `env`."""
            range_exprs = {}
            counts = {}
            # A loop counts the indices of all its templates together (RWKV's pre_ln is in block 0 only, Zamba2's
            # hybrid layers are 1 and 2 of 3); templates missing some of them get conditions below.
            union = {}
            for tpl, per in templates.items():
                for pos in range(tpl.count("{}")):
                    key = loop_prefix(tpl, pos)
                    seen = {idx[pos] for idx in per}
                    prev = union.get(key, (None, None, set()))
                    widest = tpl if prev[0] is None or len(seen) > len({i[pos] for i in templates[prev[0]]}) else prev[0]
                    union[key] = (widest, pos, prev[2] | seen)
            for key, (tpl, pos, seen) in union.items():
                if sorted(seen) == list(range(len(seen))):
                    counts[key] = (tpl, pos, len(seen))
            candidates = {k: v for k, v in _int_fields(env).items() if k.rpartition(".")[2] not in _NOT_PROBED}

            for key, (tpl, pos, count) in counts.items():
                observed = []  # (probe config, this loop's count there) of the probes below
                for field in sorted(candidates, key=lambda f: (f != "num_hidden_layers", f)):
                    if candidates[field] != count or field in self.rules.properties:
                        continue
                    # A field stored under its attribute_map name (Kimi-Linear's num_experts) is set by it too.
                    top, _, sub = field.partition(".")
                    settable = isinstance(at.get(top), dict) if sub else (
                        field in at or field in self.field_defaults or field in self.stored_names)
                    if not settable:
                        continue
                    # count + 1, or twice the count where the config refuses that (heads must divide the width).
                    for probe_n in (count + 1, 2 * count):
                        t2 = self.probe_capture(with_depth(at, field, probe_n))
                        if t2 is not None and tpl in t2:
                            if len({idx[pos] for idx in t2[tpl]}) == probe_n:
                                range_exprs[key] = field
                                break
                            # the loop's count there, over the templates counted here
                            seen_n = len({idx[pos] for t, p in t2.items() if t in templates
                                          and t.count("{}") > pos and loop_prefix(t, pos) == key for idx in p})
                            observed.append((with_depth(at, field, probe_n), seen_n))
                    if key in range_exprs:
                        break
                if key in range_exprs:
                    continue
                # A derived count (len(conv_dim), a property) or a fixed one (T5's 2 sub-layers per block): the
                # first candidate with the count at the tiny config and at the probes above (Zamba2's adapters
                # number len(hybrid_layer_ids), not num_query_groups, which follows the head count);
                # verify_layout confirms it on its own probes.
                def holds(expr):
                    for values, n in observed:
                        try:
                            if evaluate(expr, self.env_for(values), self.rules.properties) != n:
                                return False
                        except Exception:  # noqa: BLE001 - not defined at that probe: no evidence
                            continue
                    return True

                derived = [f for f in self.derived if env.get(f) == count and not isinstance(env.get(f), bool)]
                lists = [f"len({f})" for f, v in sorted(env.items())
                         if isinstance(v, list) and len(v) == count and f not in _LABEL_FIELDS]
                # A sum a shape names (LongCat-Flash's routed plus zero-compute experts, the router's width).
                sums = sorted({e for info in base.tensors.values() for e in info["shape_exprs"]
                               if not e.isidentifier() and _names_or_none(e) and _concrete(e, env) == count
                               and not set(_names_or_none(e)) & _LABEL_FIELDS},
                              key=lambda e: (len(e), e))
                range_exprs[key] = next(e for e in derived + lists + sums + [str(count)] if holds(e))
            return range_exprs

        def probe(field, value):
            return self.probe_capture({**tiny, field: value})

        range_exprs = ranges_of(templates, tiny, env)
        candidates = {k: v for k, v in env.items()
                      if isinstance(v, int) and not isinstance(v, bool) and k not in _NOT_PROBED}
        # 2. conditions: flags flipped.
        conditions = {}
        extra = {}
        seen_at = {}  # the probe config an extra template was found at
        base_set = set(templates)
        flags = {k: v for k, v in env.items() if isinstance(v, bool) and k not in _NOT_PROBED}
        for field, value in sorted(flags.items()):
            t2 = probe(field, not value)
            if t2 is None:
                continue
            s2 = set(t2)
            for tpl in base_set - s2:
                conditions[tpl] = _and(conditions.get(tpl), field if value else f"not {field}")
            for tpl in s2 - base_set:
                conditions[tpl] = _and(conditions.get(tpl), f"not {field}" if value else field)
                extra[tpl] = t2[tpl]
                seen_at[tpl] = {**tiny, field: not value}
        # 2b. conditions on sizes: a module built only where two sizes differ (OPT's project_in/out when
        # word_embed_proj_dim != hidden_size) is absent at a tiny config that makes them equal. Only sizes the
        # shapes name are tried: one probe doubles a size, a second doubles its equal peer as well.
        named = {n for info in base.tensors.values() for e in info["shape_exprs"] for n in _names_or_none(e)}
        sizes = {f: v for f, v in candidates.items()
                 if f in named and f not in self.rules.properties and (f in tiny or f in self.field_defaults)}
        for field in sorted(sizes):
            peers = [g for g in sorted(sizes) if g != field and sizes[g] == sizes[field]]
            t2 = probe(field, 2 * sizes[field]) if peers else None
            if t2 is None:
                continue
            for tpl in sorted(set(t2) - base_set - set(extra)):
                for g in peers:
                    both = self.probe_capture({**tiny, field: 2 * sizes[field], g: 2 * sizes[g]})
                    if both is not None and tpl not in both:
                        conditions[tpl] = _and(conditions.get(tpl), f"{field} != {g}")
                        extra[tpl] = t2[tpl]
                        seen_at[tpl] = {**tiny, field: 2 * sizes[field]}
                        break
        # 2c. conditions on derived values: a module built only where a value __post_init__ derives is set (BLT's
        # token_embedding_projection where global_config.encoder_cross_output_size, None unless two widths differ)
        # is absent at a tiny config whose rule gives None; the scaled probe sets it.
        at = scaled_probe(tiny)
        t2 = self.probe_capture(at)
        unset = [f for f in self.derived if get_field(env, f) is None]
        if t2 is not None and unset:
            env2 = self.env_for(at)
            for tpl in sorted(set(t2) - base_set - set(extra)):
                shapes = " ".join(e for info in t2[tpl].values() for e in info["shape_exprs"])
                named_first = sorted(unset, key=lambda f: not re.search(rf"(?<![\w.]){re.escape(f)}(?!\w)", shapes))
                for f in named_first:  # a field its shapes name first
                    if get_field(env2, f) is not None:
                        conditions[tpl] = _and(conditions.get(tpl), f"{f} is not None")
                        extra[tpl] = t2[tpl]
                        seen_at[tpl] = at
                        break
        # Loops of templates only seen in a probe (StableLM's per-head norms exist with qk_layernorm): counted
        # at that probe's config.
        for tpl, at in seen_at.items():
            for key, expr in ranges_of({tpl: extra[tpl]}, at, self.env_for(at)).items():
                range_exprs.setdefault(key, expr)
        # 3. per-layer conditions for templates present in only some layers.
        layer_field = next((f for k, f in range_exprs.items() if k.count("{}") == 1), None)
        for tpl, per in templates.items():
            if tpl.count("{}") == 0:
                continue
            seen = sorted({idx[0] for idx in per})
            key = loop_prefix(tpl, 0)
            if key in range_exprs and sorted({idx[0] for idx in per}) == list(
                    range(evaluate(range_exprs[key], env, self.rules.properties))):
                continue
            # The count of this template's own loop where one was found (Zamba2's layers, not its shared
            # blocks), else the first layer loop's.
            own_field = range_exprs.get(key, layer_field)
            if own_field is None:
                continue
            n = evaluate(own_field, env, self.rules.properties)
            cond = self.layer_condition(seen, n, env, own_field, tpl)
            if cond is None:
                raise LayoutError(f"{tpl}: present in layers {seen} of {n}; no rule found")
            range_exprs.setdefault(key, own_field)
            conditions[tpl] = _and(conditions.get(tpl), cond)
        # 3b. an inner index that follows the layer's kind (Zamba2's adapters: hybrid block b keeps adapter j
        # where j % num_mem_blocks == b), seen at the probes where the blocks are several.
        by_kind = set()
        for tpl in templates:
            if tpl.count("{}") == 2 and loop_prefix(tpl, 1) in range_exprs:
                cond = self.inner_condition(tpl, tiny, range_exprs)
                if cond:
                    conditions[tpl] = _and(conditions.get(tpl), cond)
                    by_kind.add(tpl)
        # 3c. an inner index that stops short of its loop's count (LongCat-Flash's down_proj exists for the routed
        # experts only, its gate/up for the zero-compute ones too): `j < F` for the field F of that count whose
        # probe moves the template's count with it. Else a rule on the positions: T5's block is a fixed-count
        # loop whose layer.0 is the self-attention and layer.1 the cross-attention or the feed-forward;
        # ResNet's first layer of each stage, where the width changes, has its own shape and a shortcut.
        # Templates seen only at a probe (T5's gated wi_0 / wi_1) are ruled among that probe's templates.
        placed = [(tpl, per, templates) for tpl, per in templates.items()]
        placed += [(tpl, extra[tpl], self.probe_capture(seen_at[tpl])) for tpl in seen_at]
        for tpl, per, among in placed:
            for pos in range(1, tpl.count("{}")):
                key = loop_prefix(tpl, pos)
                if key not in range_exprs or tpl in by_kind:
                    continue
                # the positions under the outer indices this template has (step 3 ruled on those)
                outer = {idx[:pos] for idx in per}
                nest = {idx[:pos + 1] for t, p in among.items()
                        if t.count("{}") > pos and loop_prefix(t, pos) == key for idx in p if idx[:pos] in outer}
                if {idx[:pos + 1] for idx in per} == nest:
                    continue
                var = _LOOP_VARS[pos]
                seen = sorted({idx[pos] for idx in per})
                if among is templates and seen == list(range(len(seen))) and not range_exprs[key].isdigit():
                    for field in sorted(f for f, v in _int_fields(env).items()
                                        if v == len(seen) and (f in tiny or f in self.field_defaults)):
                        t2 = self.probe_capture(with_depth(tiny, field, len(seen) + 1))
                        if t2 is not None and tpl in t2 and len({idx[pos] for idx in t2[tpl]}) == len(seen) + 1:
                            conditions[tpl] = _and(conditions.get(tpl), f"{var} < {field}")
                            break
                    else:
                        conditions[tpl] = _and(conditions.get(tpl), position_condition(per, pos, nest, tpl))
                else:
                    conditions[tpl] = _and(conditions.get(tpl), position_condition(per, pos, nest, tpl))
        entries = build_entries(base, env, range_exprs, conditions, extra)
        self.branch_inits(entries, base, tiny)
        return entries

    def branch_inits(self, entries, base, tiny):
        """An initialiser whose parameters follow from an order comparison of sizes (RWKV's orthogonal gain,
        sqrt(rows / cols) where a weight has more rows than columns, else 1) gets each parameter that differs at
        a probe where the comparison comes out the other way as `(here) if (comparison) else (there)`; the
        probe joins the verification. A comparison no probe of its fields' values flips, or whose other branch is
        another kind of initialiser, stays as it is."""
        self.flip_probes = []
        by_name = {}
        for e in entries:
            by_name.setdefault(e["name"], []).append(e)
        for tpl, per in base.templates().items():
            idx = sorted(per)[0]
            comparisons = per[idx].get("comparisons") or []
            loop_vars = _LOOP_VARS[:tpl.count("{}")]
            name = tensor_template(tpl)
            for var in loop_vars:
                name = name.replace("{}", "{" + var + "}", 1)
            if not comparisons or len(by_name.get(name, [])) != 1:
                continue
            entry = by_name[name][0]
            for cond in comparisons:
                flipped = self.flip_probe(cond, tiny)
                if flipped is None:
                    continue
                values, t2 = flipped
                theirs = t2.get(tpl, {}).get(idx)
                if theirs is None or theirs["init"] is None or theirs["init"]["kind"] != entry["init"]["kind"]:
                    continue  # another kind of initialiser there (HY-V4's hc_base at hc_mult 1): not expressed
                there = _generalise_init(theirs["init"], idx, loop_vars)
                before = dict(entry["init"])
                changed = False
                for k, v in list(entry["init"].items()):
                    if isinstance(v, str) and k not in ("kind", "name") and there.get(k) != v:
                        entry["init"][k] = f"({v}) if ({cond}) else ({there[k]})"
                        changed = True
                if not changed:
                    continue
                try:  # the layout must hold there too (HY-V4: log(hc_mult - 1) has no value at hc_mult 1)
                    expand(entries, self.env_for(values), self.rules.properties)
                except Exception:  # noqa: BLE001 - not expressed: the tiny side of the comparison only
                    entry["init"] = before
                    continue
                if values not in self.flip_probes:
                    self.flip_probes.append(values)

    def flip_probe(self, cond, tiny):
        """(values, templates) of a probe where `cond` (true at the tiny config) is false: one of its fields
        halved or doubled, or quartered or quadrupled; None if no such config builds."""
        env = self.env_for(tiny)
        for field in sorted(_names_or_none(cond)):
            # its value as the model sees it (a derived default: RWKV's attention_hidden_size)
            v = env.get(field) if field in tiny or field in self.field_defaults else None
            if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
                continue
            for n in (v // 2, 2 * v, v // 4, 4 * v):
                values = {**tiny, field: n}
                try:
                    if n <= 0 or evaluate(cond, self.env_for(values), self.rules.properties):
                        continue
                except Exception:  # noqa: BLE001 - a comparison the probe's config cannot evaluate
                    continue
                t2 = self.probe_capture(values)
                if t2 is not None:
                    return values, t2
        return None

    def name_literal_dims(self, tiny, env, base):
        """A dim no shape factory saw (a table built from aranges by broadcasting: MiniMax's decays over the heads
        and the block size) is a literal in the capture: it is named by the config size that, doubled in a probe,
        doubles it (the sizes of its value tried in name order)."""
        sizes = {f: v for f, v in env.items() if isinstance(v, int) and not isinstance(v, bool) and v > 1
                 and f not in _NOT_PROBED and f not in self.rules.properties and (f in tiny or f in self.field_defaults)}
        for name, info in base.tensors.items():
            tpl, idx = template_of(name)
            for e in dict.fromkeys(info["shape_exprs"]):
                if not e.isdigit() or int(e) < 2:
                    continue
                # Every dim of that literal doubles with the field (MiniMax's block_size x block_size decays).
                same = [k for k, d in enumerate(info["shape_exprs"]) if d == e]
                for field in sorted(f for f, v in sizes.items() if v == int(e)):
                    t2 = self.probe_capture({**tiny, field: 2 * sizes[field]})
                    other = (t2 or {}).get(tpl, {}).get(idx)
                    if other is not None and len(other["shape"]) == len(info["shape"]) and all(
                            b == (2 * a if k in same else a) for k, (a, b) in enumerate(zip(info["shape"], other["shape"]))):
                        for k in same:
                            info["shape_exprs"][k] = field
                        break

    def inner_condition(self, tpl, tiny, range_exprs):
        """A condition on (i, j) where a layer i that has `tpl` lacks some of its j at the tiny config or at a
        probe: `j % F == R` with R the layer index or its rank among the layers of a kind; None where every
        present layer has every j, or no candidate fits. verify_layout checks what is chosen."""
        observed = []  # (env, {i: set of j seen}, count of j per i)
        for values in (tiny, scaled_probe(tiny), bumped_layers(tiny)):
            t2 = self.probe_capture(values)
            if t2 is None or tpl not in t2:
                continue
            env2 = self.env_for(values)
            per = {}
            for i, j in t2[tpl]:
                per.setdefault(i, set()).add(j)
            observed.append((env2, per))
        count = range_exprs[loop_prefix(tpl, 1)]

        def predicted(cond, env2, i):
            n = evaluate(count, {**env2, "i": i}, self.rules.properties)
            return {j for j in range(n) if evaluate(cond, {**env2, "i": i, "j": j}, self.rules.properties)}

        if all(per[i] == predicted("True", env2, i) for env2, per in observed for i in per):
            return None
        env = observed[0][0]
        ranks = ["i"] + [f"len([earlier for earlier in range(i) if {name}[earlier] == {x!r}])"
                         for name, v in sorted(env.items()) if isinstance(v, list)
                         for x in sorted({y for y in v if isinstance(y, str)})]
        fields = [f for f, v in sorted(env.items()) if isinstance(v, int) and not isinstance(v, bool) and f not in _NOT_PROBED]
        for rank in ranks:
            for f in fields:
                cond = f"j % {f} == {rank} % {f}"
                try:
                    if all(per[i] == predicted(cond, env2, i) for env2, per in observed for i in per):
                        return cond
                except Exception:  # noqa: BLE001 - a candidate that does not evaluate does not fit
                    continue
        return None

    def condition_on_unset_sizes(self, arch, tiny, env, base):
        """A size field left None picks a fallback in the model (GPT-J's `n_inner or 4 * n_embd`): the tiny
        capture only sees the fallback. Set to a number, the field names itself in the shapes; each dim that
        differs becomes `(set) if F is not None else (fallback)`."""
        for f in dataclasses.fields(self.config_class):
            if env.get(f.name, 0) is not None or "int" not in str(f.type) or f.name in _NOT_PROBED:
                continue
            try:
                other = self.capture(arch, {**tiny, f.name: 24})
            except Exception:  # noqa: BLE001 - the config refuses a number there
                continue
            if set(other.tensors) != set(base.tensors):
                continue
            for name, info in base.tensors.items():
                mine, theirs = info["shape_exprs"], other.tensors[name]["shape_exprs"]
                if len(mine) == len(theirs) and mine != theirs and f.name in "".join(theirs):
                    info["shape_exprs"] = [a if a == b else f"({b}) if {f.name} is not None else ({a})"
                                           for a, b in zip(mine, theirs)]

    def separate_equal_sizes(self, arch, tiny, base):
        """Sizes equal at the tiny config (DeepSeek-V4's tester has moe_intermediate_size == hidden_size) leave
        a dim that is matched by its size, not traced (a fused expert weight split per expert on save), open
        to either. Each such size is moved apart from its equals in a probe; a dim whose expression there
        gives the tiny value at the tiny config, where the tiny expression misses the probe's, takes it."""
        sizes = {f: v for f, v in tiny.items()
                 if isinstance(v, int) and not isinstance(v, bool) and v > 0 and f not in _NOT_PROBED}
        env = self.env_for(tiny)
        for field in sorted(sizes):
            if not any(g != field and sizes[g] == sizes[field] for g in sizes):
                continue
            values = {**tiny, field: 2 * sizes[field]}
            try:
                other = self.capture(arch, values)
            except Exception:  # noqa: BLE001 - a probe the config refuses tells nothing
                continue
            env2 = self.env_for(values)
            for name, info in base.tensors.items():
                theirs = other.tensors.get(name)
                if theirs is None or len(theirs["shape"]) != len(info["shape"]):
                    continue
                for k, (mine, alt) in enumerate(zip(info["shape_exprs"], theirs["shape_exprs"])):
                    if mine != alt and _fits(alt, env, info["shape"][k], self.rules.properties) \
                            and not _fits(mine, env2, theirs["shape"][k], self.rules.properties):
                        info["shape_exprs"][k] = alt

    def probe_capture(self, values):
        """Templates of the architecture being laid out at `values` (None where the config refuses them)."""
        key = json.dumps(_json(values), sort_keys=True)
        if key not in self._probes:
            try:
                self._probes[key] = self.capture(self._arch, values).templates()
            except Exception:  # noqa: BLE001
                self._probes[key] = None
        return self._probes[key]

    def layer_condition(self, seen, n, env, layer_field, tpl):
        cands = []
        for name, v in list(env.items()) + [(p, None) for p in self.rules.properties]:
            val = v
            if name in self.rules.properties:
                try:
                    val = evaluate(self.rules.properties[name], env, self.rules.properties)
                except Exception:  # noqa: BLE001
                    continue
            if isinstance(val, list) and len(val) == n:
                for x in sorted({json.dumps(y) for y in val}):
                    cands.append(f"{name}[i] == {json.loads(x)!r}")
                    cands.append(f"{name}[i] != {json.loads(x)!r}")
                    # Blocks shared by the layers of a kind and tied to the first occurrences (Zamba's shared
                    # transformer, saved in the first hybrid layer; Zamba2's in the first num_mem_blocks ones):
                    # the layer's rank among that kind, under a count. Tried where only some layers of the kind
                    # have the tensor.
                    of_kind = [i for i, y in enumerate(val) if json.dumps(y) == x]
                    if set(seen) < set(of_kind):
                        rank = f"len([earlier for earlier in range(i) if {name}[earlier] == {json.loads(x)!r}])"
                        cands.append(f"{name}[i] == {json.loads(x)!r} and {rank} == 0")
                        cands += [f"{name}[i] == {json.loads(x)!r} and {rank} < {f}" for f, c in sorted(env.items())
                                  if isinstance(c, int) and not isinstance(c, bool) and f not in _NOT_PROBED]
            if isinstance(val, list) and all(isinstance(y, int) for y in val):
                cands.append(f"i in {name}")
                cands.append(f"i not in {name}")
            if isinstance(val, int) and not isinstance(val, bool) and name not in _NOT_PROBED:
                cands += [f"i >= {name}", f"i < {name}", f"i % {name} == 0", f"(i + 1) % {name} == 0",
                          f"i % {name} != 0", f"(i + 1) % {name} != 0"]
        # Per-layer lists first: where probes cannot tell rules apart, the list the model reads wins over an
        # arithmetic coincidence of the tiny config (i % vocab_size == 0).
        # A layer's rank among its kind (tied shared blocks) comes last: it is only wanted where nothing simpler fits.
        cands.sort(key=lambda c: (" and len([earlier " in c, "[i]" not in c))
        matching = []
        for c in cands:
            try:
                got = [i for i in range(n) if evaluate(c, {**env, "i": i}, self.rules.properties)]
            except Exception:  # noqa: BLE001
                continue
            if got == seen:
                matching.append(c)
        # A derived count (Zamba2's len(layers_block_type)) is probed through the depth field of that value,
        # whose lists with_depth carries along.
        depth = layer_field if layer_field.isidentifier() else next(
            (f for f in _DEPTH_FIELDS if self.tiny.get(f) == n), None)
        if not matching or depth is None:
            return matching[0] if matching else None  # verify_layout checks
        # Several rules fit the tiny config (i < first_k_dense_replace, i < num_experts_per_tok ...): keep the
        # first that also predicts the layers of probes that change the depth, every size, and each field a
        # rule names.
        # A list a rule names is also tried reversed.
        lists = {f: v for f, v in self.tiny.items() if isinstance(v, list) and len(v) == n}
        probes = [with_depth(self.tiny, depth, n + 1), scaled_probe(self.tiny)]
        named = {f for c in matching for f in _names(c)
                 if isinstance(self.tiny.get(f), int) and not isinstance(self.tiny[f], bool)}
        probes += [{**self.tiny, f: self.tiny[f] + 1} for f in sorted(named)]
        probes += [{**self.tiny, f: v[::-1]} for f, v in sorted(lists.items())
                   if v != v[::-1] and any(f in _names(c) for c in matching)]
        for values in probes:
            t2 = self.probe_capture(values)
            if t2 is None or tpl not in t2:
                continue
            env2 = self.env_for(values)
            n2 = evaluate(layer_field, env2, self.rules.properties)
            seen2 = sorted({idx[0] for idx in t2[tpl]})
            kept = []
            for c in matching:
                try:
                    if [i for i in range(n2) if evaluate(c, {**env2, "i": i}, self.rules.properties)] == seen2:
                        kept.append(c)
                except Exception:  # noqa: BLE001
                    pass
            matching = kept
        return matching[0] if matching else None

    def env_for(self, values):
        """The config values the catalog's expressions see: defaults ∪ values, then the derive rules, then what
        the architecture being compiled sets on its config."""
        return {**apply_rules(lay_over(self.defaults(), _json(values)), self.rules.derive), **self.config_set}

    def compile(self):
        archs, skipped = architectures_of(self.model_type, self.config_class)
        tiny, tester = tiny_values(self.model_type, self.config_class, self.testers)
        if tiny is None:
            tiny, tester = self.shrunk(archs)
        adjusted = self.deepen_to_every_layer_kind(archs[0], tiny) if archs else {}
        tiny.update({f: new for f, (_, new, _) in adjusted.items()})
        rounded = self.grouped_mm_rounding(archs[0], tiny) if archs else {}
        tiny.update({f: new for f, (_, new) in rounded.items()})
        adjusted.update({f: (old, new, GROUPED_MM_WHY) for f, (old, new) in rounded.items()})
        groups = fit_expert_groups(tiny, self.field_defaults)
        tiny.update({f: new for f, (_, new) in groups.items()})
        adjusted.update({f: (old, new, EXPERT_GROUPS_WHY) for f, (old, new) in groups.items()})
        tiny = self.without_consumed_keywords(tiny)
        self.tiny = tiny
        env = self.env_for(tiny)
        bad_rules = self.verify_rules([tiny, scaled_probe(tiny), bumped_layers(tiny)])
        derive = [(f, e) for f, e in self.rules.derive if f not in bad_rules]
        arch_entries = []
        for arch in archs:
            cls = getattr(transformers, arch)
            entry = {"name": arch, "generative": bool(cls.can_generate())}
            try:
                tensors = self.layout(arch, tiny, env)
                problems = self.verify_layout(arch, tensors,
                                              [scaled_probe(tiny), bumped_layers(tiny)] + self.flip_probes)
                if problems:
                    raise LayoutError(problems)
                entry["tensors"] = tensors
                if self.config_set:
                    entry["config_set"] = self.config_set
            except Exception as e:  # noqa: BLE001 - recorded in the catalog as what is not compiled
                entry["hand_code"] = f"{type(e).__name__}: {e}"[:500]
            arch_entries.append(entry)
        if bad_rules:
            # A derived field whose rule is not captured keeps the value transformers derives at the tiny config;
            # --set of it is refused (unscalable), and the oracle checks scaled configs against transformers.
            real = self.values_after_init(self.make_config(tiny, symbolic=False))
            for f in bad_rules:
                sub, _, name = f.rpartition(".")
                if sub and isinstance(tiny.get(sub), dict):
                    tiny[sub] = {**tiny[sub], name: get_field(real, f)}
                elif f in real:
                    tiny[f] = real[f]
        out = {
            "model_type": self.model_type,
            "config_class": self.config_class.__name__,
            "tester": tester,
            "tiny": _json(tiny),
            "architectures": arch_entries,
            "defaults": self.defaults(),
            "class_defaults": _json(self.config_class.default_config_fields()),
        }
        aliases = dict(getattr(self.config_class, "attribute_map", {}) or {})
        if aliases:
            out["attribute_map"] = dict(sorted(aliases.items()))
        if adjusted:
            out["tiny_adjusted"] = {f: {"tester": old, "tiny": new, "why": why}
                                    for f, (old, new, why) in sorted(adjusted.items())}
        if skipped:
            out["unsupported_architectures"] = [{"name": n, "reason": r} for n, r in sorted(skipped.items())]
        if derive:
            out["derive"] = [{"field": f, "expr": e} for f, e in derive]
        if self.rules.properties:
            out["properties"] = dict(sorted(self.rules.properties.items()))
        if self.rules.invariants:
            out["invariants"] = [{"expr": e, "message": m} for e, m in self.rules.invariants]
        if bad_rules:
            out["unscalable"] = dict(sorted(bad_rules.items()))
        cls0 = getattr(transformers, archs[0]) if archs else None
        keep = sorted(set(getattr(cls0, "_keep_in_fp32_modules", None) or [])) if cls0 else []
        if keep:
            out["keep_in_fp32_modules"] = keep
        if self.tokenizer_spec:
            out["tokenizer"] = self.tokenizer_spec
        return out

    def shrunk(self, archs):
        """(values, tester note) of shrink.py's rule, checked by building the config and every architecture."""
        import torch

        def builds(values, which=None):
            try:
                cfg = self.make_config(values, symbolic=False)
                for arch in judges if which is None else which:
                    with torch.device("meta"):
                        getattr(transformers, arch)(cfg)
            except Exception as e:  # noqa: BLE001 - the reason the group is left out
                return f"{type(e).__name__}: {e}"[:200]
            return None

        # An architecture the default config cannot build either (BEiT's segmentation head wants four
        # out_indices the default lacks) does not judge the rule.
        judges = [a for a in archs if builds({}, [a]) is None]
        values, left_out = shrink(_json(self.config_class().to_dict()), builds)
        note = "no ModelTester recorded: the shrink rule (tools/catalog/FORMAT.md)"
        if left_out:
            note += "; not shrunk: " + "; ".join(f"{g} ({why})" for g, why in left_out.items())
        return values, note

    def without_consumed_keywords(self, tiny):
        """The tiny config less the tester's keywords the config consumes and does not keep (NemotronH's legacy
        mamba_d_conv beside conv_kernel): save_pretrained does not write them, so config.json must not carry
        them. A field whose value they changed keeps that value."""
        try:
            real = self.values_after_init(self.make_config(tiny, symbolic=False))
            kept = {k: v for k, v in tiny.items() if k in real}
            if len(kept) == len(tiny):
                return tiny
            again = self.values_after_init(self.make_config(kept, symbolic=False))
        except Exception:  # noqa: BLE001 - a config that refuses them proves nothing: keep the tester's values
            return tiny
        return {**kept, **{k: v for k, v in real.items() if k != "transformers_version" and again.get(k) != v}}

    def deepen_to_every_layer_kind(self, arch, tiny):
        """{layer count field: (tester value, tiny value, why)}: more layers where the tester's depth builds
        fewer kinds of layer than the default config (all dense where the default has dense and sparse
        layers), so that the tiny repository has a tensor of every kind. Only for derived per-layer lists: a
        list the tiny config gives itself fixes the depth."""
        field = next((k for k in _DEPTH_FIELDS if isinstance(tiny.get(k), int)), None)
        if field is None:
            return {}

        def kinds(values):
            try:
                cfg = self.values_after_init(self.make_config(values, symbolic=False))
            except Exception:  # noqa: BLE001
                return None
            n = cfg.get(field)
            return {k: {json.dumps(x) for x in v} for k, v in cfg.items()
                    if isinstance(v, list) and len(v) == n and n > 1 and not k.endswith("_token_id")}

        if any(isinstance(v, list) and len(v) == tiny[field] for v in tiny.values()):
            return self.deepen_spelled_out_lists(arch, tiny, field)
        want = kinds({})
        if not want:
            return {}

        def covered(have):
            return have is not None and all(want[k] <= have.get(k, want[k]) for k in want)

        values = dict(tiny)
        for _ in range(6):
            have = kinds(values)
            if have is None or covered(have):
                break
            values[field] += 1
        else:
            have = kinds(values)
        if values[field] == tiny[field] or not covered(have):
            return {}
        try:  # only where the deeper model saves tensors the tester's does not
            if set(self.capture(arch, values).templates()) == set(self.capture(arch, tiny).templates()):
                return {}
        except Exception:  # noqa: BLE001 - the layout step reports what does not build
            return {}
        return {field: (tiny[field], values[field], "more layers: at the tester's depth the per-layer kinds "
                        "lack some the default config has, so some tensors would never be forged")}

    def deepen_spelled_out_lists(self, arch, tiny, field):
        """A tiny config that lists its layers itself may still leave a kind out that a count decides (LFM2-MoE's
        first num_dense_layers layers are dense: at the tester's depth every layer is). The lists are carried
        one layer deeper at a time (repeated) until the model saves tensors the tester's does not. A kind the
        lists never name (DeepSeek-V4's tester lists no `hash_moe` layer, the default config's first three) is
        then added as one more layer each."""
        try:
            have = set(self.capture(arch, tiny).templates())
        except Exception:  # noqa: BLE001 - the layout step reports what does not build
            return {}

        def adds_tensors(values):
            try:
                return bool(set(self.capture(arch, values).templates()) - have)
            except Exception:  # noqa: BLE001 - a depth the config refuses
                return False

        values = next((v for n in range(tiny[field] + 1, tiny[field] + 5)
                       for v in [with_depth(tiny, field, n)] if adds_tensors(v)), None)
        if values is None:
            values = self.with_missing_kinds(tiny, field)
            if values is None or not adds_tensors(values):
                return {}
        why = ("more layers: at the tester's depth the per-layer kinds lack some the default config has, so some "
               "tensors would never be forged")
        return {k: (tiny[k], v, why) for k, v in values.items() if v != tiny[k]}

    def with_missing_kinds(self, tiny, field):
        """`tiny` with one layer more per kind that the default config's per-layer lists have and tiny's lists
        lack (the other lists repeated to the new depth); None where none is missing."""
        try:
            default = self.values_after_init(self.make_config({}, symbolic=False))
        except Exception:  # noqa: BLE001
            return None
        values = dict(tiny)
        for k in sorted(tiny):
            v = values[k]
            if not (isinstance(v, list) and len(v) == values[field] and isinstance(default.get(k), list)):
                continue
            missing = [x for x in dict.fromkeys(default[k]) if isinstance(x, str) and x not in v]
            if missing:
                values = {**with_depth(values, field, len(v) + len(missing)), k: v + missing}
        return None if values == tiny else values

    def grouped_mm_rounding(self, arch, tiny):
        """{field: (tester value, tiny value)}: tester sizes of fused expert weights rounded up to a multiple
        of 8, since transformers' default experts implementation (torch grouped_mm on CPU) refuses strides
        that are not multiples of 16 bytes, so the tester's own values would make a repository that cannot
        run a forward pass."""
        try:
            dims = Capture(getattr(transformers, arch), self.make_config(tiny)).expert_dims
        except Exception:  # noqa: BLE001 - the layout step reports what does not build
            return {}
        values = dict(tiny)
        changed = {}
        for expr in dims:
            field = next((n for n in _names(expr) if isinstance(values.get(n), int) and not isinstance(values[n], bool)), None)
            if field is None:
                continue
            for _ in range(64):
                if int(evaluate(expr, self.env_for(values))) % 8 == 0:
                    break
                values[field] += 1
            if values[field] != tiny[field]:
                changed[field] = (tiny[field], values[field])
        return changed

    def verify_layout(self, arch, tensors, probes):
        for values in probes:
            try:
                cap = self.capture(arch, values)
            except Exception:  # noqa: BLE001
                continue
            env = self.env_for(values)
            # An expression may name an attribute_map alias (Kimi-Linear's num_local_experts): it reads its field,
            # as in the C++ interpreter.
            for alias, field in (getattr(self.config_class, "attribute_map", None) or {}).items():
                if field in env and alias not in env:
                    env[alias] = env[field]
            # An init may read the loop variables (a per-layer ratio): bound from the name's indices.
            real = {k: (tuple(v["shape"]), v["dtype"],
                        init_values(v["init"], {**env, **dict(zip(_LOOP_VARS, template_of(k)[1]))},
                                    self.rules.properties, strict=False) if v["init"] else None)
                    for k, v in cap.tensors.items()}
            ours = expand(tensors, env, self.rules.properties)
            if real != ours:
                missing = sorted(set(real) - set(ours))[:3]
                extra = sorted(set(ours) - set(real))[:3]
                diff = [k for k in real if k in ours and real[k] != ours[k]][:3]
                return (f"layout does not match transformers on a probe config: missing {missing}, unexpected "
                        f"{extra}, shapes {[(k, real[k][0], ours[k][0]) for k in diff]}")
        return None


def _names(expr):
    """The names an expression reads, in the order ast.walk meets them."""
    return list(dict.fromkeys(n.id for n in ast.walk(ast.parse(expr, mode="eval")) if isinstance(n, ast.Name)))


def position_condition(per, pos, nest, tpl):
    """A rule on the loop indices up to `pos` that picks exactly the index tuples a template was seen at (the
    keys of `per`) among those of every template under the same loops (`nest`): one or two of `v == c`,
    `v != c`, `v >= c`, the fewest terms first. verify_layout confirms it at the probes."""
    seen = {idx[:pos + 1] for idx in per}
    atoms = []
    for q in range(pos + 1):
        values = sorted({idx[q] for idx in nest})
        for c in values:
            atoms += [(f"{_LOOP_VARS[q]} == {c}", lambda idx, q=q, c=c: idx[q] == c),
                      (f"{_LOOP_VARS[q]} != {c}", lambda idx, q=q, c=c: idx[q] != c)]
            if c > values[0]:
                atoms.append((f"{_LOOP_VARS[q]} >= {c}", lambda idx, q=q, c=c: idx[q] >= c))
    for terms in [[a] for a in atoms] + [[a, b] for a, b in itertools.combinations(atoms, 2)]:
        if {idx for idx in nest if all(test(idx) for _, test in terms)} == seen:
            return " and ".join(text for text, _ in terms)
    raise LayoutError(f"{tpl}: present at indices {sorted(seen)} of {sorted(nest)}; no rule found")


def _names_or_none(expr):
    try:
        return _names(expr)
    except SyntaxError:
        return []


def _fits(expr, env, value, properties):
    """Whether `expr` evaluates to `value` in `env` (False where it does not evaluate)."""
    try:
        return evaluate(expr, env, properties) == value
    except Exception:  # noqa: BLE001
        return False


def _and(a, b):
    return b if not a else f"({a}) and ({b})"


GROUPED_MM_WHY = ("rounded up to a multiple of 8: torch's grouped_mm, transformers' default experts "
                  "implementation, needs 16-byte strides")

_DEPTH_FIELDS = ("num_hidden_layers", "n_layer", "num_layers")
_ID_FIELDS = {"pad_token_id", "bos_token_id", "eos_token_id", "decoder_start_token_id"}


def with_depth(tiny, field, n):
    """`tiny` with `field` set to n and each list as long as the old value carried to n (repeated): a tiny
    config that spells out its per-layer lists would otherwise refuse a probe of another depth."""
    top, _, sub = field.partition(".")
    if sub:  # a sub-config's depth (BLT's global_config.num_hidden_layers)
        return {**tiny, top: with_depth(tiny[top], sub, n)}
    return _carry_lists(tiny, {**tiny, field: n}, [field])


_BACKBONE_SELECTION = {"out_indices", "out_features", "stage_names"}


def _carry_lists(old, new, fields):
    """`new` with each list of `old` whose length is the old value of one of `fields` (changed in `new`)
    repeated to that field's new value."""
    out = dict(new)
    for k, v in old.items():
        # A backbone's chosen stages are no per-layer list, even where their count equals the depth (BEiT's
        # four out_indices at a tiny config of four layers).
        if not isinstance(v, list) or not v or k.endswith("_token_id") or k in _BACKBONE_SELECTION:
            continue
        for f in fields:
            was, now = old.get(f), new.get(f)
            if isinstance(was, int) and not isinstance(was, bool) and was == len(v) and now != was:
                out[k] = (v * (now // len(v) + 1))[:now]
                break
    return out


def _depth_fields(tiny):
    return [k for k, v in tiny.items() if "layer" in k and isinstance(v, int) and not isinstance(v, bool)]


def scaled_probe(tiny):
    """Every size doubled (ids kept), per-layer lists carried to the doubled depth: shapes of a wider, deeper
    config."""
    out = {}
    for k, v in tiny.items():
        if isinstance(v, int) and not isinstance(v, bool) and k not in _ID_FIELDS and v > 0 and k != "num_labels":
            out[k] = 2 * v
        elif isinstance(v, dict):
            out[k] = scaled_probe(v)  # a sub-config's sizes too
        else:
            out[k] = v
    return _carry_lists(tiny, out, _depth_fields(tiny))


def bumped_layers(tiny):
    """`tiny` one layer deeper in every layer count, per-layer lists carried along."""
    fields = [k for k in _depth_fields(tiny) if "layers" in k]
    return _carry_lists(tiny, {**tiny, **{k: tiny[k] + 1 for k in fields}}, fields)
