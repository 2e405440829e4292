// classification.cu: row-wise argmax, correct-prediction counts and label validation.
//
// Kernels (launch: one thread per row, or per label, in 1-D grid-stride loops of 256-thread blocks):
//   argmax_rows_f32             indices[n] = the first i with x[n,i] = max_i x[n,i]     mirrors ElementwiseKernels.argmax
//                               (scan left to right, replace only on a strictly larger value: the first wins ties;
//                               a NaN counts as larger than any number, so the first NaN wins: ElementwiseKernels.beats)
//   count_correct_f32           count[0] += 1 for each row whose argmax equals labels[n]  mirrors ElementwiseKernels.countCorrect
//                               (the caller zeroes count[0]; integer atomics are exact, so the total is deterministic)
//   first_label_out_of_range    firstBad[0] = min { n : labels[n] < 0 or labels[n] >= classes }
//                               (the caller sets firstBad[0] = N; used only for int32 tensors whose values the
//                               host does not know, e.g. ones written by argmax)
//
// C (classes) is small in practice (10 here), so one thread per row reading its row is cheaper than a
// reduction, and the sequential scan gives the CPU's tie rule exactly.

// Whether v replaces the current maximum: strictly larger, or the first NaN (ElementwiseKernels.beats).
__device__ __forceinline__ bool beats(float v, float best) { return v > best || (v != v && best == best); }

extern "C" __global__ void argmax_rows_f32(int rows, int cols, const float* x, int* indices)
{
    for (int n = blockIdx.x * blockDim.x + threadIdx.x; n < rows; n += gridDim.x * blockDim.x) {
        const float* row = x + (long long) n * cols;
        float best = row[0];
        int bestIndex = 0;
        for (int i = 1; i < cols; i++) {
            if (beats(row[i], best)) {
                best = row[i];
                bestIndex = i;
            }
        }
        indices[n] = bestIndex;
    }
}

extern "C" __global__ void count_correct_f32(int rows, int cols, const float* x, const int* labels, unsigned int* count)
{
    for (int n = blockIdx.x * blockDim.x + threadIdx.x; n < rows; n += gridDim.x * blockDim.x) {
        const float* row = x + (long long) n * cols;
        float best = row[0];
        int bestIndex = 0;
        for (int i = 1; i < cols; i++) {
            if (beats(row[i], best)) {
                best = row[i];
                bestIndex = i;
            }
        }
        if (bestIndex == labels[n]) {
            atomicAdd(count, 1u);
        }
    }
}

extern "C" __global__ void first_label_out_of_range(int n, const int* labels, int classes, int* firstBad)
{
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        const int label = labels[i];
        if (label < 0 || label >= classes) {
            atomicMin(firstBad, i);
        }
    }
}
