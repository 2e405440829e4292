// gelu.cu: GELU forward and backward, exact and tanh forms. NOT RUN ON A GPU yet (written and compiled with
// nvcc --ptx on a machine without one; the parity suite checks it against the reference where a GPU is).
//
// Kernels (launch: 1-D grid-stride loops, 256 threads per block, min(ceil(n / 256), 32 x SMs) blocks):
//   gelu_exact_forward_f32   y  = x * Phi(x), Phi = normcdff (CUDA: 5 ulp, relative, also in the tails)
//                                                                              mirrors GeluKernels.forward (exact)
//   gelu_exact_backward_f32  dx = dy * (Phi(x) + x * phi(x)), phi(x) = exp(-x^2/2) / sqrt(2 pi)
//   gelu_tanh_forward_f32    y  = x / (1 + exp(-2u)), u = sqrt(2/pi) (x + 0.044715 x^3): the tanh form
//                                 x/2 (1 + tanh u) without cancellation          mirrors GeluKernels.forward (tanh)
//   gelu_tanh_backward_f32   dx = dy * (s + x e s^2 2 sqrt(2/pi) (1 + 3 * 0.044715 x^2)), e = exp(-2u), s = 1/(1+e)
//
// As on the CPU, the tanh form's exponent is clamped to [-86.9, 88.7] so that 1 + e stays finite, and past the
// clamps y and the derivative take their limits (0 or x; 0 or 1). fmaxf/fminf drop a NaN operand, so a NaN input
// is passed through explicitly (x != x). Outputs may alias inputs (element-wise, each element read before it is
// written), so no pointer is __restrict__. Memory-bound: one or two loads and one store per element, coalesced.
// Self-contained for NVRTC (built-ins only); compiled with --fmad=false, fused steps written as fmaf.

#define GELU_INV_SQRT_2PI 0.39894228040143268f
#define GELU_K 0.79788456080286536f
#define GELU_CUBIC 0.044715f
#define GELU_EXP_MIN (-86.9f)
#define GELU_EXP_MAX 88.7f

extern "C" __global__ void gelu_exact_forward_f32(long long n, const float* x, float* y)
{
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        const float v = x[i];
        y[i] = v * normcdff(v);
    }
}

extern "C" __global__ void gelu_exact_backward_f32(long long n, const float* x, const float* dy, float* dx)
{
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        const float v = x[i];
        const float pdf = expf(-0.5f * (v * v)) * GELU_INV_SQRT_2PI;
        dx[i] = dy[i] * fmaf(v, pdf, normcdff(v));
    }
}

// The clamped exponent -2u of the tanh form.
__device__ __forceinline__ float gelu_tanh_exponent(float v)
{
    const float arg = fmaf(v * v, GELU_CUBIC, 1.0f) * v * (-2.0f * GELU_K);
    return fminf(fmaxf(arg, GELU_EXP_MIN), GELU_EXP_MAX);
}

extern "C" __global__ void gelu_tanh_forward_f32(long long n, const float* x, float* y)
{
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        const float v = x[i];
        const float arg = gelu_tanh_exponent(v);
        const float out = arg >= GELU_EXP_MAX ? 0.0f : v / (expf(arg) + 1.0f);
        y[i] = v != v ? v : out;
    }
}

extern "C" __global__ void gelu_tanh_backward_f32(long long n, const float* x, const float* dy, float* dx)
{
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        const float v = x[i];
        const float arg = gelu_tanh_exponent(v);
        const float e = expf(arg);
        const float s = 1.0f / (e + 1.0f);
        const float slope = fmaf(v * v, 3.0f * GELU_CUBIC, 1.0f) * (2.0f * GELU_K);
        float derivative = fmaf(v * (e * s * s), slope, s);
        derivative = arg >= GELU_EXP_MAX ? 0.0f : (arg <= GELU_EXP_MIN ? 1.0f : derivative);
        dx[i] = dy[i] * (v != v ? v : derivative);
    }
}
