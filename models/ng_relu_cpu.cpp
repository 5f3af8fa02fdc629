// NG-ReLU's backward on a CPU in one pass (NG paper, eqs. 2-3), for channel-wise t; and its bfloat16 forward
// (at the end of this file).
//
// With out = max(x, t) (the forward, saved like ReLU saves its output) and g = dL/dout:
//     grad_x = g          where out > t (i.e. x > t), else 0            (eq. 2)
//     grad_t[c] = sum of g over the positions of channel c where out <= t  (eq. 3)
// Autograd of the same formula reads g and out four times (compare, select, subtract, reduce) and
// writes three full tensors; this reads each once and writes grad_x only, like ReLU's
// threshold_backward, so NG-ReLU trains as fast as ReLU (benchmarks/).
//
// Memory is viewed as [outer][C][inner]: a contiguous (N, C, H, W) tensor is outer = N, inner = H*W;
// a channels_last one is outer = N*H*W, inner = 1; a dense (N, D) one is outer = N, C = D, inner = 1.
// The outer range is cut into a fixed number of blocks, whatever the number of threads, and their
// per-channel partial sums (fp32) are added in block order: the result does not depend on how many
// threads ran it. Loaded by models/ng_relu_cpu.py; float32 and bfloat16.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/library.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <tuple>
#include <vector>

namespace {

constexpr int64_t kBlocks = 64;  // partial sums per channel (fixed: thread-count independent results)
constexpr int kLanes = 16;       // independent accumulators along a contiguous run (lets the compiler vectorize)

inline float to_float(float v) { return v; }
inline float to_float(uint16_t bf16_bits) {  // bfloat16 is the upper half of a float32
  uint32_t u = uint32_t(bf16_bits) << 16;
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

// One run of n values with a threshold per position (tt): grad_x = g where out > tt, else 0 (eq. 2), and
// acc[j] += g where out <= tt (eq. 3). A flat loop over fixed-size arrays, so that every compiler and target
// vectorizes it the same way (a loop over the C values of one channels_last row did not: C = 16 bf16 ran 33x
// slower than ReLU's backward with 512-bit vectors, -march=x86-64-v4, GCC 12).
template <typename T>
inline void masked_run(const T* __restrict__ g, const T* __restrict__ out, const float* __restrict__ tt,
                       T* __restrict__ gx, float* __restrict__ acc, int64_t n) {
  for (int64_t j = 0; j < n; ++j) {
    const bool pass = to_float(out[j]) > tt[j];
    gx[j] = pass ? g[j] : T(0);
    acc[j] += pass ? 0.0f : to_float(g[j]);
  }
}

constexpr int64_t kTile = 64;  // channels_last: values per tile (a whole number of rows)

// Rows [o0, o1) of the [outer][C][inner] view; adds channel c's masked sum into acc[c].
template <typename T>
void backward_rows(const T* __restrict__ g, const T* __restrict__ out, const float* __restrict__ t,
                   T* __restrict__ grad_x, float* __restrict__ acc, int64_t o0, int64_t o1, int64_t C,
                   int64_t inner) {
  if (inner == 1) {  // channels_last / dense: a row holds one value of every channel; tiles of k whole rows
    const int64_t k = std::max<int64_t>(1, kTile / C), len = k * C;
    std::vector<float> tt(len), tile_acc(len, 0.0f);
    for (int64_t r = 0; r < k; ++r) std::copy(t, t + C, tt.data() + r * C);
    for (int64_t o = o0; o < o1; o += k) {
      const int64_t base = o * C, n = std::min(k, o1 - o) * C;
      masked_run<T>(g + base, out + base, tt.data(), grad_x + base, tile_acc.data(), n);
    }
    for (int64_t r = 0; r < k; ++r) {
      for (int64_t c = 0; c < C; ++c) acc[c] += tile_acc[r * C + c];
    }
    return;
  }
  for (int64_t o = o0; o < o1; ++o) {  // NCHW: a contiguous plane of `inner` values per channel
    for (int64_t c = 0; c < C; ++c) {
      const int64_t base = (o * C + c) * inner;
      const T* __restrict__ gp = g + base;
      const T* __restrict__ outp = out + base;
      T* __restrict__ gxp = grad_x + base;
      const float tc = t[c];
      float lane[kLanes] = {0};
      int64_t i = 0;
      for (; i + kLanes <= inner; i += kLanes) {
        for (int k = 0; k < kLanes; ++k) {
          const bool pass = to_float(outp[i + k]) > tc;
          gxp[i + k] = pass ? gp[i + k] : T(0);
          lane[k] += pass ? 0.0f : to_float(gp[i + k]);
        }
      }
      float sum = 0.0f;
      for (; i < inner; ++i) {
        const bool pass = to_float(outp[i]) > tc;
        gxp[i] = pass ? gp[i] : T(0);
        sum += pass ? 0.0f : to_float(gp[i]);
      }
      for (int k = 0; k < kLanes; ++k) sum += lane[k];
      acc[c] += sum;
    }
  }
}

template <typename T>
void backward_blocks(const at::Tensor& g, const at::Tensor& out, const float* t, at::Tensor& grad_x,
                     float* partial, int64_t blocks, int64_t outer, int64_t C, int64_t inner) {
  const T* gp = reinterpret_cast<const T*>(g.const_data_ptr());
  const T* outp = reinterpret_cast<const T*>(out.const_data_ptr());
  T* gxp = reinterpret_cast<T*>(grad_x.mutable_data_ptr());
  // small tensors stay on one thread: a parallel region costs more than it saves below ~32k values
  const int64_t block_size = std::max<int64_t>(outer / std::max<int64_t>(blocks, 1) * C * inner, 1);
  const int64_t grain = std::max<int64_t>(1, 32768 / block_size);
  at::parallel_for(0, blocks, grain, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      backward_rows<T>(gp, outp, t, gxp, partial + b * C, outer * b / blocks, outer * (b + 1) / blocks, C, inner);
    }
  });
}

