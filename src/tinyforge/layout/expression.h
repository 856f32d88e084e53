// layout/expression: the catalog's expression language (tools/catalog/FORMAT.md), a subset of Python 3
// expressions evaluated with Python's semantics over JSON values: ints stay ints, `/` is float division,
// `//` and `%` floor, `and`/`or` return an operand. Shapes, init parameters, derived config fields and
// existence conditions are all written in it.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tinyforge/util/json.h"

namespace tinyforge {

struct ExprNode;

class Expression {
 public:
  // Parses `text`; throws ExpressionError naming the text and the problem.
  explicit Expression(std::string text);
  ~Expression();
  Expression(Expression&&) noexcept;
  Expression& operator=(Expression&&) noexcept;

  // Resolves a free name to its value; throws ExpressionError for an unknown one.
  using Lookup = std::function<Json(const std::string&)>;
  Json evaluate(const Lookup& lookup) const;
  const std::string& text() const { return text_; }
  // The free names the expression reads (for error messages that show their values).
  std::vector<std::string> names() const;

 private:
  std::string text_;
  std::unique_ptr<ExprNode> root_;
};

// Python truthiness.
bool truthy(const Json& v);

}  // namespace tinyforge
