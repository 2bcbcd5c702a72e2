#include "repository/model_config.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/json_util.h>

#include <cctype>
#include <limits>
#include <nlohmann/json.hpp>

namespace berth {

namespace {

namespace pb = google::protobuf;

// Collects the parser's complaints. Protobuf numbers lines and columns from 0; people from 1.
class ConfigErrorCollector : public pb::io::ErrorCollector {
 public:
  explicit ConfigErrorCollector(const std::string& source) : source_(source) {}

  void AddError(int line, pb::io::ColumnNumber column, const std::string& message) override {
    if (first_error_.empty()) first_error_ = Where(line, column) + message;
  }
  // Only the line: protobuf reports an unknown field at the token after its name.
  void AddWarning(int line, pb::io::ColumnNumber column, const std::string& message) override {
    warnings_.push_back((line < 0 ? source_ : source_ + ":" + std::to_string(line + 1)) + ": " + Rephrase(message));
  }

  const std::string& first_error() const { return first_error_; }
  std::vector<std::string> TakeWarnings() { return std::move(warnings_); }

 private:
  std::string Where(int line, pb::io::ColumnNumber column) const {
    if (line < 0) return source_ + ": ";
    return source_ + ":" + std::to_string(line + 1) + ":" + std::to_string(column + 1) + ": ";
  }

  // Protobuf says: Message type "inference.ModelConfig" has no field named "foo".
  // We say:        unknown field 'foo' in inference.ModelConfig (ignored)
  static std::string Rephrase(const std::string& message) {
    static constexpr std::string_view kType = "Message type \"";
    static constexpr std::string_view kField = "\" has no field named \"";
    if (message.rfind(kType, 0) != 0) return message;
    size_t type_end = message.find(kField);
    if (type_end == std::string::npos) return message;
    size_t field_begin = type_end + kField.size();
    size_t field_end = message.find('"', field_begin);
    if (field_end == std::string::npos) return message;
    std::string type = message.substr(kType.size(), type_end - kType.size());
    std::string field = message.substr(field_begin, field_end - field_begin);
    return "unknown field '" + field + "' in " + type + " (ignored)";
  }

  std::string source_;
  std::string first_error_;
  std::vector<std::string> warnings_;
};

// Protobuf's text parser can skip an unknown field written `name { ... }` or `name: [ ... ]`, but not
// `name [ { ... } ]` (no colon before a list of messages) — which Triton configs use everywhere
// (`control_input [ ... ]` in sequence_batching, `step [ ... ]` in ensembles). For known fields both
// spellings mean the same, so the colon is added wherever a field name is followed by '[': the
// space before '[' becomes ':' (so line and column numbers in messages stay right), or a ':' is
// inserted when there is none.
std::string AddColonsBeforeLists(std::string_view text) {
  enum class Kind { kNone, kIdentifier, kSymbol, kOther };
  struct Token {
    Kind kind = Kind::kNone;
    char symbol = 0;
    size_t end = 0;  // one past the last byte
  };
  auto is_ident_start = [](char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; };
  auto is_ident = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };

  std::string out(text);
  std::vector<size_t> colon_at;  // positions (in `text`) where ':' goes before the byte there
  Token before_previous, previous;
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    if (c == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
      continue;
    }
    Token token;
    if (c == '"' || c == '\'') {
      size_t j = i + 1;
      while (j < text.size() && text[j] != c && text[j] != '\n') j += text[j] == '\\' ? 2 : 1;
      token = {Kind::kOther, 0, std::min(j + 1, text.size())};
    } else if (is_ident_start(c)) {
      size_t j = i;
      while (j < text.size() && is_ident(text[j])) ++j;
      token = {Kind::kIdentifier, 0, j};
    } else if (std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '.') {
      size_t j = i + 1;
      while (j < text.size() && (is_ident(text[j]) || text[j] == '.' ||
                                 ((text[j] == '-' || text[j] == '+') && (text[j - 1] == 'e' || text[j - 1] == 'E')))) {
        ++j;
      }
      token = {Kind::kOther, 0, j};
    } else {
      token = {Kind::kSymbol, c, i + 1};
    }
    // A field name (an identifier not after ':', '[' or ',', where identifiers are values) followed by '['.
    if (token.kind == Kind::kSymbol && token.symbol == '[' && previous.kind == Kind::kIdentifier &&
        !(before_previous.kind == Kind::kSymbol &&
          (before_previous.symbol == ':' || before_previous.symbol == '[' || before_previous.symbol == ','))) {
      if (previous.end < i && (text[previous.end] == ' ' || text[previous.end] == '\t')) {
        out[previous.end] = ':';
      } else {
        colon_at.push_back(i);
      }
    }
    before_previous = previous;
    previous = token;
    i = token.end;
  }
  for (auto it = colon_at.rbegin(); it != colon_at.rend(); ++it) out.insert(*it, 1, ':');
  return out;
}

bool Is64BitInteger(const pb::FieldDescriptor& field) {
  switch (field.cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_INT64:
    case pb::FieldDescriptor::CPPTYPE_UINT64: return true;
    default: return false;
  }
}

nlohmann::json IntegerFromJsonString(const nlohmann::json& value, bool is_unsigned) {
  if (!value.is_string()) return value;
  const std::string& s = value.get_ref<const std::string&>();
  try {
    size_t used = 0;
    if (is_unsigned) {
      unsigned long long v = std::stoull(s, &used);
      if (used == s.size()) return nlohmann::json(static_cast<uint64_t>(v));
    } else {
      long long v = std::stoll(s, &used);
      if (used == s.size()) return nlohmann::json(static_cast<int64_t>(v));
    }
  } catch (const std::exception&) {
  }
  return value;
}

