// dropout.cu: inverted dropout with DropoutSpec's counter-based mask.
//
// Kernels (launch: 1-D grid-stride loop, 256 threads per block, min(ceil(n / 256), 32 x SMs) blocks):
//   dropout_forward_f32   u    = uniform(seed, i)        (SplitMix64 finaliser of seed + (i + 1) * 0x9E3779B97F4A7C15,
//                                                         top 24 bits, times 2^-24)
//                         mask = u >= rate ? scale : 0    (scale = 1 / (1 - rate), computed in float on the host)
//                         y    = x * mask                 mirrors DropoutKernels.forward and DropoutSpec.uniform
//
// The random number of element i depends only on (seed, i), never on the thread that computes it,
// and is made of 64-bit integer operations that wrap exactly like Java's long arithmetic (>>> is the
// unsigned >> here), so the mask equals the CPU's bit for bit. The float conversion is exact (24 bits).
// Memory-bound: one load, two stores per element, coalesced.

extern "C" __global__ void dropout_forward_f32(long long n, const float* x, float* y, float* mask,
                                               unsigned long long seed, float rate, float scale)
{
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        unsigned long long z = seed + ((unsigned long long) i + 1ULL) * 0x9E3779B97F4A7C15ULL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        z = z ^ (z >> 31);
        const float u = (float) (z >> 40) * 5.9604644775390625e-8f; // 2^-24
        const float keep = u >= rate ? scale : 0.0f;
        const float xi = x[i]; // y may be x: read before writing
        mask[i] = keep;
        y[i] = xi * keep;
    }
}
