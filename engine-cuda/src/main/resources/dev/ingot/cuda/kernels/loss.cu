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
