#include "tinyforge/layout/layout.h"

#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include "tinyforge/families/family.h"
#include "tinyforge/layout/expression.h"
#include "tinyforge/layout/generators.h"
#include "tinyforge/util/bounds.h"

namespace tinyforge {

namespace {

// Catalog expressions parsed once per process (workers share them).
const Expression& parsed(const std::string& text) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<Expression>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto& slot = cache[text];
  if (!slot) slot = std::make_unique<Expression>(text);
  return *slot;
}

// Names resolve to loop variables, then config fields, then the type's properties (computed on use).
class Scope {
 public:
  Scope(const ModelTypeEntry& entry, const Json& config) : entry_(entry), config_(config) {}

  Json eval(const std::string& text) const {
    return parsed(text).evaluate([this](const std::string& n) { return lookup(n); });
  }
  int64_t eval_int(const std::string& text, const std::string& what) const {
    Json v = eval(text);
    if (v.is_boolean()) return v.get<bool>() ? 1 : 0;
    if (!v.is_number_integer())
      throw ConfigError(what + ": '" + text + "' is " + v.dump() + ", not an integer; check the config");
    return v.get<int64_t>();
  }
  double eval_float(const std::string& text, const std::string& what) const {
    Json v = eval(text);
    if (v.is_boolean()) return v.get<bool>() ? 1.0 : 0.0;
    if (!v.is_number()) throw ConfigError(what + ": '" + text + "' is " + v.dump() + ", not a number");
    return v.get<double>();
  }
  void bind(const std::string& var, int64_t value) { vars_[var] = value; }
  // "a=1, b=2" for the names an expression reads, for error messages.
  std::string values_of(const std::string& text) const {
    std::string out;
    for (const auto& n : parsed(text).names()) {
      if (!config_.contains(n)) continue;
      out += (out.empty() ? "" : ", ") + n + "=" + config_[n].dump();
    }
    return out;
  }

 private:
  Json lookup(const std::string& n) const {
    if (auto it = vars_.find(n); it != vars_.end()) return it->second;
    if (config_.is_object() && config_.contains(n)) return config_[n];
    if (entry_.properties.is_object() && entry_.properties.contains(n)) {
      if (auto it = memo_.find(n); it != memo_.end()) return it->second;
      if (!evaluating_.insert(n).second) throw ConfigError("property '" + n + "' refers to itself");
      Json v = eval(entry_.properties[n].get<std::string>());
      evaluating_.erase(n);
      return memo_[n] = v;
    }
    // An alias of the config class (attribute_map) reads the field it stands for, as the model's own
    // `config.num_local_experts` does.
    if (entry_.attribute_map.is_object() && entry_.attribute_map.contains(n) &&
        entry_.attribute_map[n].is_string()) {
      const std::string& field = entry_.attribute_map[n].get_ref<const std::string&>();
      if (field != n && config_.is_object() && config_.contains(field)) return config_[field];
    }
    throw ConfigError("the config has no field '" + n + "'");
  }

