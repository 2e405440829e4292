// optimizers.cu: parameter updates, in place, one element per loop iteration.
//
// Kernels (launch: 1-D grid-stride loops, 256 threads per block, min(ceil(n / 256), 32 x SMs) blocks):
//   adam_step_f32          AdamSpec's Keras update with the bias-corrected step size a_t computed on
//                          the host (AdamSpec.stepSize, in double):
//                            m = beta1 * m + (1 - beta1) * g
//                            v = beta2 * v + (1 - beta2) * g * g
//                            p = p - a_t * m / (sqrt(v) + epsilon)          mirrors OptimizerKernels.adam
//   sgd_step_f32           p = p - lr * g                                   mirrors OptimizerKernels.sgd (momentum 0, no buffer)
//   sgd_momentum_step_f32  v = momentum * v - lr * g;  p = p + v            mirrors OptimizerKernels.sgd
//   sgd_nesterov_step_f32  v = momentum * v - lr * g;  p = p + momentum * v - lr * g
//
// Memory-bound: each element is read and written once (Adam: 4 loads, 3 stores), coalesced.
// Compiled with --fmad=false and IEEE sqrtf/division (NVRTC's defaults -prec-sqrt=true, -prec-div=true),
// so each step rounds like the same float expression in Java.

extern "C" __global__ void adam_step_f32(long long n, float* param, const float* grad, float* m, float* v,
                                         float beta1, float beta2, float epsilon, float stepSize)
{
    const float oneMinusBeta1 = 1.0f - beta1;
    const float oneMinusBeta2 = 1.0f - beta2;
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        const float g = grad[i];
        const float mi = beta1 * m[i] + oneMinusBeta1 * g;
        const float vi = beta2 * v[i] + oneMinusBeta2 * g * g;
        m[i] = mi;
        v[i] = vi;
        param[i] = param[i] - stepSize * mi / (sqrtf(vi) + epsilon);
    }
}

extern "C" __global__ void sgd_step_f32(long long n, float* param, const float* grad, float learningRate)
{
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        param[i] = param[i] - learningRate * grad[i];
    }
}

extern "C" __global__ void sgd_momentum_step_f32(long long n, float* param, const float* grad, float* velocity,
                                                 float learningRate, float momentum)
{
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        const float vi = momentum * velocity[i] - learningRate * grad[i];
        velocity[i] = vi;
        param[i] = param[i] + vi;
    }
}

extern "C" __global__ void sgd_nesterov_step_f32(long long n, float* param, const float* grad, float* velocity,
                                                 float learningRate, float momentum)
{
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        const float g = grad[i];
        const float vi = momentum * velocity[i] - learningRate * g;
        velocity[i] = vi;
        param[i] = param[i] + momentum * vi - learningRate * g;
    }
}
