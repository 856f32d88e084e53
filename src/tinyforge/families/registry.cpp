#include <array>

#include "tinyforge/families/family.h"

namespace tinyforge {

// One accessor per family source file.
const Family& bart_family();
const Family& bert_family();
const Family& clip_family();
const Family& gemma_family();
const Family& gpt2_family();
const Family& llama_family();
const Family& mistral_family();
const Family& qwen2_family();
const Family& resnet_family();
const Family& roberta_family();
const Family& t5_family();
const Family& vit_family();
const Family& wav2vec2_family();
const Family& whisper_family();

const Family* find_family(const std::string& model_type) {
  static const std::array<const Family*, 14> all = {
      &bart_family(),  &bert_family(),    &clip_family(),     &gemma_family(),   &gpt2_family(),
      &llama_family(), &mistral_family(), &qwen2_family(),    &resnet_family(),  &roberta_family(),
      &t5_family(),    &vit_family(),     &wav2vec2_family(), &whisper_family(),
  };
  for (const Family* f : all)
    if (model_type == f->model_type) return f;
  return nullptr;
}

}  // namespace tinyforge
