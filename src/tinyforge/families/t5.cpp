// t5: configuration_t5.py (feed_forward_proj, the decoder depth, tied embeddings). Its tensors are compiled
// (catalog/data/t5.json); this file keeps the config derivations and invariants the catalog does not capture
// yet.
#include "tinyforge/catalog/config.h"
#include "tinyforge/families/blocks.h"
#include "tinyforge/families/family.h"

namespace tinyforge {

namespace {

// Heads built on T5EncoderModel: no decoder stack, and the encoder-only model rewrites its config.
bool encoder_only(const std::string& arch) {
  return arch == "T5EncoderModel" || arch == "T5ForTokenClassification";
}

std::vector<std::string> split_dash(const std::string& s) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    auto dash = s.find('-', start);
    parts.push_back(s.substr(start, dash == std::string::npos ? std::string::npos : dash - start));
    if (dash == std::string::npos) return parts;
    start = dash + 1;
  }
}

void finalize(Json& c, const std::string& arch) {
  // T5Config.__post_init__: the decoder mirrors the encoder depth unless told otherwise.
  if (c["num_decoder_layers"].is_null()) c["num_decoder_layers"] = c["num_layers"];

  // feed_forward_proj is "{act}" or "gated-{act}"; it decides the activation and whether the MLP is gated.
  if (!c["feed_forward_proj"].is_string())
    throw ConfigError("config field 'feed_forward_proj' must be a string such as \"relu\" or \"gated-gelu\"");
  const std::string proj = c["feed_forward_proj"].get<std::string>();
  const auto act = split_dash(proj);
  if ((act.size() > 1 && act[0] != "gated") || act.size() > 2 || act.back().empty())
    throw ConfigError(
        "config field 'feed_forward_proj' (\"" + proj +
        "\") must be of the form \"gated-{ACT_FN}\" or \"{ACT_FN}\", e.g. \"gated-gelu\" or \"relu\"");
  // T5Config.__post_init__ derives both from it whatever the config says (a --set of either is overridden).
  c["dense_act_fn"] = proj == "gated-gelu" ? "gelu_new" : act.back();
  c["is_gated_act"] = act[0] == "gated";

  // A given tie_word_embeddings=false only turns off the decoder-output scaling; the embeddings stay tied.
  if (c["scale_decoder_outputs"].is_null())
    c["scale_decoder_outputs"] =
        !(c["tie_word_embeddings"].is_boolean() && !c["tie_word_embeddings"].get<bool>());
  c["tie_word_embeddings"] = true;

  // T5EncoderModel.__init__ sets these on the config it is given (not on a copy), so they are saved.
  if (encoder_only(arch)) {
    c["use_cache"] = false;
    c["is_encoder_decoder"] = false;
  }

  require_positive(c, {"vocab_size", "d_model", "d_kv", "d_ff", "num_layers", "num_heads",
                       "relative_attention_num_buckets"});
  if (!encoder_only(arch)) require_positive(c, {"num_decoder_layers"});
  // T5ForQuestionAnswering splits its num_labels logits into start and end logits.
  if (arch == "T5ForQuestionAnswering" && num_labels(c) != 2)
    throw ConfigError(
        "config field 'id2label' must have 2 labels for T5ForQuestionAnswering (start and end logits)");
}

}  // namespace

const Family& t5_family() {
  static const Family f{"t5", finalize, nullptr, nullptr};
  return f;
}

}  // namespace tinyforge
