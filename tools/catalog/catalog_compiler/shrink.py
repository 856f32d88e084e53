"""The shrink rule: a tiny config for a model type whose tests have no ModelTester recorded.

Every size-like number of the config and of its sub-configs is recognised by its field name and set to one small
value per kind (all widths 32, all heads 4, ...), so that equal sizes stay equal (a vision tower's output width and
the text model's width) and divisible ones stay divisible (32 by 4 heads by their key/value heads). Lists follow
their kind: per-stage widths scaled by one factor, per-stage head counts divided by the first stage's, per-stage
depths 1, per-layer lists cut to the new depth keeping every kind of layer, layer indices mapped onto the new
depth. Token ids beyond a shrunk vocabulary get distinct ids from its top down.

The groups of fields (depth; widths with heads; vocabulary with token ids; experts; positions; image; audio) are
added one by one, each kept only if the config and every architecture of the type can still be built from it (on
the meta device); a group refused is tried once more after the others, and the catalog's `tester` says which
groups were left out and why (tools/catalog/FORMAT.md)."""

VOCAB, WIDTH, HEADS, HEAD_DIM, INTERMEDIATE, DEPTH, POSITIONS, EXPERTS, TOP_K = 99, 32, 4, 8, 64, 2, 512, 8, 2
IMAGE, MAX_DEPTH = 32, 4

_WIDTH_NAMES = {"hidden_size", "d_model", "n_embd", "embed_dim", "dim", "hidden_dim", "embedding_size",
                "embedding_dim", "projection_dim", "projection_size", "output_dim", "emb_dim", "d_embed",
                "classifier_proj_size", "xvector_output_dim", "codevector_dim", "proj_codevector_dim",
                "word_embed_proj_dim", "pooler_output_size", "kv_lora_rank", "q_lora_rank", "latent_dim",
                "fpn_hidden_size", "encoder_hidden_dim", "decoder_hidden_dim"}
_HEAD_DIM_NAMES = {"head_dim", "d_kv", "dim_head", "attention_head_dim", "v_head_dim", "qk_nope_head_dim",
                   "qk_rope_head_dim", "kv_channels"}
_INTERMEDIATE_NAMES = {"intermediate_size", "ffn_dim", "d_ff", "mlp_dim", "intermediate_dim", "d_inner", "n_inner",
                       "ffn_hidden_size", "moe_intermediate_size"}
_DEPTH_NAMES = {"num_hidden_layers", "num_layers", "n_layer", "n_layers", "depth", "encoder_layers",
                "decoder_layers", "num_encoder_layers", "num_decoder_layers"}
_POSITION_NAMES = {"max_position_embeddings", "n_positions", "max_target_positions", "n_ctx"}
_EXPERT_NAMES = {"num_experts", "num_local_experts", "n_routed_experts", "moe_num_experts"}
_TOP_K_NAMES = {"num_experts_per_tok", "moe_k", "moe_topk", "moe_top_k", "top_k"}
_STAGE_DEPTH_LISTS = {"depths", "blocks_per_stage", "stage_num_blocks", "num_block_repeats", "stage_numb_of_layers"}
_STAGE_WIDTH_LISTS = {"hidden_sizes", "embed_dim_per_stage", "stage_out_channels", "stage_in_channels",
                      "stage_mid_channels", "neck_hidden_sizes", "embed_dim", "encoder_hidden_sizes", "conv_dim",
                      "tdnn_dim"}