// g and out share one memory layout (the caller makes sure); t holds the C thresholds.
std::tuple<at::Tensor, at::Tensor> ng_relu_backward(const at::Tensor& g, const at::Tensor& out, const at::Tensor& t,
                                                     int64_t outer, int64_t C, int64_t inner) {
  TORCH_CHECK(g.scalar_type() == out.scalar_type(), "ng_relu_backward: g and out differ in dtype");
  TORCH_CHECK(g.strides() == out.strides() && g.sizes() == out.sizes(), "ng_relu_backward: g and out differ in layout");
  TORCH_CHECK(outer * C * inner == out.numel() && t.numel() == C, "ng_relu_backward: bad [outer][C][inner] view");
  TORCH_CHECK(out.is_contiguous() || out.is_contiguous(at::MemoryFormat::ChannelsLast),
              "ng_relu_backward: out must be contiguous or channels_last");
  at::Tensor grad_x = at::empty_like(out);
  at::Tensor t32 = t.to(at::kFloat).contiguous();
  const int64_t blocks = std::min<int64_t>(outer, kBlocks);
  at::Tensor partial = at::zeros({std::max<int64_t>(blocks, 1), C}, out.options().dtype(at::kFloat));
  const float* tp = t32.const_data_ptr<float>();
  float* pp = partial.mutable_data_ptr<float>();
  if (out.scalar_type() == at::kFloat) {
    backward_blocks<float>(g, out, tp, grad_x, pp, blocks, outer, C, inner);
  } else {
    TORCH_CHECK(out.scalar_type() == at::kBFloat16, "ng_relu_backward: float32 or bfloat16 only");
    backward_blocks<uint16_t>(g, out, tp, grad_x, pp, blocks, outer, C, inner);
  }
  at::Tensor grad_t = at::zeros({C}, partial.options());
  float* gtp = grad_t.mutable_data_ptr<float>();
  for (int64_t b = 0; b < blocks; ++b) {  // in block order: deterministic
    for (int64_t c = 0; c < C; ++c) gtp[c] += pp[b * C + c];
  }
  return {grad_x, grad_t};
}


// ---- forward, bfloat16: out = max(x, t) (NG paper eq. 1 with f = ReLU) ----
// torch.maximum(x, t) with t of shape (1, C, 1, 1) cannot run a channels_last tensor as one flat loop: its inner
// loop is C values long, and in bf16 it ran 1.9x ReLU's forward at C = 16 (ResNet-56's first stage), 1.2x at
// C = 32-64. These loops run the backward's tiles: 0.9-1.1x ReLU's in channels_last, 0.75-0.9x in NCHW (2 threads,
// (128, C, H, W) activations of ResNet-56). float32 stays with torch.maximum, which is at ReLU's cost there.
// NaN in x (or t) gives NaN, like torch.maximum; t arrives already rounded to bf16 (t.to(x.dtype), as before).

