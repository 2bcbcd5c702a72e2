#pragma once
// Blocked memory layout through chains of convolutions (like ONNX Runtime's NCHWc transformer).
//
// oneDNN's fast fp32 convolution kernels on AVX-512 read and write nChw16c: channels in blocks of 16
// innermost. Converting every Conv's input and output between NCHW and that layout costs as much as
// a small convolution, so this pass keeps activations blocked along whole chains and converts only at
// the boundaries. A blocked activation is an ordinary float32 tensor of shape [N, ceil(C/16), H, W, 16]
// whose padding channels hold zeros (or, after Sigmoid/HardSigmoid, finite values that only padding
// weights, which are zero, or padding ReorderFromBlocked drops, ever read).
//
// Rewrites (after OptimizeGraph, only for the dnnl provider):
//   Conv / com.berth FusedConv with 2-D constant float32 weights -> com.berth BlockedConv
//     (src_blocked=0 keeps a plain input with fewer than 16 channels: the first layer)
//   MaxPool / AveragePool / GlobalAveragePool / GlobalMaxPool on a blocked input -> com.berth Blocked*
//   element-wise Relu, LeakyRelu, Sigmoid, Tanh, HardSigmoid, HardSwish, Clip (constant bounds) on a
//     blocked input, and Add / Mul of two blocked inputs with the same channel count: unchanged ops on
//     the 5-D tensors (broadcasting over N/H/W works the same in both layouts)
//   Concat on the channel axis of blocked inputs whose channel counts (all but the last) are multiples
//     of 16: Concat on axis 1 of the 5-D tensors
// and inserts com.berth ReorderToBlocked / ReorderFromBlocked where a blocked value meets a plain one
// (graph outputs keep their names and plain layout).

#include "berth/status.h"
#include "engine/graph.h"

namespace berth {

// Rewrites `graph` in place (the top-level graph; subgraphs are left alone and see plain values).
// Returns the number of nodes that run blocked.
StatusOr<int> ApplyBlockedLayout(Graph& graph);

}  // namespace berth
