// optimizers.cu: parameter updates, in place, one element per loop iteration.
//
// Kernels (launch: 1-D grid-stride loops, 256 threads per block, min(ceil(n / 256), 32 x SMs) blocks):
//   adam_step_f32          AdamSpec's Keras update with the bias-corrected step size a_t computed on
//                          the host (AdamSpec.stepSize, in double):
//                            m = fma(m, beta1, g * (1 - beta1))
//                            v = fma(v, beta2, g * (1 - beta2) * g)
//                            p = p - m * a_t / (sqrt(v) + epsilon)          mirrors OptimizerKernels.adam
//   sgd_step_f32           p = fma(g, -lr, p)                               mirrors OptimizerKernels.sgd (momentum 0, no buffer)
//   sgd_momentum_step_f32  v = fma(v, momentum, g * -lr);  p = p + v        mirrors OptimizerKernels.sgd
//   sgd_nesterov_step_f32  v = fma(v, momentum, g * -lr);  p = p + fma(v, momentum, g * -lr)
//   sgd_decay_step_f32 / sgd_momentum_decay_step_f32 / adam_decay_step_f32: the same updates with
//                          weight decay in the same pass, mirrors OptimizerKernels.sgdWithDecay and
//                          adamWithDecay: g' = fma(p, coupled, g) (coupled L2; 0 when decoupled),
//                          p' = p * keep (keep = 1 - lr * wd when decoupled, else 1, from the host)
//
// Memory-bound: each element is read and written once (Adam: 4 loads, 3 stores), coalesced.
// The fused multiply-adds are written out (fmaf rounds once, whatever --fmad says) exactly where the
// CPU kernels call Math.fma / FloatVector.fma; everything else is compiled with --fmad=false and IEEE
// sqrtf/division (NVRTC's defaults -prec-sqrt=true, -prec-div=true), so each step rounds as on the CPU.

extern "C" __global__ void adam_step_f32(long long n, float* param, const float* grad, float* m, float* v,
                                         float beta1, float beta2, float epsilon, float stepSize)
{
    const float oneMinusBeta1 = 1.0f - beta1;
    const float oneMinusBeta2 = 1.0f - beta2;
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        const float g = grad[i];
        const float mi = fmaf(m[i], beta1, g * oneMinusBeta1);
        const float vi = fmaf(v[i], beta2, g * oneMinusBeta2 * g);
        m[i] = mi;
        v[i] = vi;
        param[i] = param[i] - mi * stepSize / (sqrtf(vi) + epsilon);
    }
}

extern "C" __global__ void sgd_step_f32(long long n, float* param, const float* grad, float learningRate)
{
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        param[i] = fmaf(grad[i], -learningRate, param[i]);
    }
}

extern "C" __global__ void sgd_momentum_step_f32(long long n, float* param, const float* grad, float* velocity,
                                                 float learningRate, float momentum)
{
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        const float lrG = grad[i] * -learningRate;
        const float vi = fmaf(velocity[i], momentum, lrG);
        velocity[i] = vi;
        param[i] = param[i] + vi;
    }
}

extern "C" __global__ void sgd_nesterov_step_f32(long long n, float* param, const float* grad, float* velocity,
                                                 float learningRate, float momentum)
{
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        const float lrG = grad[i] * -learningRate;
        const float vi = fmaf(velocity[i], momentum, lrG);
        velocity[i] = vi;
        param[i] = param[i] + fmaf(vi, momentum, lrG);
    }
}

extern "C" __global__ void sgd_decay_step_f32(long long n, float* param, const float* grad, float learningRate,
                                              float coupled, float keep)
{
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        const float p = param[i];
        param[i] = fmaf(fmaf(p, coupled, grad[i]), -learningRate, p * keep);
    }
}

extern "C" __global__ void sgd_momentum_decay_step_f32(long long n, float* param, const float* grad, float* velocity,
                                                       float learningRate, float momentum, float coupled, float keep,
                                                       int nesterov)
{
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        const float p = param[i];
        const float lrG = fmaf(p, coupled, grad[i]) * -learningRate;
        const float vi = fmaf(velocity[i], momentum, lrG);
        velocity[i] = vi;
        param[i] = p * keep + (nesterov ? fmaf(vi, momentum, lrG) : vi);
    }
}

extern "C" __global__ void adam_decay_step_f32(long long n, float* param, const float* grad, float* m, float* v,
                                               float beta1, float beta2, float epsilon, float stepSize,
                                               float coupled, float keep)
{
    const float oneMinusBeta1 = 1.0f - beta1;
    const float oneMinusBeta2 = 1.0f - beta2;
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        const float p = param[i];
        const float g = fmaf(p, coupled, grad[i]);
        const float mi = fmaf(m[i], beta1, g * oneMinusBeta1);
        const float vi = fmaf(v[i], beta2, g * oneMinusBeta2 * g);
        m[i] = mi;
        v[i] = vi;
        param[i] = p * keep - mi * stepSize / (sqrtf(vi) + epsilon);
    }
}
