// libFuzzer target: arbitrary bytes as an ONNX model file. Loading must either succeed or return a
// Status; it must never crash, hang or leak. Seeds: the ONNX conformance models (see tools/fuzz.sh).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "berth/session.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto session = berth::Session::LoadFromBytes(bytes, /*base_dir=*/"");
  (void)session;
  return 0;
}