// Proto3 JSON writes 64-bit integers as strings ("dims": ["-1", "3"]); Triton's config JSON, and the
// clients reading it, use numbers. Walks the JSON alongside the message descriptor and converts them.
void NumbersFor64BitFields(const pb::Descriptor& descriptor, nlohmann::json& object) {
  if (!object.is_object()) return;
  for (auto& [key, value] : object.items()) {
    const pb::FieldDescriptor* field = descriptor.FindFieldByName(key);
    if (field == nullptr) continue;
    bool is_unsigned = field->cpp_type() == pb::FieldDescriptor::CPPTYPE_UINT64;
    if (field->is_map()) {
      // Map values: the map entry's field 2. (Keys are JSON object keys and stay strings.)
      const pb::FieldDescriptor* map_value = field->message_type()->FindFieldByNumber(2);
      if (!value.is_object() || map_value == nullptr) continue;
      for (auto& [map_key, entry] : value.items()) {
        if (map_value->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
          NumbersFor64BitFields(*map_value->message_type(), entry);
        } else if (Is64BitInteger(*map_value)) {
          entry = IntegerFromJsonString(entry, map_value->cpp_type() == pb::FieldDescriptor::CPPTYPE_UINT64);
        }
      }
    } else if (field->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      if (value.is_array()) {
        for (auto& element : value) NumbersFor64BitFields(*field->message_type(), element);
      } else {
        NumbersFor64BitFields(*field->message_type(), value);
      }
    } else if (Is64BitInteger(*field)) {
      if (value.is_array()) {
        for (auto& element : value) element = IntegerFromJsonString(element, is_unsigned);
      } else {
        value = IntegerFromJsonString(value, is_unsigned);
      }
    }
  }
}

}  // namespace

StatusOr<ParsedModelConfig> ParseModelConfig(std::string_view text, const std::string& source) {
  ParsedModelConfig parsed;
  ConfigErrorCollector collector(source);
  pb::TextFormat::Parser parser;
  parser.RecordErrorsTo(&collector);
  parser.AllowUnknownField(true);
  if (text.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return InvalidArgument(source + ": file is too large");
  }
  const std::string normalized = AddColonsBeforeLists(text);
  pb::io::ArrayInputStream input(normalized.data(), static_cast<int>(normalized.size()));
  if (!parser.Parse(&input, &parsed.config)) {
    std::string error = collector.first_error();
    if (error.empty()) error = source + ": not a valid model configuration";
    return InvalidArgument(error);
  }
  parsed.warnings = collector.TakeWarnings();
  return parsed;
}

DataType FromConfigDataType(inference::DataType type) {
  switch (type) {
    case inference::TYPE_BOOL: return DataType::kBool;
    case inference::TYPE_UINT8: return DataType::kUint8;
    case inference::TYPE_UINT16: return DataType::kUint16;
    case inference::TYPE_UINT32: return DataType::kUint32;
    case inference::TYPE_UINT64: return DataType::kUint64;
    case inference::TYPE_INT8: return DataType::kInt8;
    case inference::TYPE_INT16: return DataType::kInt16;
    case inference::TYPE_INT32: return DataType::kInt32;
    case inference::TYPE_INT64: return DataType::kInt64;
    case inference::TYPE_FP16: return DataType::kFloat16;
    case inference::TYPE_FP32: return DataType::kFloat32;
    case inference::TYPE_FP64: return DataType::kFloat64;
    case inference::TYPE_STRING: return DataType::kString;
    case inference::TYPE_BF16: return DataType::kBFloat16;
    default: return DataType::kUndefined;
  }
}

inference::DataType ToConfigDataType(DataType type) {
  switch (type) {
    case DataType::kBool: return inference::TYPE_BOOL;
    case DataType::kUint8: return inference::TYPE_UINT8;
    case DataType::kUint16: return inference::TYPE_UINT16;
    case DataType::kUint32: return inference::TYPE_UINT32;
    case DataType::kUint64: return inference::TYPE_UINT64;
    case DataType::kInt8: return inference::TYPE_INT8;
    case DataType::kInt16: return inference::TYPE_INT16;
    case DataType::kInt32: return inference::TYPE_INT32;
    case DataType::kInt64: return inference::TYPE_INT64;
    case DataType::kFloat16: return inference::TYPE_FP16;
    case DataType::kFloat32: return inference::TYPE_FP32;
    case DataType::kFloat64: return inference::TYPE_FP64;
    case DataType::kString: return inference::TYPE_STRING;
    case DataType::kBFloat16: return inference::TYPE_BF16;
    default: return inference::TYPE_INVALID;
  }
}

std::string ConfigDataTypeName(inference::DataType type) {
  const std::string& name = inference::DataType_Name(type);
  return name.empty() ? "TYPE_" + std::to_string(static_cast<int>(type)) : name;
}

StatusOr<std::string> ModelConfigToJson(const inference::ModelConfig& config) {
  pb::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string json;
  pb::util::Status status = pb::util::MessageToJsonString(config, &json, options);
  if (!status.ok()) return Internal("model config to JSON: " + std::string(status.message()));
  nlohmann::json parsed = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return Internal("model config to JSON: protobuf wrote invalid JSON");
  NumbersFor64BitFields(*inference::ModelConfig::descriptor(), parsed);
  return parsed.dump();
}

}  // namespace berth
