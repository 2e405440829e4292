// images.cu: input images from 8-bit pixels to the normalised float batch (Backend.imagesFromHost).
//
// Kernel (launch: 1-D grid-stride loop over the outputs, 256 threads per block):
//   images_from_bytes_f32  y[n,c,h,w] = (p / 255 - mean[c]) / std[c]      mirrors ImageKernels.fromHost
//                          p = pixels[((n*H + h)*W + w)*C + c]  (interleaved, NHWC, as decoders write)
//                           or pixels[((n*C + c)*H + h)*W + w]  (planar, NCHW)
//
// The host uploads the batch as bytes (a quarter of a float batch's traffic over PCIe) and this
// kernel widens, normalises and, for NHWC, transposes it on the way to the NCHW tensor.
// Why this is fast enough: bound by memory bandwidth; consecutive threads write consecutive floats
// (coalesced stores), and read bytes that are C apart at most, which the L1/L2 serve from the same
// cache lines. Bit-identical to the CPU and the reference: IEEE division and subtraction, written
// as __fdiv_rn / __fsub_rn so no flag can turn them into approximations or a fused multiply-add.
// Self-contained for NVRTC: no #include.

// meanStd holds 2*channels floats: the means, then the standard deviations.
extern "C" __global__ void images_from_bytes_f32(long long n, int channels, long long plane, int interleaved,
                                                 const unsigned char* __restrict__ pixels,
                                                 const float* __restrict__ meanStd, float* __restrict__ y)
{
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        long long hw = i % plane;
        long long nc = i / plane;
        int c = (int) (nc % channels);
        long long source = interleaved ? ((nc / channels) * plane + hw) * channels + c : i;
        float p = (float) pixels[source];
        y[i] = __fdiv_rn(__fsub_rn(__fdiv_rn(p, 255.0f), meanStd[c]), meanStd[channels + c]);
    }
}
