#include "tinyforge/layout/expression.h"

#include <cctype>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "tinyforge/catalog/config.h"

namespace tinyforge {

namespace {
constexpr int kMaxDepth = 200;         // nesting the parser accepts
constexpr int64_t kMaxList = 1 << 20;  // elements a range or comprehension may produce
}  // namespace

enum class Op {
  Literal,
  Name,
  List,
  Attr,
  Index,
  Call,
  Unary,
  Binary,
  BoolAnd,
  BoolOr,
  Not,
  Compare,
  IfElse,
  Comprehension
};

struct ExprNode {
  Op op = Op::Literal;
  Json value;        // Literal
  std::string name;  // Name, Attr (attribute), Call (function), Unary/Binary (operator), Comprehension var
  std::vector<std::string> cmp;  // Compare: the operators between kids
  std::vector<std::unique_ptr<ExprNode>> kids;
};

namespace {

[[noreturn]] void fail(const std::string& text, const std::string& what) {
  throw ConfigError("expression '" + text + "': " + what);
}

// ---- parsing -----------------------------------------------------------------------------------------
struct Token {
  enum Kind { Num, Str, Ident, Sym, End } kind;
  std::string text;
  Json value;
};

std::vector<Token> tokenize(const std::string& s) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (std::isdigit(static_cast<unsigned char>(c)) ||
               (c == '.' && i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
      size_t j = i;
      bool is_float = false;
      while (j < s.size() && (std::isdigit(static_cast<unsigned char>(s[j])) || s[j] == '.' || s[j] == '_')) {
        is_float = is_float || s[j] == '.';
        ++j;
      }
      if (j < s.size() && (s[j] == 'e' || s[j] == 'E')) {
        is_float = true;
        ++j;
        if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
        while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
      }
      std::string num = s.substr(i, j - i);
      std::erase(num, '_');
      Token t{Token::Num, num, Json()};
      try {
        if (is_float) {
          t.value = std::stod(num);
        } else {
          t.value = static_cast<int64_t>(std::stoll(num));
        }
      } catch (const std::exception&) {
        fail(s, "number '" + num + "' out of range");
      }
      out.push_back(std::move(t));
      i = j;
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t j = i;
      while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_')) ++j;
      out.push_back({Token::Ident, s.substr(i, j - i), Json()});
      i = j;
    } else if (c == '\'' || c == '"') {
      size_t j = i + 1;
      std::string str;
      while (j < s.size() && s[j] != c) {
        if (s[j] == '\\' && j + 1 < s.size()) ++j;
        str += s[j++];
      }
      if (j >= s.size()) fail(s, "unterminated string");
      out.push_back({Token::Str, str, Json(str)});
      i = j + 1;
    } else {
      static const char* kTwo[] = {"**", "//", "==", "!=", "<=", ">="};
      std::string sym(1, c);
      for (const char* two : kTwo)
        if (s.compare(i, 2, two) == 0) sym = two;
      if (std::string("+-*/%()[],.<>").find(c) == std::string::npos && sym.size() == 1)
        fail(s, std::string("unexpected character '") + c + "'");
      out.push_back({Token::Sym, sym, Json()});
      i += sym.size();
    }
  }
  out.push_back({Token::End, "", Json()});
  return out;
}

using NodePtr = std::unique_ptr<ExprNode>;

NodePtr node(Op op, std::string name = {}) {
  auto n = std::make_unique<ExprNode>();
  n->op = op;
  n->name = std::move(name);
  return n;
}

class Parser {
 public:
  Parser(const std::string& text) : text_(text), toks_(tokenize(text)) {}

  NodePtr parse() {
    NodePtr n = conditional();
    if (toks_[pos_].kind != Token::End) fail(text_, "unexpected '" + toks_[pos_].text + "'");
    return n;
  }

 private:
  bool is(const char* s) const {
    const Token& t = toks_[pos_];
    return (t.kind == Token::Sym || t.kind == Token::Ident) && t.text == s;
  }
  bool accept(const char* s) {
    if (!is(s)) return false;
    ++pos_;
    return true;
  }
  void expect(const char* s) {
    if (!accept(s)) fail(text_, std::string("expected '") + s + "'");
  }
  struct Depth {
    Parser& p;
    explicit Depth(Parser& parser) : p(parser) {
      if (++p.depth_ > kMaxDepth) fail(p.text_, "nested too deeply");
    }
    ~Depth() { --p.depth_; }
  };

