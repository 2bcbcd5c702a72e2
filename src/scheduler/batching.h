#pragma once
// Combining requests into one batch along dimension 0 and splitting the results back.
// Two requests can share a batch when they give the same inputs (names, in the same order) with the
// same data types and the same dimensions after the first; their batch sizes may differ.
// Thread-safety: free functions without shared state.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "berth/status.h"
#include "berth/value.h"

namespace berth {

using NamedValues = std::vector<std::pair<std::string, Value>>;

// What must agree for two requests to be batched together: "" when the request cannot be batched at
// all (an input that is not a tensor, a scalar, or inputs whose dimension 0 disagree). `rows`
// receives the batch size (dimension 0) when the key is not empty.
std::string BatchKey(const NamedValues& inputs, int64_t* rows);

// Concatenates the inputs of several requests (all with the same BatchKey) along dimension 0.
// Copies the bytes (strings element by element); a single request is returned as is.
StatusOr<NamedValues> ConcatenateBatch(const std::vector<const NamedValues*>& requests);

// Splits one output of a batched run into the requests' parts: `rows[i]` rows for request i, in
// order. The parts share the batch's buffer (no copy). Fails, naming the output, when dimension 0
// of the output is not the sum of the rows.
StatusOr<std::vector<Value>> SplitBatch(const std::string& output_name, const Value& output,
                                        const std::vector<int64_t>& rows);

}  // namespace berth