_STAGE_HEAD_LISTS = {"num_heads", "num_attention_heads", "num_attention_heads_per_stage"}


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def kind_of(name):
    """The size kind a field's name says, or None."""
    n = name.lower()
    if n == "type_vocab_size":
        return None
    if n == "vocab_size" or n.endswith("_vocab_size"):
        return "vocab"
    if n in _WIDTH_NAMES or n.endswith(("_hidden_size", "_hidden_dim", "_embed_dim", "_d_model")):
        return "width"
    if n in _HEAD_DIM_NAMES or n.endswith("_head_dim"):
        return "head_dim"
    if n in _INTERMEDIATE_NAMES or n.endswith(("_intermediate_size", "_ffn_dim", "_ffn_hidden_size")):
        return "intermediate"
    if "key_value_heads" in n or n in ("n_kv_heads", "num_kv_heads", "kv_n_heads"):
        return "kv_heads"
    if n in ("n_head", "num_head") or \
            n.endswith("heads") and (n.startswith(("num_", "n_")) or "_num_" in n or n == "attention_heads"):
        return "heads"
    if (n in _DEPTH_NAMES or (n.startswith("num_") and n.endswith("_layers")) or n.endswith("_num_layers")
            or n.endswith("_num_hidden_layers")) and "feat_extract" not in n:  # a conv stack's length: its lists
        return "depth"
    if n in _POSITION_NAMES:
        return "positions"
    if n in _EXPERT_NAMES:
        return "experts"
    if n in _TOP_K_NAMES:
        return "top_k"
    return None


def _sub_configs(d):
    return {k: v for k, v in d.items() if isinstance(v, dict) and "model_type" in v}