  NodePtr conditional() {
    Depth d(*this);
    NodePtr body = disjunction();
    if (!accept("if")) return body;
    NodePtr cond = disjunction();
    expect("else");
    NodePtr other = conditional();
    auto n = node(Op::IfElse);
    n->kids.push_back(std::move(cond));
    n->kids.push_back(std::move(body));
    n->kids.push_back(std::move(other));
    return n;
  }
  // left (op right)*, left-associative, for `or` and `and`.
  NodePtr bool_chain(NodePtr (Parser::*next)(), const char* word, Op op) {
    NodePtr left = (this->*next)();
    while (accept(word)) {
      auto n = node(op);
      n->kids.push_back(std::move(left));
      n->kids.push_back((this->*next)());
      left = std::move(n);
    }
    return left;
  }
  NodePtr disjunction() { return bool_chain(&Parser::conjunction, "or", Op::BoolOr); }
  NodePtr conjunction() { return bool_chain(&Parser::negation, "and", Op::BoolAnd); }
  NodePtr negation() {
    Depth d(*this);
    if (accept("not")) {
      auto n = node(Op::Not);
      n->kids.push_back(negation());
      return n;
    }
    return comparison();
  }
  NodePtr comparison() {
    NodePtr first = sum();
    auto n = node(Op::Compare);
    n->kids.push_back(std::move(first));
    while (true) {
      std::string op;
      if (is("==") || is("!=") || is("<") || is(">") || is("<=") || is(">=")) {
        op = toks_[pos_++].text;
      } else if (accept("in")) {
        op = "in";
      } else if (is("not") && toks_[pos_ + 1].text == "in") {
        pos_ += 2;
        op = "not in";
      } else if (accept("is")) {
        op = accept("not") ? "is not" : "is";
      } else {
        break;
      }
      n->cmp.push_back(op);
      n->kids.push_back(sum());
    }
    if (n->cmp.empty()) return std::move(n->kids[0]);
    return n;
  }
  NodePtr binary_chain(NodePtr (Parser::*next)(), std::initializer_list<const char*> ops) {
    NodePtr left = (this->*next)();
    while (true) {
      const char* found = nullptr;
      for (const char* o : ops)
        if (is(o)) found = o;
      if (!found) return left;
      ++pos_;
      auto n = node(Op::Binary, found);
      n->kids.push_back(std::move(left));
      n->kids.push_back((this->*next)());
      left = std::move(n);
    }
  }
  NodePtr sum() { return binary_chain(&Parser::term, {"+", "-"}); }
  NodePtr term() { return binary_chain(&Parser::factor, {"*", "/", "//", "%"}); }
  NodePtr factor() {
    Depth d(*this);
    if (is("-") || is("+")) {
      auto n = node(Op::Unary, toks_[pos_++].text);
      n->kids.push_back(factor());
      return n;
    }
    return power();
  }
  NodePtr power() {
    NodePtr base = postfix();
    if (!accept("**")) return base;
    auto n = node(Op::Binary, "**");
    n->kids.push_back(std::move(base));
    n->kids.push_back(factor());  // right-associative, binds a unary minus on its right: 2 ** -1
    return n;
  }
  NodePtr postfix() {
    NodePtr n = atom();
    while (true) {
      if (accept(".")) {
        if (toks_[pos_].kind != Token::Ident) fail(text_, "expected an attribute name");
        auto a = node(Op::Attr, toks_[pos_++].text);
        a->kids.push_back(std::move(n));
        n = std::move(a);
      } else if (accept("[")) {
        auto ix = node(Op::Index);
        ix->kids.push_back(std::move(n));
        ix->kids.push_back(conditional());
        expect("]");
        n = std::move(ix);
      } else if (is("(") && n->op == Op::Name) {
        ++pos_;
        auto call = node(Op::Call, n->name);
        if (!accept(")")) {
          do {
            call->kids.push_back(conditional());
          } while (accept(","));
          expect(")");
        }
        n = std::move(call);
      } else {
        return n;
      }
    }
  }
  NodePtr sequence(const char* close) {
    auto list = node(Op::List);
    if (accept(close)) return list;
    NodePtr first = conditional();
    if (accept("for")) {  // [E for v in ITER (if C)]
      if (toks_[pos_].kind != Token::Ident) fail(text_, "expected a loop variable");
      auto comp = node(Op::Comprehension, toks_[pos_++].text);
      expect("in");
      comp->kids.push_back(std::move(first));
      comp->kids.push_back(disjunction());
      if (accept("if")) comp->kids.push_back(disjunction());
      expect(close);
      return comp;
    }
    list->kids.push_back(std::move(first));
    while (accept(",")) {
      if (is(close)) break;
      list->kids.push_back(conditional());
    }
    expect(close);
    return list;
  }
  NodePtr atom() {
    Depth d(*this);
    const Token& t = toks_[pos_];
    if (t.kind == Token::Num || t.kind == Token::Str) {
      auto n = node(Op::Literal);
      n->value = t.value;
      ++pos_;
      return n;
    }
    if (t.kind == Token::Ident) {
      ++pos_;
      auto n = node(Op::Literal);
      if (t.text == "True")
        n->value = true;
      else if (t.text == "False")
        n->value = false;
      else if (t.text == "None")
        n->value = nullptr;
      else
        return node(Op::Name, t.text);
      return n;
    }
    if (accept("(")) {
      NodePtr inner = sequence(")");
      // (x) is x; (x, y) is a list.
      if (inner->op == Op::List && inner->kids.size() == 1 && toks_[pos_ - 2].text != ",")
        return std::move(inner->kids[0]);
      return inner;
    }
    if (accept("[")) return sequence("]");
    fail(text_, t.kind == Token::End ? "unexpected end" : "unexpected '" + t.text + "'");
  }

