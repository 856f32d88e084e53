// tokenizers/corpus/default_corpus: the training text tinyforge uses when the user gives none — the project's
// own multilingual sentences (this folder's *.txt, see README.md), embedded into the binary at build time.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace tinyforge::tokenizers::corpus {

// The non-empty lines of `text` (split at '\n', a trailing '\r' dropped): one training sequence each.
std::vector<std::string_view> split_lines(std::string_view text);

// Every line of the embedded corpus files, files in name order: the same sequences on every machine.
const std::vector<std::string_view>& default_corpus_lines();
// The lines of some of the embedded files only (e.g. {"english.txt"}), in the order given; an unknown name
// throws std::invalid_argument naming the files there are.
std::vector<std::string_view> default_corpus_lines(const std::vector<std::string>& file_names);

}  // namespace tinyforge::tokenizers::corpus
