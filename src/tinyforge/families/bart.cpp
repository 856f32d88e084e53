// bart: modeling_bart.py / configuration_bart.py. Its tensors are compiled (catalog/data/bart.json); this
// file keeps the config derivations and invariants the catalog does not capture yet.
#include "tinyforge/catalog/config.h"
#include "tinyforge/families/bart_like.h"
#include "tinyforge/families/family.h"

namespace tinyforge {

namespace {

void finalize(Json& c, const std::string& arch) {
  bart_like_validate(c, /*encoder=*/arch != "BartForCausalLM", /*decoder=*/true);
  require_positive(c, {"max_position_embeddings"});
  // BartForQuestionAnswering.__init__ sets config.num_labels = 2 (start and end logits) on the config it is
  // given, so the saved config carries two labels whatever was asked for.
  if (arch == "BartForQuestionAnswering" && num_labels(c) != 2) {
    c["id2label"] = Json{{"0", "LABEL_0"}, {"1", "LABEL_1"}};
    c["label2id"] = Json{{"LABEL_0", 0}, {"LABEL_1", 1}};
  }
}

}  // namespace

const Family& bart_family() {
  static const Family f{"bart", finalize, nullptr, nullptr};
  return f;
}

}  // namespace tinyforge