  const ModelTypeEntry& entry_;
  const Json& config_;
  std::map<std::string, Json> vars_;
  mutable std::map<std::string, Json> memo_;
  mutable std::set<std::string> evaluating_;
};

const Json* compiled_tensors(const ModelTypeEntry& entry, const std::string& arch) {
  const ArchitectureEntry* a = entry.find_architecture(arch);
  return a && a->tensors.is_array() ? &a->tensors : nullptr;
}

DType dtype_of(const std::string& name) {
  for (DType d : {DType::F32, DType::F16, DType::BF16, DType::F64, DType::I64, DType::I32, DType::I8,
                  DType::U8, DType::BOOL})
    if (name == dtype_name(d)) return d;
  throw UserError("catalog: unknown dtype '" + name + "'");
}

// A table transformers builds in Python, one expression per flat element `element` (a double, rounded to
// float32), then optionally raised to `power` (the float32 operands, the result rounded once: torch's pow is
// within 1 ULP of it) and offset by `offset` in float32 (tools/catalog/FORMAT.md, "Inits").
Init elementwise_init(const Json& init, const Scope& s, const std::string& tensor, const Shape& shape) {
  const int64_t n = numel(shape);
  Scope element = s;
  const std::string value = init.at("value").get<std::string>();
  std::vector<float> table(static_cast<size_t>(n));
  for (int64_t k = 0; k < n; ++k) {
    element.bind("element", k);
    table[static_cast<size_t>(k)] = static_cast<float>(element.eval_float(value, tensor));
  }
  if (init.contains("power")) {
    const auto p =
        static_cast<double>(static_cast<float>(s.eval_float(init["power"].get<std::string>(), tensor)));
    for (float& x : table) x = static_cast<float>(std::pow(static_cast<double>(x), p));
  }
  if (init.contains("offset")) {
    const auto o = static_cast<float>(s.eval_float(init["offset"].get<std::string>(), tensor));
    for (float& x : table) x += o;
  }
  return from_function(
      [table = std::move(table)](int64_t k) { return static_cast<double>(table[static_cast<size_t>(k)]); });
}

Init init_of(const Json& init, const Scope& s, const std::string& tensor, const Shape& shape) {
  const std::string kind = init.at("kind").get<std::string>();
  auto f = [&](const char* key) { return s.eval_float(init.at(key).get<std::string>(), tensor); };
  if (kind == "normal") return normal(f("std"), f("mean"));
  if (kind == "truncated_normal") {
    Init i = truncated_normal(f("std"), f("lo"), f("hi"));
    i.a = f("mean");
    return i;
  }
  if (kind == "uniform") return uniform(f("lo"), f("hi"));
  if (kind == "constant") return constant(f("value"));
  if (kind == "log_uniform") return log_uniform(f("lo"), f("hi"));
  if (kind == "log_uniform_power_minus_one") return log_uniform_power_minus_one(f("lo"), f("hi"), f("power"));
  if (kind == "inverse_softplus_log_uniform")
    return inverse_softplus_log_uniform(f("min"), f("max"), f("floor"));
  if (kind == "orthogonal") {
    if (shape.size() < 2)
      throw ConfigError("tensor '" + tensor + "': an orthogonal init needs 2 or more dimensions, not " +
                        std::to_string(shape.size()));
    return orthogonal(f("gain"));
  }
  if (kind == "elementwise") return elementwise_init(init, s, tensor, shape);
  if (kind == "generator") {
    std::map<std::string, double> args;
    const Json& a = init.value("args", Json::object());
    for (auto it = a.begin(); it != a.end(); ++it)
      args[it.key()] = s.eval_float(it.value().get<std::string>(), tensor);
    return generator_init(init.at("name").get<std::string>(), args, shape, tensor);
  }
  throw UserError("catalog: tensor '" + tensor + "' has an initialiser of unknown kind '" + kind + "'");
}

std::string expand_name(std::string name, const std::vector<std::pair<std::string, int64_t>>& vars) {
  for (const auto& [var, value] : vars) {
    const std::string key = "{" + var + "}";
    for (size_t at = name.find(key); at != std::string::npos; at = name.find(key))
      name.replace(at, key.size(), std::to_string(value));
  }
  return name;
}

void emit(const Json& e, Scope& scope, std::vector<std::pair<std::string, int64_t>>& vars, size_t depth,
          std::vector<TensorSpec>& out) {
  const std::string& tmpl = e.at("name").get_ref<const std::string&>();
  const Json& loops = e.contains("loops") ? e["loops"] : Json::array();
  if (depth < loops.size()) {
    const std::string var = loops[depth].at(0).get<std::string>();
    const std::string range = loops[depth].at(1).get<std::string>();
    const int64_t n = scope.eval_int(range, tmpl);
    if (n < 0)
      throw ConfigError("tensor '" + tmpl + "': " + range + " = " + std::to_string(n) + " is negative (" +
                        scope.values_of(range) + "); check the config");
    if (!bounds::within(n, bounds::kCount))
      throw ConfigError(bounds::limit_message("tensor '" + tmpl + "': " + range, std::to_string(n),
                                              bounds::kCount,
                                              "check " + scope.values_of(range) + " in config.json"));
    for (int64_t i = 0; i < n; ++i) {
      scope.bind(var, i);
      vars.emplace_back(var, i);
      emit(e, scope, vars, depth + 1, out);
      vars.pop_back();
    }
    return;
  }
  if (e.contains("if") && !truthy(scope.eval(e["if"].get<std::string>()))) return;
  TensorSpec spec;
  spec.name = expand_name(tmpl, vars);
  for (const auto& d : e.at("shape")) {
    const int64_t dim = scope.eval_int(d.get<std::string>(), spec.name);
    if (dim < 0)
      throw ConfigError("tensor '" + spec.name + "' would have a negative dimension (" +
                        d.get<std::string>() + " = " + std::to_string(dim) + "); check the config sizes");
    spec.shape.push_back(dim);
  }
  check_tensor_bounds(spec.name, spec.shape, out.size() + 1);
  spec.dtype = dtype_of(e.at("dtype").get<std::string>());
  spec.role = e.value("role", "parameter") == "buffer" ? TensorRole::Buffer : TensorRole::Parameter;
  spec.embedding = e.value("embedding", false);
  spec.init = init_of(e.at("init"), scope, spec.name, spec.shape);
  // zero_rows: an embedding's padding rows; set_rows: [row, value] pairs an initialiser writes after its
  // fill.
  auto set_row = [&](const std::string& row_expr, double value, const char* what) {
    Json v = scope.eval(row_expr);
    if (v.is_null()) return;
    const int64_t rows = spec.shape.empty() ? 0 : spec.shape[0];
    if (!v.is_number_integer() || v.get<int64_t>() < -rows || v.get<int64_t>() >= rows)
      throw ConfigError(spec.name + ": " + what + " " + row_expr + " = " + v.dump() + " must be within the " +
                        std::to_string(rows) + " rows of the tensor");
    const int64_t row = v.get<int64_t>();
    spec.init.set_rows.push_back({row < 0 ? row + rows : row, value});
  };
  for (const auto& r : e.value("zero_rows", Json::array()))
    set_row(r.get<std::string>(), 0.0, "padding index");
  for (const auto& r : e.value("set_rows", Json::array()))
    set_row(r.at(0).get<std::string>(), scope.eval_float(r.at(1).get<std::string>(), spec.name), "row");
  out.push_back(std::move(spec));
}

}  // namespace

