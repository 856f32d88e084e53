// hub/card: the minimal YAML front-matter reader serve uses for model info — what it understands, what it
// leaves out, and that hostile input never throws.
#include <gtest/gtest.h>

#include <string>

#include "tinyforge/hub/card.h"

using namespace tinyforge;
using namespace tinyforge::hub;

TEST(HubCard, ReadsFlatKeysAndLists) {
  const Json j = parse_front_matter(
      "---\r\nlibrary_name: transformers\r\nlicense: 'apache-2.0' # a comment\r\ntags:\r\n- a\r\n  - \"b "
      "c\"\r\n"
      "datasets: [x, 'y, z']\r\nn: 12\r\nf: 0.5\r\nok: true\r\nnone: ~\r\nflag: "
      "yes\r\nempty:\r\n---\r\nbody: no\n");
  EXPECT_EQ(j, Json::parse(R"({"library_name": "transformers", "license": "apache-2.0", "tags": ["a", "b c"],
                              "datasets": ["x", "y, z"], "n": 12, "f": 0.5, "ok": true, "none": null,
                              "empty": null, "flag": true})"));
}

TEST(HubCard, LeavesOutWhatIsOutsideTheSubset) {
  const Json j = parse_front_matter(
      "---\nmodel-index:\n  - name: x\n    results: []\nnested:\n  a: 1\nblock: |\n  text\nanchor: &a 1\n"
      "flow: {a: 1}\nkept: plain text\nnot a key line\n---\n");
  EXPECT_EQ(j, Json::parse(R"({"kept": "plain text"})"));
}

TEST(HubCard, NoFrontMatter) {
  EXPECT_EQ(parse_front_matter(""), Json::object());
  EXPECT_EQ(parse_front_matter("# title\n---\na: 1\n---\n"), Json::object());
  EXPECT_EQ(parse_front_matter("---\na: 1\n"), Json::object());  // never closed
  EXPECT_EQ(parse_front_matter("---\n---\n"), Json::object());
}

TEST(HubCard, HostileInputNeverThrows) {
  const std::string pieces[] = {"---\n", "- ", ":", "'",  "\"", "[",  "]",
                                "\\",    "#",  " ", "\n", "a",  "\0", "\xff"};
  for (int seed = 0; seed < 2000; ++seed) {
    std::string text = "---\n";
    unsigned x = static_cast<unsigned>(seed) * 2654435761u + 1;
    for (int i = 0; i < 40; ++i) {
      x = x * 1103515245u + 12345u;
      text += pieces[(x >> 16) % std::size(pieces)];
    }
    text += "\n---\n";
    EXPECT_NO_THROW(parse_front_matter(text)) << text;
  }
  std::string many = "---\n";
  for (int i = 0; i < 5000; ++i) {
    many += 'k';
    many += std::to_string(i);
    many += ": v\n";
  }
  EXPECT_EQ(parse_front_matter(many + "---\n").size(), 256u);
}

TEST(HubCard, RepositoryMetadataFallsBackOnConfig) {
  const std::string config = R"({"model_type": "bert", "architectures": ["BertForMaskedLM"]})";
  const Json j = repository_metadata(nullptr, &config);
  EXPECT_EQ(j.at("library_name"), "transformers");
  EXPECT_EQ(j.at("pipeline_tag"), "fill-mask");
  EXPECT_EQ(j.at("tags"), Json::parse(R"(["transformers", "bert", "fill-mask"])"));
  EXPECT_EQ(j.at("config"), Json::parse(config));
  EXPECT_FALSE(j.contains("cardData"));
  const std::string bad = "{not json";
  EXPECT_EQ(repository_metadata(nullptr, &bad), Json::parse(R"({"tags": []})"));
}