  const std::string& text_;
  std::vector<Token> toks_;
  size_t pos_ = 0;
  int depth_ = 0;
};

// ---- evaluation --------------------------------------------------------------------------------------
bool is_int(const Json& v) { return v.is_number_integer() || v.is_boolean(); }
bool is_num(const Json& v) { return v.is_number() || v.is_boolean(); }
int64_t as_int(const Json& v) { return v.is_boolean() ? (v.get<bool>() ? 1 : 0) : v.get<int64_t>(); }
double as_float(const Json& v) { return v.is_boolean() ? (v.get<bool>() ? 1.0 : 0.0) : v.get<double>(); }

std::string type_name(const Json& v) {
  if (v.is_null()) return "None";
  if (v.is_boolean()) return "bool";
  if (v.is_number_integer()) return "int";
  if (v.is_number()) return "float";
  if (v.is_string()) return "str";
  if (v.is_array()) return "list";
  return "object";
}

int compare_values(const std::string& text, const Json& a, const Json& b) {
  if (is_num(a) && is_num(b)) {
    if (is_int(a) && is_int(b)) return as_int(a) < as_int(b) ? -1 : as_int(a) > as_int(b);
    const double x = as_float(a), y = as_float(b);
    return x < y ? -1 : x > y;
  }
  if (a.is_string() && b.is_string())
    return a.get<std::string>().compare(b.get<std::string>()) < 0 ? -1 : a != b;
  fail(text, "cannot order " + type_name(a) + " and " + type_name(b));
}

bool equal_values(const Json& a, const Json& b) {
  if (is_num(a) && is_num(b)) {
    if (is_int(a) && is_int(b)) return as_int(a) == as_int(b);
    return as_float(a) == as_float(b);
  }
  if (a.is_array() && b.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (!equal_values(a[i], b[i])) return false;
    return true;
  }
  return a == b;
}

// a op b on int64, or an error naming the expression when the result does not fit.
template <typename F>
int64_t checked(const std::string& text, F op, int64_t a, int64_t b) {
  int64_t r = 0;
  if (op(a, b, &r)) fail(text, "integer overflow");
  return r;
}

Json arithmetic(const std::string& text, const std::string& op, const Json& a, const Json& b) {
  if (op == "+" && a.is_string() && b.is_string()) return a.get<std::string>() + b.get<std::string>();
  if (op == "+" && a.is_array() && b.is_array()) {
    Json out = a;
    for (const auto& x : b) out.push_back(x);
    return out;
  }
  if (op == "*" && (a.is_array() || b.is_array()) && (is_int(a) || is_int(b))) {
    const Json& list = a.is_array() ? a : b;
    const int64_t n = as_int(a.is_array() ? b : a);
    if (n > 0 && static_cast<int64_t>(list.size()) * n > kMaxList) fail(text, "list too long");
    Json out = Json::array();
    for (int64_t i = 0; i < n; ++i)
      for (const auto& x : list) out.push_back(x);
    return out;
  }
  if (!is_num(a) || !is_num(b))
    fail(text, "unsupported operand types for " + op + ": " + type_name(a) + " and " + type_name(b));
  if (is_int(a) && is_int(b) && op != "/") {
    const int64_t x = as_int(a), y = as_int(b);
    if (op == "+")
      return checked(
          text, [](int64_t p, int64_t q, int64_t* r) { return __builtin_add_overflow(p, q, r); }, x, y);
    if (op == "-")
      return checked(
          text, [](int64_t p, int64_t q, int64_t* r) { return __builtin_sub_overflow(p, q, r); }, x, y);
    if (op == "*")
      return checked(
          text, [](int64_t p, int64_t q, int64_t* r) { return __builtin_mul_overflow(p, q, r); }, x, y);
    if (op == "//" || op == "%") {
      if (y == 0) fail(text, "division by zero");
      if (x == std::numeric_limits<int64_t>::min() && y == -1) fail(text, "integer overflow");
      int64_t q = x / y, m = x % y;
      if (m != 0 && ((m < 0) != (y < 0))) {
        --q;
        m += y;
      }
      return op == "//" ? q : m;
    }
    if (op == "**") {
      if (y < 0) return std::pow(static_cast<double>(x), static_cast<double>(y));
      int64_t result = 1;
      for (int64_t i = 0; i < y; ++i)
        if (__builtin_mul_overflow(result, x, &result)) fail(text, "integer overflow");
      return result;
    }
  }
  const double x = as_float(a), y = as_float(b);
  if (op == "+") return x + y;
  if (op == "-") return x - y;
  if (op == "*") return x * y;
  if (op == "/") {
    if (y == 0.0) fail(text, "division by zero");
    return x / y;
  }
  if (op == "//" || op == "%") {
    if (y == 0.0) fail(text, "division by zero");
    double m = std::fmod(x, y);
    if (m != 0.0 && ((m < 0) != (y < 0))) m += y;
    if (op == "%") return m;
    return std::round((x - m) / y);  // CPython's float floor division: (x - x % y) / y
  }
  if (op == "**") return std::pow(x, y);
  fail(text, "unknown operator " + op);
}

Json to_list(const std::string& text, const Json& v) {
  if (v.is_array()) return v;
  if (v.is_string()) {
    Json out = Json::array();
    for (char c : v.get<std::string>()) out.push_back(std::string(1, c));
    return out;
  }
  fail(text, "cannot iterate over " + type_name(v));
}

Json range_of(const std::string& text, int64_t start, int64_t stop) {
  if (stop - start > kMaxList) fail(text, "range of " + std::to_string(stop - start) + " is too long");
  Json out = Json::array();
  for (int64_t i = start; i < stop; ++i) out.push_back(i);
  return out;
}

struct Evaluator {
  const std::string& text;
  const Expression::Lookup& lookup;
  std::map<std::string, Json> bound;  // comprehension variables

