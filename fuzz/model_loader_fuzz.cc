// libFuzzer target: arbitrary bytes as an ONNX model file. Loading must either succeed or return a
// Status; it must never crash, hang or leak. Seeds: the ONNX conformance models (tools/test.sh).
// libonnx's own shape inference is left out: Berth runs it in a forked child (onnx_import.cc), so
// its crashes cannot reach the server, and forking per input would starve the fuzzer.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "berth/session.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  berth::SessionOptions options;
  options.infer_shapes = false;
  auto session = berth::Session::LoadFromBytes(bytes, /*base_dir=*/"", options);
  (void)session;
  return 0;
}
