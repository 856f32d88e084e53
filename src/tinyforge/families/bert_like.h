// families/bert_like: the BERT encoder stack (embeddings, layers, MLM head) that bert and roberta share.
#pragma once
#include <optional>
#include <string>

#include "tinyforge/families/blocks.h"
#include "tinyforge/families/family.h"

namespace tinyforge {

// hidden divisible by heads; sizes positive.
void bert_like_validate(const Json& config);
// {p}word_embeddings / position_embeddings (optional padding row) / token_type_embeddings / LayerNorm.
void bert_like_embeddings(TensorList& t, const std::string& prefix, const Json& config,
                          std::optional<int64_t> position_padding);
// {p}layer.{i}.attention/intermediate/output (+ crossattention for decoders with add_cross_attention).
void bert_like_encoder(TensorList& t, const std::string& prefix, const Json& config);
// {p}transform.dense / transform.LayerNorm / bias (+ decoder.weight when untied).
void bert_like_lm_head(TensorList& t, const std::string& prefix, const Json& config);

}  // namespace tinyforge