  Json name(const std::string& n) {
    if (auto it = bound.find(n); it != bound.end()) return it->second;
    return lookup(n);
  }

  Json call(const ExprNode& n) {
    std::vector<Json> args;
    for (const auto& k : n.kids) args.push_back(eval(*k));
    const std::string& f = n.name;
    auto need = [&](size_t count) {
      if (args.size() != count) fail(text, f + "() takes " + std::to_string(count) + " argument(s)");
    };
    auto num = [&](const Json& v) {
      if (!is_num(v)) fail(text, f + "() of " + type_name(v));
      return as_float(v);
    };
    if (f == "len") {
      need(1);
      if (args[0].is_string()) return static_cast<int64_t>(args[0].get<std::string>().size());
      if (!args[0].is_array() && !args[0].is_object()) fail(text, "len() of " + type_name(args[0]));
      return static_cast<int64_t>(args[0].size());
    }
    if (f == "sum") {  // sum(items) or sum(items, start): sum(lists, []) concatenates
      if (args.empty() || args.size() > 2 || !args[0].is_array())
        fail(text, "sum() takes a list and an optional start value");
      Json total = args.size() == 2 ? args[1] : Json(static_cast<int64_t>(0));
      for (const auto& x : args[0]) total = arithmetic(text, "+", total, x);
      return total;
    }
    if (f == "min" || f == "max") {
      std::vector<Json> items = args;
      if (args.size() == 1 && args[0].is_array()) items.assign(args[0].begin(), args[0].end());
      if (items.empty()) fail(text, f + "() of nothing");
      Json best = items[0];
      for (const auto& x : items)
        if ((f == "min") ? compare_values(text, x, best) < 0 : compare_values(text, x, best) > 0) best = x;
      return best;
    }
    if (f == "abs") {
      need(1);
      if (is_int(args[0]))
        return as_int(args[0]) < 0 ? arithmetic(text, "-", 0, args[0]) : Json(as_int(args[0]));
      return std::fabs(num(args[0]));
    }
    if (f == "int") {
      need(1);
      if (args[0].is_string()) {
        try {
          return static_cast<int64_t>(std::stoll(args[0].get<std::string>()));
        } catch (const std::exception&) {
          fail(text, "int() of '" + args[0].get<std::string>() + "'");
        }
      }
      if (is_int(args[0])) return as_int(args[0]);
      const double v = num(args[0]);
      if (!std::isfinite(v) || std::fabs(v) > 9.2e18) fail(text, "int() out of range");
      return static_cast<int64_t>(std::trunc(v));
    }
    if (f == "float") {
      need(1);
      return num(args[0]);
    }
    if (f == "bool") {
      need(1);
      return truthy(args[0]);
    }
    if (f == "range") {
      if (args.size() != 1 && args.size() != 2) fail(text, "range() takes 1 or 2 arguments");
      for (const auto& a : args)
        if (!is_int(a)) fail(text, "range() of " + type_name(a));
      return args.size() == 1 ? range_of(text, 0, as_int(args[0]))
                              : range_of(text, as_int(args[0]), as_int(args[1]));
    }
    if (f == "list") {
      need(1);
      return to_list(text, args[0]);
    }
    if (f == "ceil" || f == "floor") {
      need(1);
      if (is_int(args[0])) return as_int(args[0]);
      const double v = f == "ceil" ? std::ceil(num(args[0])) : std::floor(num(args[0]));
      if (!std::isfinite(v) || std::fabs(v) > 9.2e18) fail(text, f + "() out of range");
      return static_cast<int64_t>(v);
    }
    if (f == "sqrt" || f == "log" || f == "exp" || f == "log2") {
      need(1);
      const double v = num(args[0]);
      if ((f == "sqrt" && v < 0) || ((f == "log" || f == "log2") && v <= 0)) fail(text, "math domain error");
      if (f == "sqrt") return std::sqrt(v);
      if (f == "log") return std::log(v);
      if (f == "log2") return std::log2(v);
      return std::exp(v);
    }
    fail(text, "unknown function " + f + "()");
  }