// One run of n values, threshold tv (bf16 bits) / tt (the same as float) per position. `|`, not `||`: no branch,
// so the loop vectorizes.
inline void max_run(const uint16_t* __restrict__ x, const uint16_t* __restrict__ tv, const float* __restrict__ tt,
                    uint16_t* __restrict__ out, int64_t n) {
  for (int64_t j = 0; j < n; ++j) {
    const float xf = to_float(x[j]);
    out[j] = ((xf > tt[j]) | (xf != xf)) ? x[j] : tv[j];
  }
}

// Rows [o0, o1) of the [outer][C][inner] view.
void forward_rows(const uint16_t* __restrict__ x, const uint16_t* __restrict__ t, uint16_t* __restrict__ out,
                  int64_t o0, int64_t o1, int64_t C, int64_t inner) {
  if (inner == 1) {  // channels_last / dense: tiles of k whole rows, as in backward_rows
    const int64_t k = std::max<int64_t>(1, kTile / C), len = k * C;
    std::vector<uint16_t> tv(len);
    std::vector<float> tt(len);
    for (int64_t j = 0; j < len; ++j) {
      tv[j] = t[j % C];
      tt[j] = to_float(tv[j]);
    }
    for (int64_t o = o0; o < o1; o += k) {
      const int64_t base = o * C;
      max_run(x + base, tv.data(), tt.data(), out + base, std::min(k, o1 - o) * C);
    }
    return;
  }
  for (int64_t o = o0; o < o1; ++o) {  // NCHW: one threshold per plane
    for (int64_t c = 0; c < C; ++c) {
      const int64_t base = (o * C + c) * inner;
      const uint16_t* __restrict__ xp = x + base;
      uint16_t* __restrict__ op = out + base;
      const uint16_t tv = t[c];
      const float tc = to_float(tv);
      for (int64_t i = 0; i < inner; ++i) {
        const float xf = to_float(xp[i]);
        op[i] = ((xf > tc) | (xf != xf)) ? xp[i] : tv;
      }
    }
  }
}

// x bfloat16, contiguous or channels_last; t its C thresholds in bfloat16.
at::Tensor ng_relu_forward(const at::Tensor& x, const at::Tensor& t, int64_t outer, int64_t C, int64_t inner) {
  TORCH_CHECK(x.scalar_type() == at::kBFloat16 && t.scalar_type() == at::kBFloat16,
              "ng_relu_forward: bfloat16 x and t only (float32 runs torch.maximum)");
  TORCH_CHECK(outer * C * inner == x.numel() && t.numel() == C, "ng_relu_forward: bad [outer][C][inner] view");
  TORCH_CHECK(x.is_contiguous() || x.is_contiguous(at::MemoryFormat::ChannelsLast),
              "ng_relu_forward: x must be contiguous or channels_last");
  at::Tensor out = at::empty_like(x);
  at::Tensor tc = t.contiguous();
  const uint16_t* xp = reinterpret_cast<const uint16_t*>(x.const_data_ptr());
  const uint16_t* tp = reinterpret_cast<const uint16_t*>(tc.const_data_ptr());
  uint16_t* op = reinterpret_cast<uint16_t*>(out.mutable_data_ptr());
  const int64_t grain = std::max<int64_t>(1, 32768 / std::max<int64_t>(C * inner, 1));  // rows: >= 32k values a task
  at::parallel_for(0, outer, grain, [&](int64_t o0, int64_t o1) { forward_rows(xp, tp, op, o0, o1, C, inner); });
  return out;
}

}  // namespace

TORCH_LIBRARY(deepcnn_ng, m) {
  m.def("ng_relu_forward(Tensor x, Tensor t, int outer, int C, int inner) -> Tensor");
  m.def("ng_relu_backward(Tensor g, Tensor out, Tensor t, int outer, int C, int inner) -> (Tensor, Tensor)");
}

TORCH_LIBRARY_IMPL(deepcnn_ng, CPU, m) {
  m.impl("ng_relu_forward", &ng_relu_forward);
  m.impl("ng_relu_backward", &ng_relu_backward);
}
