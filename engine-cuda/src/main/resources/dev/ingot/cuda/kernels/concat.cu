// concat.cu: the strided block copy that channel concatenation and its backward split are made of. NOT RUN ON
// A GPU yet (written and compiled with nvcc --ptx on a machine without one; the parity suite checks it where a
// GPU is).
//
// Kernel (launch: 1-D grid-stride loop over rows * block elements, 256-thread blocks):
//   copy_rows_f32   dst[r * dstPitch + j] = src[r * srcPitch + j] for r < rows, j < block
// In row-major (N, C, inner) tensors, image n of input i is one block of C_i * inner floats, and it sits at
// channel offset o_i of y's image n: so concat is, per input, rows = N, block = C_i * inner, src = x_i
// (pitch = block), dst = y + o_i * inner (pitch = sum C * inner); the backward split swaps src and dst.
//                                                                  mirrors ConcatKernels.forward / backward
// Consecutive threads copy consecutive floats of a row: coalesced. Pure copies, exact.
// Self-contained for NVRTC (built-ins only).

extern "C" __global__ void copy_rows_f32(long long rows, long long block, long long srcPitch, long long dstPitch,
                                         const float* __restrict__ src, float* __restrict__ dst)
{
    const long long n = rows * block;
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        const long long r = i / block;
        const long long j = i - r * block;
        dst[r * dstPitch + j] = src[r * srcPitch + j];
    }
}