def _scalars(d, group):
    """{field: new value} of one dict's scalar fields of `group` (its sub-configs not included)."""
    out = {}
    heads = next((v for k, v in d.items() if kind_of(k) == "heads" and _is_int(v)), None)
    for k, v in d.items():
        kind = kind_of(k)
        if not _is_int(v) or v <= 0:
            continue
        if group == "vocab" and kind == "vocab" and v > 1024:
            out[k] = VOCAB
        elif group == "width" and kind == "width" and v > WIDTH:
            out[k] = WIDTH
        elif group == "width" and kind == "head_dim" and v > HEAD_DIM:
            out[k] = HEAD_DIM
        elif group == "width" and kind == "intermediate" and v > INTERMEDIATE:
            out[k] = INTERMEDIATE
        elif group == "width" and kind == "heads" and v > HEADS:
            out[k] = HEADS
        elif group == "width" and kind == "kv_heads" and _is_int(heads) and heads > HEADS:
            # the ratio of query to key/value heads kept where it fits: 32/8 -> 4/1, 16/16 -> 4/4
            out[k] = max(1, HEADS * v // heads) if heads % v == 0 else 1
        elif group == "depth" and kind == "depth" and v > DEPTH and not _counts_stages(d, v):
            # as deep as the layer indices a list names apart, up to 4 (BEiT's segmentation head takes four)
            out[k] = min(v, MAX_DEPTH, max([DEPTH] + [len(set(x)) for f, x in d.items() if _layer_indices(f, x, v)]))
        elif group == "positions" and kind == "positions" and v > POSITIONS:
            out[k] = POSITIONS
        elif group == "experts" and kind == "experts" and v > EXPERTS:
            out[k] = EXPERTS
        elif group == "experts" and kind == "top_k" and v > TOP_K:
            out[k] = TOP_K
        elif group == "experts" and k == "first_k_dense_replace" and v > 1:
            out[k] = 1  # one dense layer then MoE ones within the two tiny layers
        elif group == "image" and k == "image_size" and v > 2 * IMAGE and _is_int(d.get("patch_size")):
            patch = max(2, d["patch_size"] * IMAGE // v)
            while IMAGE % patch:
                patch -= 1
            out[k], out["patch_size"] = IMAGE, patch
        elif group == "audio" and k == "num_conv_pos_embeddings" and v > 16:
            out[k] = 16
        elif group == "audio" and k == "num_conv_pos_embedding_groups" and v > 2:
            out[k] = 2
    return out


def _lists(d, group, new_scalars):
    """{field: new list} of one dict's lists of `group`."""
    out = {}
    depth_field = next((k for k in d if kind_of(k) == "depth" and _is_int(d[k])), None)
    old_depth = d.get(depth_field) if depth_field else None
    new_depth = new_scalars.get(depth_field, old_depth)
    for k, v in d.items():
        if not isinstance(v, list) or not v:
            continue
        ints = all(_is_int(x) for x in v)
        if group == "width" and ints and k in _STAGE_WIDTH_LISTS and v[0] > 16:
            if k in ("conv_dim", "tdnn_dim"):
                out[k] = [WIDTH] * len(v)
            else:  # one factor for every stage, so each stays divisible by its head count
                out[k] = [max(1, x * 16 // v[0]) for x in v]
        elif group == "width" and ints and kind_of(k) == "intermediate":
            out[k] = [min(x, INTERMEDIATE) for x in v]
        elif group == "width" and ints and k in _STAGE_HEAD_LISTS and v[0] > 0 and all(x % v[0] == 0 for x in v):
            out[k] = [x // v[0] for x in v]
        elif group == "depth" and ints and k in _STAGE_DEPTH_LISTS:
            out[k] = [1] * len(v)
        elif group == "depth" and _is_int(old_depth) and new_depth != old_depth and len(v) == old_depth:
            out[k] = _cut_per_layer(v, new_depth)
        elif group == "depth" and _is_int(old_depth) and new_depth != old_depth and _layer_indices(k, v, old_depth):
            out[k] = _onto_depth(v, old_depth, new_depth)
        elif group == "depth" and _is_int(old_depth) and new_depth != old_depth and _stage_names(v, old_depth):
            # a backbone's out_features: "stageN" names the output of layer N
            out[k] = [f"stage{n}" for n in _onto_depth([int(x[5:]) for x in v], old_depth, new_depth)]
    for k in ("rope_parameters", "rope_scaling"):
        section = (d.get(k) or {}).get("mrope_section") if isinstance(d.get(k), dict) else None
        if group == "width" and isinstance(section, list) and section and all(_is_int(x) for x in section):
            out[k] = {**d[k], "mrope_section": _split(_head_dim(d, new_scalars) // 2, section)}
    return out


def _counts_stages(d, v):
    """A depth that is the number of stages of a per-stage list (Swin's num_layers = len(depths))."""
    return any(isinstance(d.get(k), list) and len(d[k]) == v for k in _STAGE_DEPTH_LISTS)


def _onto_depth(indices, old_depth, new_depth):
    """Sorted layer indices onto the new depth in proportion, distinct ones kept distinct."""
    mapped, last = [], -1
    top = new_depth if max(indices) == old_depth else new_depth - 1  # an index of hidden states or of layers
    for x in indices:
        y = min(max(x * new_depth // old_depth, last + 1), top)
        mapped.append(y)
        last = y
    return mapped


def _stage_names(v, depth):
    """A list of backbone stage names (`stage1` ... `stage{depth}`), sorted."""
    if not v or not all(isinstance(x, str) and x.startswith("stage") and x[5:].isdigit() for x in v):
        return False
    n = [int(x[5:]) for x in v]
    return n == sorted(n) and all(1 <= x <= depth for x in n)


def _layer_indices(name, v, depth):
    """A list naming layers (by index) of a model `depth` layers deep."""
    n = name.lower()
    return isinstance(v, list) and bool(v) and all(_is_int(x) and 0 <= x <= depth for x in v) \
        and v == sorted(v) and any(w in n for w in ("index", "indices", "indexes", "idxs", "_layers", "layer_ids"))


def _head_dim(d, new):
    """The head width of a dict after the width group: its head_dim field, else width / heads."""
    for k in d:
        if kind_of(k) == "head_dim" and _is_int(new.get(k, d[k])):
            return new.get(k, d[k])
    width = next((new.get(k, d[k]) for k in d if kind_of(k) == "width" and _is_int(d[k])), None)
    heads = next((new.get(k, d[k]) for k in d if kind_of(k) == "heads" and _is_int(d[k])), None)
    return width // heads if _is_int(width) and _is_int(heads) and heads else HEAD_DIM


def _split(total, parts):
    """`total` split over len(parts) positive integers in the proportions of `parts` (M-RoPE's sections of the
    rotary half)."""
    whole = sum(parts)
    out = [max(1, p * total // whole) for p in parts]
    i = 0
    while sum(out) != total and i < 10 * len(out):
        j = i % len(out)
        if sum(out) < total:
            out[j] += 1
        elif out[j] > 1:
            out[j] -= 1
        i += 1
    return out


def _cut_per_layer(values, n):
    """A per-layer list cut to n layers, keeping every kind of layer while n allows (the last layers take the
    kinds the first n lack)."""
    out = list(values[:n])
    missing = [x for i, x in enumerate(values) if x not in out and x not in values[:i]]
    for i, x in enumerate(missing[:n - 1]):
        out[n - 1 - i] = x
    return out


def _group_changes(d, group):
    new = _scalars(d, group)
    new.update(_lists(d, group, new))
    for k, sub in _sub_configs(d).items():
        changed = _group_changes(sub, group)
        if changed:  # with its model_type: a sub-config chosen by type (text_config) keeps its type
            new[k] = {"model_type": sub["model_type"], **changed}
    return new


def _merge(a, b):
    out = dict(a)
    for k, v in b.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


_ID_SUFFIXES = ("_token_id", "_token_index", "_token_ids")


def _remap_ids(defaults):
    """Token ids at or past a shrunk vocabulary, anywhere in the config, get distinct ids from its top down; so
    does a missing pad token of a config with a vocabulary (a sequence-classification head needs one to find
    each row's last token)."""
    taken, wanted = set(), []

    def walk(d, path):
        has_vocab = any(kind_of(k) == "vocab" for k in d)
        for k, v in d.items():
            if isinstance(v, dict) and "model_type" in v:
                walk(v, path + (k,))
            elif k == "pad_token_id" and v is None and has_vocab:
                wanted.append((path + (k,), None))
            elif k.endswith(_ID_SUFFIXES) or k == "decoder_start_token_id":
                for x in (v if isinstance(v, list) else [v]):
                    if _is_int(x):
                        if x >= VOCAB:
                            wanted.append((path + (k,), x))
                        else:
                            taken.add(x)

    walk(defaults, ())
    fresh, mapping = VOCAB - 1, {}
    for _, x in sorted(wanted, key=lambda t: (t[1] is None, t[1] or 0, t[0])):
        if x in mapping:
            continue
        while fresh in taken:
            fresh -= 1
        mapping[x] = fresh
        fresh -= 1
    out = {}
    for path, _ in wanted:
        d, target = defaults, out
        for p in path[:-1]:
            target = target.setdefault(p, {"model_type": d[p]["model_type"]})
            d = d[p]
        old = d[path[-1]]
        target[path[-1]] = [mapping.get(x, x) for x in old] if isinstance(old, list) else mapping[old]
    return out


GROUPS = ("depth", "width", "vocab", "experts", "positions", "image", "audio")


def shrink(defaults, builds):
    """(values, {group left out: why}): the tiny config of a type without a tester. `defaults` is the config's
    to_dict(); builds(values) -> None or the reason the config or an architecture cannot be built."""
    changes = {g: _group_changes(defaults, g) for g in GROUPS}
    if changes["vocab"]:
        changes["vocab"] = _merge(changes["vocab"], _remap_ids(defaults))
    values, left_out = {}, {}
    pending = [g for g in GROUPS if changes[g]]
    for _ in range(2):  # a group refused gets a second try after the others
        for g in pending:
            candidate = _merge(values, changes[g])
            why = builds(candidate)
            if why is None:
                values = candidate
                left_out.pop(g, None)
            else:
                left_out[g] = why
        pending = list(left_out)
    return values, left_out
