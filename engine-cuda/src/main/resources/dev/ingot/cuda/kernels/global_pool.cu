// global_pool.cu: global average pooling over the H*W plane of each (n, c). NOT RUN ON A GPU yet (written and
// compiled with nvcc --ptx on a machine without one; the parity suite checks it where a GPU is).
//
// Kernels:
//   global_avg_pool2d_forward_f32   y[p] = (sum of x[p*hw .. p*hw + hw)) / hw for each of the N*C planes p
//       launch: one warp (32 lanes) per plane, 256-thread blocks, ceil(planes / 8) blocks; lane l adds the plane's
//       elements l, l + 32, ... in order (coalesced: the warp reads 32 consecutive floats at a time), then the 32
//       partial sums meet in a fixed shuffle tree: no atomics, so the result is deterministic.
//                                                                  mirrors GlobalPoolKernels.forward
//   global_avg_pool2d_backward_f32  dx[i] = dy[i / hw] / hw     (1-D grid-stride loop over dx, 256-thread blocks)
//                                                                  mirrors GlobalPoolKernels.backward
// Self-contained for NVRTC (built-ins only).

extern "C" __global__ void global_avg_pool2d_forward_f32(int planes, int hw, const float* __restrict__ x,
                                                         float* __restrict__ y)
{
    const long long plane = ((long long) blockIdx.x * blockDim.x + threadIdx.x) >> 5;
    const int lane = threadIdx.x & 31;
    if (plane >= planes) {
        return; // the whole warp leaves together: plane is the same for its 32 lanes
    }
    const float* p = x + plane * hw;
    float sum = 0.0f;
    for (int i = lane; i < hw; i += 32) {
        sum += p[i];
    }
    for (int offset = 16; offset > 0; offset >>= 1) {
        sum += __shfl_xor_sync(0xffffffffu, sum, offset);
    }
    if (lane == 0) {
        y[plane] = sum / (float) hw;
    }
}

extern "C" __global__ void global_avg_pool2d_backward_f32(long long n, int hw, const float* __restrict__ dy,
                                                          float* __restrict__ dx)
{
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        dx[i] = dy[i / hw] / (float) hw;
    }
}
