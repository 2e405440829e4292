// loss.cu: softmax cross-entropy with integer labels, loss and gradient in one pass over the logits.
//
// Kernels:
//   softmax_cross_entropy_rows_f32   one warp (32 threads) per row n of logits (N, C); 256-thread blocks
//                                    hold 8 rows; grid = ceil(N / 8):
//                                      max_n      = max_i x[n,i]                       (warp shuffle reduction)
//                                      sum_n      = sum_i exp(x[n,i] - max_n)
//                                      rowLoss[n] = -(x[n, label_n] - max_n - log(sum_n))
//                                      grad[n,i]  = (exp(x[n,i] - max_n) / sum_n - [i == label_n]) / N   (if grad != 0)
//   mean_f32                         one block of 256 threads: out[0] = (sum_n values[n]) / N, summed in
//                                    double in a fixed order (thread t takes n = t, t+256, ...; then a
//                                    tree over the 256 partial sums), so the loss is the same on every run.
//   softmax_cross_entropy_smoothed_rows_f32   label smoothing and class weights (CrossEntropySpec), one warp
//                                    per row as above: row loss, row weight w[label_n], unscaled gradient
//   weighted_mean_f32                one block: out[0] = sum rowLoss / S, S = sum rowWeight (fixed-order
//                                    double sums), and 1/S for the gradient
//   scale_by_device_scalar_f32       x[i] *= scalar[0] (the gradient by 1/S without a host round trip)
// The pair mirrors LossKernels.softmaxCrossEntropy: loss = -1/N sum_n log softmax(x)[n, label_n].
//
// Labels are validated on the host before launch (CudaBackend keeps what it knows of each int32
// tensor's values), so label_n is in [0, C) here.
// Why fast: a row's C logits are read by 32 lanes at once (coalesced), reductions stay in registers
// (shuffles), and no atomics are used, so the result is deterministic.

extern "C" __global__ void softmax_cross_entropy_rows_f32(int rows, int cols, const float* logits, const int* labels,
                                                          float* rowLoss, float* grad)
{
    const int row = (int) (((long long) blockIdx.x * blockDim.x + threadIdx.x) >> 5);
    const int lane = threadIdx.x & 31;
    if (row >= rows) {
        return; // the whole warp leaves together: row is the same for its 32 lanes
    }
    const float* x = logits + (long long) row * cols;
    float maxValue = __int_as_float(0xff800000); // -infinity
    for (int i = lane; i < cols; i += 32) {
        maxValue = fmaxf(maxValue, x[i]);
    }
    for (int offset = 16; offset > 0; offset >>= 1) {
        maxValue = fmaxf(maxValue, __shfl_xor_sync(0xffffffffu, maxValue, offset));
    }
    float sum = 0.0f;
    for (int i = lane; i < cols; i += 32) {
        sum += expf(x[i] - maxValue);
    }
    for (int offset = 16; offset > 0; offset >>= 1) {
        sum += __shfl_xor_sync(0xffffffffu, sum, offset);
    }
    const int label = labels[row];
    const float logSum = logf(sum);
    if (lane == 0) {
        rowLoss[row] = -(x[label] - maxValue - logSum);
    }
    if (grad != 0) {
        float* g = grad + (long long) row * cols;
        const float n = (float) rows;
        for (int i = lane; i < cols; i += 32) {
            const float p = expf(x[i] - maxValue) / sum;
            g[i] = (p - (i == label ? 1.0f : 0.0f)) / n;
        }
    }
}

extern "C" __global__ void mean_f32(int n, const float* values, float* out)
{
    __shared__ double partial[256];
    double sum = 0.0;
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        sum += (double) values[i];
    }
    partial[threadIdx.x] = sum;
    __syncthreads();
    for (int stride = blockDim.x / 2; stride > 0; stride >>= 1) {
        if (threadIdx.x < stride) {
            partial[threadIdx.x] += partial[threadIdx.x + stride];
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        out[0] = (float) (partial[0] / (double) n);
    }
}