void check_scalable(const ModelTypeEntry& entry, const std::string& arch,
                    const std::vector<ConfigOverride>& overrides) {
  const ArchitectureEntry* a = entry.find_architecture(arch);
  for (const auto& o : overrides) {
    // A table names a top-level field (refusing its sub-fields too) or a sub-config field (`sub.field`).
    const std::string field = o.key.substr(0, o.key.find('.'));
    for (const Json* table : {&entry.unscalable, a ? &a->unscalable : nullptr})
      for (const std::string& key : {field, o.key})
        if (table && table->is_object() && table->contains(key))
          throw UserError("--set " + o.key + ": refused for " + arch + ": " +
                          (*table)[key].get<std::string>());
  }
}

void finalize_config(const ModelTypeEntry& entry, const std::string& arch, Json& config) {
  for (const auto& rule : entry.derive) {
    Scope scope(entry, config);
    Json value = scope.eval(rule.at("expr").get<std::string>());
    // A rule on `sub.field` sets a field of the sub-config `sub` (what the parent's __post_init__ writes
    // into it, DBRX's ffn_config.hidden_size = d_model).
    const std::string field = rule.at("field").get<std::string>();
    const auto dot = field.find('.');
    const bool nested = dot != std::string::npos;
    if (nested && !(config.contains(field.substr(0, dot)) && config[field.substr(0, dot)].is_object()))
      throw UserError("catalog: derive rule on '" + field + "': '" + field.substr(0, dot) +
                      "' is not a sub-config");
    Json& owner = nested ? config[field.substr(0, dot)] : config;
    owner[nested ? field.substr(dot + 1) : field] = std::move(value);
  }
  const ArchitectureEntry* a = entry.find_architecture(arch);
  const bool compiled = a && a->tensors.is_array();
  if (compiled)
    for (auto it = a->config_set.begin(); it != a->config_set.end(); ++it) config[it.key()] = it.value();
  // A hand-written family also checks the invariants its modules assert at construction (which the compiled
  // catalog does not capture yet), so it runs for compiled architectures of its type too.
  const Family* family = find_family(entry.model_type);
  if (family) family->finalize_config(config, arch);
  if (!compiled && !(family && family->tensors)) {
    throw UserError("model type '" + entry.model_type + "' has no architecture family implemented yet");
  }
  Scope scope(entry, config);
  for (const auto& inv : entry.invariants) {
    const std::string expr = inv.at("expr").get<std::string>();
    if (!truthy(scope.eval(expr)))
      throw ConfigError(inv.at("message").get<std::string>() + " (" + scope.values_of(expr) + ")");
  }
}

std::vector<TensorSpec> architecture_tensors(const ModelTypeEntry& entry, const std::string& arch,
                                             const Json& config) {
  const Json* tensors = compiled_tensors(entry, arch);
  if (!tensors) {
    const Family* family = find_family(entry.model_type);
    if (!family || !family->tensors)
      throw UserError("model type '" + entry.model_type + "' has no architecture family implemented yet");
    return family->tensors(config, arch);
  }
  std::vector<TensorSpec> out;
  Scope scope(entry, config);
  std::vector<std::pair<std::string, int64_t>> vars;
  for (const auto& e : *tensors) emit(e, scope, vars, 0, out);
  std::set<std::string> seen;
  for (const auto& t : out)
    if (!seen.insert(t.name).second) throw UserError("catalog: tensor '" + t.name + "' is produced twice");
  return out;
}

}  // namespace tinyforge