  Json eval(const ExprNode& n) {
    switch (n.op) {
      case Op::Literal:
        return n.value;
      case Op::Name:
        return name(n.name);
      case Op::List: {
        Json out = Json::array();
        for (const auto& k : n.kids) out.push_back(eval(*k));
        return out;
      }
      case Op::Attr: {
        Json obj = eval(*n.kids[0]);
        if (!obj.is_object() || !obj.contains(n.name)) fail(text, "no attribute '" + n.name + "'");
        return obj[n.name];
      }
      case Op::Index: {
        Json obj = eval(*n.kids[0]);
        Json key = eval(*n.kids[1]);
        if (obj.is_object()) {
          if (!key.is_string() || !obj.contains(key.get<std::string>())) fail(text, "no key " + key.dump());
          return obj[key.get<std::string>()];
        }
        if (!obj.is_array() && !obj.is_string()) fail(text, "cannot index " + type_name(obj));
        if (!is_int(key)) fail(text, "index of type " + type_name(key));
        const int64_t size = obj.is_array() ? static_cast<int64_t>(obj.size())
                                            : static_cast<int64_t>(obj.get<std::string>().size());
        int64_t i = as_int(key);
        if (i < 0) i += size;
        if (i < 0 || i >= size) fail(text, "index " + std::to_string(as_int(key)) + " out of range");
        if (obj.is_string()) return std::string(1, obj.get<std::string>()[static_cast<size_t>(i)]);
        return obj[static_cast<size_t>(i)];
      }
      case Op::Call:
        return call(n);
      case Op::Unary: {
        Json v = eval(*n.kids[0]);
        if (!is_num(v)) fail(text, "bad operand type for unary " + n.name + ": " + type_name(v));
        if (n.name == "+") return is_int(v) ? Json(as_int(v)) : v;
        return arithmetic(text, "-", is_int(v) ? Json(static_cast<int64_t>(0)) : Json(0.0), v);
      }
      case Op::Binary:
        return arithmetic(text, n.name, eval(*n.kids[0]), eval(*n.kids[1]));
      case Op::BoolAnd: {
        Json a = eval(*n.kids[0]);
        return truthy(a) ? eval(*n.kids[1]) : a;
      }
      case Op::BoolOr: {
        Json a = eval(*n.kids[0]);
        return truthy(a) ? a : eval(*n.kids[1]);
      }
      case Op::Not:
        return !truthy(eval(*n.kids[0]));
      case Op::Compare: {
        Json left = eval(*n.kids[0]);
        for (size_t i = 0; i < n.cmp.size(); ++i) {
          Json right = eval(*n.kids[i + 1]);
          const std::string& op = n.cmp[i];
          bool ok;
          if (op == "==")
            ok = equal_values(left, right);
          else if (op == "!=")
            ok = !equal_values(left, right);
          else if (op == "is")
            ok = left.is_null() == right.is_null() && (left.is_null() || left == right);
          else if (op == "is not")
            ok = !(left.is_null() == right.is_null() && (left.is_null() || left == right));
          else if (op == "in" || op == "not in") {
            bool found = false;
            if (right.is_array()) {
              for (const auto& x : right) found = found || equal_values(x, left);
            } else if (right.is_string() && left.is_string()) {
              found = right.get<std::string>().find(left.get<std::string>()) != std::string::npos;
            } else if (right.is_object() && left.is_string()) {
              found = right.contains(left.get<std::string>());
            } else {
              fail(text, "'in' on " + type_name(right));
            }
            ok = (op == "in") == found;
          } else {
            const int c = compare_values(text, left, right);
            ok = op == "<" ? c < 0 : op == "<=" ? c <= 0 : op == ">" ? c > 0 : c >= 0;
          }
          if (!ok) return false;
          left = std::move(right);
        }
        return true;
      }
      case Op::IfElse:
        return truthy(eval(*n.kids[0])) ? eval(*n.kids[1]) : eval(*n.kids[2]);
      case Op::Comprehension: {
        Json items = to_list(text, eval(*n.kids[1]));
        Json out = Json::array();
        auto saved = bound.find(n.name) != bound.end() ? std::optional<Json>(bound[n.name]) : std::nullopt;
        for (const auto& item : items) {
          bound[n.name] = item;
          if (n.kids.size() > 2 && !truthy(eval(*n.kids[2]))) continue;
          out.push_back(eval(*n.kids[0]));
        }
        if (saved)
          bound[n.name] = *saved;
        else
          bound.erase(n.name);
        return out;
      }
    }
    fail(text, "bad expression");
  }
};

void collect_names(const ExprNode& n, std::set<std::string>& bound, std::vector<std::string>& out) {
  if (n.op == Op::Name && !bound.count(n.name) && std::find(out.begin(), out.end(), n.name) == out.end())
    out.push_back(n.name);
  if (n.op == Op::Comprehension) {
    collect_names(*n.kids[1], bound, out);
    const bool fresh = bound.insert(n.name).second;
    collect_names(*n.kids[0], bound, out);
    if (n.kids.size() > 2) collect_names(*n.kids[2], bound, out);
    if (fresh) bound.erase(n.name);
    return;
  }
  for (const auto& k : n.kids) collect_names(*k, bound, out);
}

}  // namespace

bool truthy(const Json& v) {
  if (v.is_null()) return false;
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_number_integer()) return v.get<int64_t>() != 0;
  if (v.is_number()) return v.get<double>() != 0.0;
  if (v.is_string()) return !v.get<std::string>().empty();
  return !v.empty();
}

Expression::Expression(std::string text) : text_(std::move(text)) { root_ = Parser(text_).parse(); }
Expression::~Expression() = default;
Expression::Expression(Expression&&) noexcept = default;
Expression& Expression::operator=(Expression&&) noexcept = default;

Json Expression::evaluate(const Lookup& lookup) const {
  Evaluator e{text_, lookup, {}};
  return e.eval(*root_);
}

std::vector<std::string> Expression::names() const {
  std::set<std::string> bound;
  std::vector<std::string> out;
  collect_names(*root_, bound, out);
  return out;
}

}  // namespace tinyforge