// softmax_cross_entropy_smoothed_rows_f32: the loss of CrossEntropySpec (label smoothing eps, class
// weights w, or weights == 0 for all 1), one warp per row as above. With lse = log sum_i exp(x[i] - max),
// y = label_n and W = sum_i w[i] (passed in):
//   rowLoss[n]   = (1 - eps) w[y] (lse - (x[y] - max)) + eps/C (W lse - sum_i w[i] (x[i] - max))
//   rowWeight[n] = w[y]
//   grad[n,j]    = p[j] ((1 - eps) w[y] + eps/C W) - (1 - eps) w[y] [j == y] - eps/C w[j]   (not yet / S)
// weighted_mean_f32 then gives loss = sum rowLoss / S with S = sum rowWeight (fixed-order double sums,
// as mean_f32) and writes 1/S, by which scale_by_device_scalar_f32 multiplies the gradient.
// Mirrors LossKernels.softmaxCrossEntropy(..., CrossEntropySpec, ...).
extern "C" __global__ void softmax_cross_entropy_smoothed_rows_f32(int rows, int cols, const float* logits,
                                                                   const int* labels, const float* weights,
                                                                   float smoothing, float weightSum,
                                                                   float* rowLoss, float* rowWeight, float* grad)
{
    const int row = (int) (((long long) blockIdx.x * blockDim.x + threadIdx.x) >> 5);
    const int lane = threadIdx.x & 31;
    if (row >= rows) {
        return;
    }
    const float* x = logits + (long long) row * cols;
    float maxValue = __int_as_float(0xff800000);
    for (int i = lane; i < cols; i += 32) {
        maxValue = fmaxf(maxValue, x[i]);
    }
    for (int offset = 16; offset > 0; offset >>= 1) {
        maxValue = fmaxf(maxValue, __shfl_xor_sync(0xffffffffu, maxValue, offset));
    }
    float sum = 0.0f;
    float weightedShifted = 0.0f;
    for (int i = lane; i < cols; i += 32) {
        const float shifted = x[i] - maxValue;
        sum += expf(shifted);
        weightedShifted += (weights != 0 ? weights[i] : 1.0f) * shifted;
    }
    for (int offset = 16; offset > 0; offset >>= 1) {
        sum += __shfl_xor_sync(0xffffffffu, sum, offset);
        weightedShifted += __shfl_xor_sync(0xffffffffu, weightedShifted, offset);
    }
    const int label = labels[row];
    const float lse = logf(sum);
    const float wy = weights != 0 ? weights[label] : 1.0f;
    const float hard = (1.0f - smoothing) * wy;
    const float smooth = smoothing / (float) cols;
    if (lane == 0) {
        rowLoss[row] = hard * (lse - (x[label] - maxValue)) + smooth * (weightSum * lse - weightedShifted);
        rowWeight[row] = wy;
    }
    if (grad != 0) {
        float* g = grad + (long long) row * cols;
        const float rowScale = hard + smooth * weightSum;
        for (int i = lane; i < cols; i += 32) {
            const float p = expf(x[i] - maxValue - lse);
            g[i] = p * rowScale - smooth * (weights != 0 ? weights[i] : 1.0f) - (i == label ? hard : 0.0f);
        }
    }
}

extern "C" __global__ void weighted_mean_f32(int n, const float* values, const float* weights, float* out,
                                             float* inverseTotalWeight)
{
    __shared__ double partial[256];
    __shared__ double partialWeight[256];
    double sum = 0.0;
    double weightSum = 0.0;
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        sum += (double) values[i];
        weightSum += (double) weights[i];
    }
    partial[threadIdx.x] = sum;
    partialWeight[threadIdx.x] = weightSum;
    __syncthreads();
    for (int stride = blockDim.x / 2; stride > 0; stride >>= 1) {
        if (threadIdx.x < stride) {
            partial[threadIdx.x] += partial[threadIdx.x + stride];
            partialWeight[threadIdx.x] += partialWeight[threadIdx.x + stride];
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        out[0] = (float) (partial[0] / partialWeight[0]);
        inverseTotalWeight[0] = (float) (1.0 / partialWeight[0]);
    }
}

extern "C" __global__ void scale_by_device_scalar_f32(long long n, float* x, const float* scalar)
{
    const long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        x[i] *= scalar[0];
    }
}
