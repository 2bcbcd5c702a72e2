#pragma once
// Appending JSON text to a std::string without building a document first. Responses can carry
// hundreds of thousands of numbers; std::to_chars writes each one in its shortest exact form.
// Non-finite floats are written as NaN, Infinity and -Infinity (what Python's json module reads and
// writes), since JSON has no spelling for them.

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

namespace berth {

// Appends `text` as a quoted JSON string. Control characters are escaped; bytes that are not valid
// UTF-8 become U+FFFD so the document always parses (use the binary extension for exact bytes).
void AppendJsonString(std::string& out, std::string_view text);

inline void AppendJsonInt(std::string& out, int64_t value) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, end);
}

inline void AppendJsonUint(std::string& out, uint64_t value) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, end);
}

template <typename F>
inline void AppendJsonFloat(std::string& out, F value) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "Infinity" : "-Infinity";
  } else {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    out.append(buf, end);
  }
}

}  // namespace berth
