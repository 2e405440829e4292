// pooling.cu: the backward passes of max and average pooling, as gathers.
//
// Kernels (launch: one thread per input element (n, c, h, w) of dx, 1-D grid-stride loop, 256-thread blocks):
//   max_pool2d_backward_f32  dx[n,c,h,w] = sum of dy[n,c,p,q] over the windows (p, q) that contain (h, w) and whose
//                            first maximum (row-major order over the window's real pixels, strict > so the first of
//                            equal values wins; a NaN counts as larger than any number, so the first NaN wins;
//                            padding never wins) is at (h, w)                           mirrors PoolKernels.maxBackward
//   avg_pool2d_backward_f32  dx[n,c,h,w] = sum of dy[n,c,p,q] / count(p,q) over the windows that contain (h, w), where
//                            count is the number of real (unpadded) pixels in the window, or kernelH * kernelW when
//                            countIncludePad (PyTorch's count_include_pad=True)      mirrors PoolKernels.avgBackward
//
// Windows are visited p-major then q, the order a CPU scatter adds them in, so overlapping windows sum in the
// same order. cuDNN's own max-pool backward routes a tie to one unspecified position (and CUDNN_POOLING_MAX is
// not deterministic when windows overlap); a gather computes each dx element once, with no atomics: the result is
// deterministic and follows the Backend contract's "first max" rule exactly.
// The windows containing row h are p in [ceil((h + padH - kernelH + 1) / strideH), floor((h + padH) / strideH)],
// clipped to [0, P); likewise for columns.
// min/max are spelled out (imin/imax) so the file needs nothing beyond NVRTC's built-ins.

__device__ __forceinline__ int imin(int a, int b) { return a < b ? a : b; }
__device__ __forceinline__ int imax(int a, int b) { return a > b ? a : b; }
// Whether v replaces the window's current maximum: strictly larger, or the first NaN (PoolKernels' rule,
// which also makes cuDNN's NaN-propagating forward value and this backward agree on where a NaN is).
__device__ __forceinline__ bool beats(float v, float best) { return v > best || (v != v && best == best); }

extern "C" __global__ void max_pool2d_backward_f32(long long total, int h, int w, int p, int q, int kernelH, int kernelW,
                                                   int strideH, int strideW, int padH, int padW, const float* x,
                                                   const float* dy, float* dx)
{
    for (long long idx = (long long) blockIdx.x * blockDim.x + threadIdx.x; idx < total; idx += (long long) gridDim.x * blockDim.x) {
        const int col = (int) (idx % w);
        const int row = (int) ((idx / w) % h);
        const long long plane = idx / ((long long) w * h);
        const float* xp = x + plane * h * w;
        const float* dyp = dy + plane * p * q;
        const int firstP = row + padH - kernelH + 1 <= 0 ? 0 : (row + padH - kernelH + 1 + strideH - 1) / strideH;
        const int lastP = imin((row + padH) / strideH, p - 1);
        const int firstQ = col + padW - kernelW + 1 <= 0 ? 0 : (col + padW - kernelW + 1 + strideW - 1) / strideW;
        const int lastQ = imin((col + padW) / strideW, q - 1);
        float acc = 0.0f;
        for (int op = firstP; op <= lastP; op++) {
            const int h0 = op * strideH - padH;
            const int hs = imax(h0, 0);
            const int he = imin(h0 + kernelH, h);
            for (int oq = firstQ; oq <= lastQ; oq++) {
                const int w0 = oq * strideW - padW;
                const int ws = imax(w0, 0);
                const int we = imin(w0 + kernelW, w);
                float best = xp[hs * w + ws];
                int bestRow = hs;
                int bestCol = ws;
                for (int hh = hs; hh < he; hh++) {
                    for (int ww = ws; ww < we; ww++) {
                        const float v = xp[hh * w + ww];
                        if (beats(v, best)) {
                            best = v;
                            bestRow = hh;
                            bestCol = ww;
                        }
                    }
                }
                if (bestRow == row && bestCol == col) {
                    acc += dyp[op * q + oq];
                }
            }
        }
        dx[idx] = acc;
    }
}

extern "C" __global__ void avg_pool2d_backward_f32(long long total, int h, int w, int p, int q, int kernelH, int kernelW,
                                                   int strideH, int strideW, int padH, int padW,
                                                   int countIncludePad, const float* dy, float* dx)
{
    for (long long idx = (long long) blockIdx.x * blockDim.x + threadIdx.x; idx < total; idx += (long long) gridDim.x * blockDim.x) {
        const int col = (int) (idx % w);
        const int row = (int) ((idx / w) % h);
        const long long plane = idx / ((long long) w * h);
        const float* dyp = dy + plane * p * q;
        const int firstP = row + padH - kernelH + 1 <= 0 ? 0 : (row + padH - kernelH + 1 + strideH - 1) / strideH;
        const int lastP = imin((row + padH) / strideH, p - 1);
        const int firstQ = col + padW - kernelW + 1 <= 0 ? 0 : (col + padW - kernelW + 1 + strideW - 1) / strideW;
        const int lastQ = imin((col + padW) / strideW, q - 1);
        float acc = 0.0f;
        for (int op = firstP; op <= lastP; op++) {
            const int h0 = op * strideH - padH;
            const int rows = imin(h0 + kernelH, h) - imax(h0, 0);
            for (int oq = firstQ; oq <= lastQ; oq++) {
                const int w0 = oq * strideW - padW;
                const int cols = imin(w0 + kernelW, w) - imax(w0, 0);
                acc += dyp[op * q + oq] / (float) (countIncludePad ? kernelH * kernelW : rows * cols);
            }
        }
        dx[idx] = acc;
    }
}
