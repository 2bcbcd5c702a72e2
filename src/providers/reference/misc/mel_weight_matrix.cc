// MelWeightMatrix (opset 17+): a [dft_length/2 + 1, num_mel_bins] matrix of triangular filters,
// evenly spaced on the mel scale mel(f) = 2595 * log10(1 + f/700) between lower_edge_hertz and
// upper_edge_hertz. Follows the ONNX reference (and ONNX Runtime) exactly, including its choice of
// num_mel_bins + 2 mel steps and of bin = floor((dft_length + 1) * hz / sample_rate).

#include <algorithm>
#include <cmath>

#include "providers/reference/misc/misc_kernels.h"
#include "providers/reference/misc/misc_util.h"

namespace berth {
namespace {

class MelWeightMatrixKernel : public OpKernel {
 public:
  explicit MelWeightMatrixKernel(DataType out_type) : out_type_(out_type) {}

  Status Compute(KernelContext& ctx) const override {
    const std::string where = ctx.NodeLabel();
    ASSIGN_OR_RETURN(const Tensor* t0, ctx.RequireInput(0));
    ASSIGN_OR_RETURN(const Tensor* t1, ctx.RequireInput(1));
    ASSIGN_OR_RETURN(const Tensor* t2, ctx.RequireInput(2));
    ASSIGN_OR_RETURN(const Tensor* t3, ctx.RequireInput(3));
    ASSIGN_OR_RETURN(const Tensor* t4, ctx.RequireInput(4));
    ASSIGN_OR_RETURN(int64_t num_mel_bins, misc::ReadScalarInt(*t0, where, "num_mel_bins"));
    ASSIGN_OR_RETURN(int64_t dft_length, misc::ReadScalarInt(*t1, where, "dft_length"));
    ASSIGN_OR_RETURN(int64_t sample_rate, misc::ReadScalarInt(*t2, where, "sample_rate"));
    ASSIGN_OR_RETURN(double lower_hz, misc::ReadScalarFloat(*t3, where, "lower_edge_hertz"));
    ASSIGN_OR_RETURN(double upper_hz, misc::ReadScalarFloat(*t4, where, "upper_edge_hertz"));
    if (num_mel_bins < 1 || dft_length < 1 || sample_rate < 1) {
      return InvalidArgument(where +
                             ": num_mel_bins, dft_length and sample_rate must be positive (got " +
                             std::to_string(num_mel_bins) + ", " + std::to_string(dft_length) +
                             ", " + std::to_string(sample_rate) + ")");
    }
    if (!(lower_hz >= 0.0) || !(upper_hz > lower_hz) || !std::isfinite(upper_hz)) {
      return InvalidArgument(where + ": need 0 <= lower_edge_hertz < upper_edge_hertz (got " +
                             std::to_string(lower_hz) + ", " + std::to_string(upper_hz) + ")");
    }
    const int64_t spectrogram_bins = dft_length / 2 + 1;
    if (num_mel_bins > (int64_t{1} << 24) || spectrogram_bins * num_mel_bins > (int64_t{1} << 31)) {
      return InvalidArgument(where + ": the matrix [" + std::to_string(spectrogram_bins) + ", " +
                             std::to_string(num_mel_bins) + "] is unreasonably large");
    }
    const int64_t points = num_mel_bins + 2;
    auto hz_to_mel = [](double hz) { return 2595.0 * std::log10(1.0 + hz / 700.0); };
    auto mel_to_hz = [](double mel) { return 700.0 * (std::pow(10.0, mel / 2595.0) - 1.0); };
    const double low_mel = hz_to_mel(lower_hz);
    const double mel_step = (hz_to_mel(upper_hz) - low_mel) / static_cast<double>(points);
    std::vector<int64_t> bin(static_cast<size_t>(points));
    for (int64_t i = 0; i < points; ++i) {
      const double hz = mel_to_hz(low_mel + mel_step * static_cast<double>(i));
      const double b =
          std::floor(static_cast<double>(dft_length + 1) * hz / static_cast<double>(sample_rate));
      // Clamped before the conversion: bins past the spectrogram only matter as "out of range".
      bin[static_cast<size_t>(i)] =
          static_cast<int64_t>(std::clamp(b, -1.0, static_cast<double>(spectrogram_bins + 1)));
    }

    std::vector<double> w(static_cast<size_t>(spectrogram_bins * num_mel_bins), 0.0);
    // Bins outside the spectrogram (upper_edge_hertz above the Nyquist frequency) are dropped.
    auto set = [&](int64_t row, int64_t col, double v) {
      if (row >= 0 && row < spectrogram_bins) w[static_cast<size_t>(row * num_mel_bins + col)] = v;
    };
    for (int64_t i = 0; i < num_mel_bins; ++i) {
      const int64_t lo = bin[static_cast<size_t>(i)];
      const int64_t center = bin[static_cast<size_t>(i + 1)];
      const int64_t hi = bin[static_cast<size_t>(i + 2)];
      const int64_t low_to_center = center - lo;
      if (low_to_center == 0) {
        set(center, i, 1.0);
      } else {
        for (int64_t j = std::max<int64_t>(lo, 0); j <= std::min(center, spectrogram_bins - 1);
             ++j) {
          set(j, i, static_cast<double>(j - lo) / static_cast<double>(low_to_center));
        }
      }
      const int64_t center_to_high = hi - center;
      if (center_to_high > 0) {
        for (int64_t j = std::max<int64_t>(center, 0); j < std::min(hi, spectrogram_bins); ++j) {
          set(j, i, static_cast<double>(hi - j) / static_cast<double>(center_to_high));
        }
      }
    }
    Tensor* y = ctx.AllocateOutput(0, out_type_, {spectrogram_bins, num_mel_bins});
    return misc::StoreDoubles(w, y, where);
  }

 private:
  DataType out_type_;
};

}  // namespace

StatusOr<std::unique_ptr<OpKernel>> CreateMelWeightMatrix(const KernelInfo& info) {
  ASSIGN_OR_RETURN(DataType out_type,
                   misc::NumericTypeFromAttribute(info.GetInt("output_datatype", 1),
                                                  info.NodeLabel(), "output_datatype"));
  return MakeKernel<MelWeightMatrixKernel>(out_type);
}

}  // namespace berth
