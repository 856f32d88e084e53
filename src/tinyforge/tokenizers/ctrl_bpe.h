// tokenizers/ctrl_bpe: CTRL's BPE (transformers' CTRLTokenizer, a Python tokenizer: vocab.json + merges.txt,
// no tokenizer.json) expressed as a tokenizer.json pipeline, so the BPE trainer and the encoder serve it too.
//
// CTRLTokenizer splits text into `\S+\n?` words, runs BPE on each word's characters with "</w>" on the last
// one (merges.txt is in that form), then names each piece in vocab.json with "@@" appended to the non-final
// ones and
// "</w>" dropped from the final one ("hello" → "he@@" "llo"). The pipeline keeps the "</w>" form of the
// merges: a BPE model with end_of_word_suffix "</w>" over the `\S+\n?` words, whose vocabulary holds every
// piece under its merges name ("he", "llo</w>") with the id vocab.json gives its "@@" name. Added tokens keep
// their names.
#pragma once
#include <string>

#include "tinyforge/tokenizers/tokenizer.h"

namespace tinyforge::tokenizers {

// The pipeline with an empty vocabulary and `unk_token` as its only (special) added token: what the BPE
// trainer retrains.
OJson ctrl_pipeline(const std::string& unk_token);

// A tokenizer trained from ctrl_pipeline() as CTRL's files: the vocabulary under vocab.json's names (token →
// id, added tokens included) and merges.txt as save_pretrained writes it. Throws TokenizerError when two
// pieces would get one name (a word-final piece ending in "@@" and the non-final piece before those "@@").
struct CtrlFiles {
  OJson vocab;  // object, in id order
  std::string merges_txt;
};
CtrlFiles ctrl_files(const Tokenizer& trained);

// The tokenizer of a folder holding CTRLTokenizer's vocab.json, merges.txt and tokenizer_config.json (its
// added_tokens_decoder and unk_token). Errors name the file.
Tokenizer ctrl_tokenizer_from_folder(const std::string& folder);

}  // namespace tinyforge::tokenizers
