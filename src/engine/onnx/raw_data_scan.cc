#include "engine/onnx/raw_data_scan.h"

namespace berth {

namespace {

constexpr uint32_t kWireVarint = 0, kWireFixed64 = 1, kWireLen = 2, kWireFixed32 = 5;
constexpr uint32_t kModelGraph = 7, kGraphInitializer = 5, kTensorRawData = 9;

// A cursor over one message's bytes.
struct Reader {
  std::string_view data;
  size_t pos = 0;
  bool done() const { return pos >= data.size(); }
  bool Varint(uint64_t* v) {
    uint64_t result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= data.size()) return false;
      const uint8_t b = static_cast<uint8_t>(data[pos++]);
      result |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) {
        *v = result;
        return true;
      }
    }
    return false;
  }
};

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// One field: its tag, and for length-delimited fields the payload. `whole` spans tag to end.
struct Field {
  uint32_t number = 0, wire = 0;
  std::string_view payload;  // kWireLen only
  std::string_view whole;
};

bool NextField(Reader& r, Field* f) {
  const size_t start = r.pos;
  uint64_t tag = 0;
  if (!r.Varint(&tag)) return false;
  f->number = static_cast<uint32_t>(tag >> 3);
  f->wire = static_cast<uint32_t>(tag & 7);
  if (f->number == 0) return false;
  switch (f->wire) {
    case kWireVarint: {
      uint64_t ignored = 0;
      if (!r.Varint(&ignored)) return false;
      break;
    }
    case kWireFixed64:
      if (r.data.size() - r.pos < 8) return false;
      r.pos += 8;
      break;
    case kWireFixed32:
      if (r.data.size() - r.pos < 4) return false;
      r.pos += 4;
      break;
    case kWireLen: {
      uint64_t len = 0;
      if (!r.Varint(&len) || len > r.data.size() - r.pos) return false;
      f->payload = r.data.substr(r.pos, static_cast<size_t>(len));
      r.pos += static_cast<size_t>(len);
      break;
    }
    default:
      return false;  // groups (deprecated, never used by ONNX) and invalid wire types
  }
  f->whole = r.data.substr(start, r.pos - start);
  return true;
}

void PutLenField(uint32_t number, const std::string& payload, std::string* out) {
  PutVarint((static_cast<uint64_t>(number) << 3) | kWireLen, out);
  PutVarint(payload.size(), out);
  out->append(payload);
}

// `base`: the offset of `msg` in the whole input.
bool StripTensor(std::string_view msg, uint64_t base, std::string* out, RawDataRange* range) {
  Reader r{msg};
  Field f;
  while (!r.done()) {
    if (!NextField(r, &f)) return false;
    if (f.number == kTensorRawData && f.wire == kWireLen) {
      range->present = true;
      range->offset = base + static_cast<uint64_t>(f.payload.data() - msg.data());
      range->size = f.payload.size();
      continue;
    }
    out->append(f.whole);
  }
  return true;
}

bool StripGraph(std::string_view msg, uint64_t base, std::string* out, std::vector<RawDataRange>* ranges) {
  Reader r{msg};
  Field f;
  std::string tensor;
  while (!r.done()) {
    if (!NextField(r, &f)) return false;
    if (f.number == kGraphInitializer && f.wire == kWireLen) {
      tensor.clear();
      RawDataRange range;
      if (!StripTensor(f.payload, base + static_cast<uint64_t>(f.payload.data() - msg.data()), &tensor, &range)) {
        return false;
      }
      ranges->push_back(range);
      PutLenField(kGraphInitializer, tensor, out);
      continue;
    }
    out->append(f.whole);
  }
  return true;
}

}  // namespace

bool StripInitializerRawData(std::string_view bytes, StrippedModel* out) {
  out->bytes.clear();
  out->initializers.clear();
  Reader r{bytes};
  Field f;
  std::string graph;
  while (!r.done()) {
    if (!NextField(r, &f)) return false;
    if (f.number == kModelGraph && f.wire == kWireLen) {
      graph.clear();
      if (!StripGraph(f.payload, static_cast<uint64_t>(f.payload.data() - bytes.data()), &graph,
                      &out->initializers)) {
        return false;
      }
      PutLenField(kModelGraph, graph, &out->bytes);
      continue;
    }
    out->bytes.append(f.whole);
  }
  return true;
}

}  // namespace berth
