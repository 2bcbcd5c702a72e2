// StringNormalizer (opset 10+): drops stop words from a [C] or [1, C] string tensor, then lower- or
// upper-cases what remains (case_change_action LOWER/UPPER/NONE). Stop words match exactly, or
// after lower-casing both sides when is_case_sensitive is 0. If every element is dropped the output
// is one empty string, shaped [1] or [1, 1].
//
// Case mapping is locale-independent simple Unicode case mapping for the scripts most text uses
// (ASCII, Latin-1, Latin Extended-A, Greek, Cyrillic); other characters and invalid UTF-8 bytes
// pass through unchanged. The `locale` attribute is accepted and ignored (behaves as en_US).

#include <algorithm>
#include <string_view>
#include <unordered_set>

#include "providers/reference/misc/misc_kernels.h"

namespace berth {
namespace {

enum class CaseChange { kNone, kLower, kUpper };

char32_t ToLower(char32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 0x20;
  if ((c >= 0x100 && c <= 0x12F) || (c >= 0x132 && c <= 0x137) || (c >= 0x14A && c <= 0x177))
    return c | 1;
  if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return (c & 1) ? c + 1 : c;
  if (c == 0x178) return 0xFF;
  if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 0x20;
  if (c >= 0x410 && c <= 0x42F) return c + 0x20;
  if (c >= 0x400 && c <= 0x40F) return c + 0x50;
  return c;
}

char32_t ToUpper(char32_t c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') ? c - 32 : c;
  if (c >= 0xE0 && c <= 0xFE && c != 0xF7) return c - 0x20;
  if (c == 0xFF) return 0x178;
  if ((c >= 0x100 && c <= 0x12F) || (c >= 0x132 && c <= 0x137) || (c >= 0x14A && c <= 0x177))
    return c & ~char32_t{1};
  if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return (c & 1) ? c : c - 1;
  if (c == 0x3C2) return 0x3A3;  // final sigma
  if (c >= 0x3B1 && c <= 0x3C9) return c - 0x20;
  if (c >= 0x430 && c <= 0x44F) return c - 0x20;
  if (c >= 0x450 && c <= 0x45F) return c - 0x50;
  return c;
}

void AppendUtf8(char32_t c, std::string& out) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

// Applies `map` to every well-formed UTF-8 code point of `s`; malformed bytes are copied unchanged.
template <typename Map>
std::string MapCase(std::string_view s, Map map) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char b = static_cast<unsigned char>(s[i]);
    int len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
    bool ok = len > 0 && i + static_cast<size_t>(len) <= s.size();
    char32_t c = len == 1 ? b : len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 0x07);
    for (int k = 1; ok && k < len; ++k) {
      const unsigned char cb = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
      if ((cb & 0xC0) != 0x80) ok = false;
      c = (c << 6) | (cb & 0x3F);
    }
    if (!ok) {
      out += s[i++];
      continue;
    }
    AppendUtf8(map(c), out);
    i += static_cast<size_t>(len);
  }
  return out;
}

std::string Lower(std::string_view s) { return MapCase(s, ToLower); }
std::string Upper(std::string_view s) { return MapCase(s, ToUpper); }

class StringNormalizerKernel : public OpKernel {
 public:
  StringNormalizerKernel(CaseChange change, bool case_sensitive,
                         std::unordered_set<std::string> stopwords)
      : change_(change), case_sensitive_(case_sensitive), stopwords_(std::move(stopwords)) {}

  Status Compute(KernelContext& ctx) const override {
    const std::string where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* x, ctx.RequireInput(0));
    if (x->dtype() != DataType::kString) {
      return InvalidArgument(where + ": input must be a string tensor, got " +
                             std::string(DataTypeName(x->dtype())));
    }
    const bool two_d = x->rank() == 2;
    if (!(x->rank() == 1 || (two_d && x->dim(0) == 1))) {
      return InvalidArgument(where + ": input must have shape [C] or [1, C], got " +
                             ShapeToString(x->shape()));
    }
    const std::string* in = x->data<std::string>();
    std::vector<const std::string*> kept;
    kept.reserve(static_cast<size_t>(x->numel()));
    for (int64_t i = 0; i < x->numel(); ++i) {
      const bool stop =
          case_sensitive_ ? stopwords_.count(in[i]) > 0 : stopwords_.count(Lower(in[i])) > 0;
      if (!stop) kept.push_back(&in[i]);
    }
    const int64_t count = std::max<int64_t>(1, static_cast<int64_t>(kept.size()));
    Tensor* y = ctx.AllocateOutput(0, DataType::kString, two_d ? Shape{1, count} : Shape{count});
    std::string* out = y->data<std::string>();
    for (size_t i = 0; i < kept.size(); ++i) {
      switch (change_) {
        case CaseChange::kNone:
          out[i] = *kept[i];
          break;
        case CaseChange::kLower:
          out[i] = Lower(*kept[i]);
          break;
        case CaseChange::kUpper:
          out[i] = Upper(*kept[i]);
          break;
      }
    }
    return Status::Ok();
  }

 private:
  CaseChange change_;
  bool case_sensitive_;
  std::unordered_set<std::string> stopwords_;  // lower-cased unless case_sensitive_
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateStringNormalizer(const KernelInfo& info) {
  const std::string action = info.GetString("case_change_action", "NONE");
  CaseChange change;
  if (action == "NONE") {
    change = CaseChange::kNone;
  } else if (action == "LOWER") {
    change = CaseChange::kLower;
  } else if (action == "UPPER") {
    change = CaseChange::kUpper;
  } else {
    return InvalidArgument(info.NodeLabel() +
                           ": case_change_action must be NONE, LOWER or UPPER, got '" + action +
                           "'");
  }
  const bool case_sensitive = info.GetInt("is_case_sensitive", 0) != 0;
  std::unordered_set<std::string> stopwords;
  for (const std::string& w : info.GetStrings("stopwords"))
    stopwords.insert(case_sensitive ? w : Lower(w));
  return MakeKernel<StringNormalizerKernel>(change, case_sensitive, std::move(stopwords));
}

}  // namespace berth
