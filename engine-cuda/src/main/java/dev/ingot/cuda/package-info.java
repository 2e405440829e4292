/**
 * The CUDA backend: {@link dev.ingot.cuda.CudaBackend} runs the {@link dev.ingot.core.Backend} kernels
 * on an NVIDIA GPU through cuDNN, cuBLAS and our own NVRTC-compiled kernels, all bound with
 * {@code java.lang.foreign} (no JNI, no native code of ours); {@link dev.ingot.cuda.CudaBackendProvider}
 * finds it at run time and explains, when it cannot run, exactly which library or device is missing.
 *
 * <p>Rules of this package:
 * <ul>
 *   <li>Every backend method calls its {@link dev.ingot.core.KernelChecks} method first, then makes the
 *       device's primary context current, then queues work on the backend's one stream.</li>
 *   <li>Device memory comes only from the {@link dev.ingot.cuda.CachingAllocator}; a tensor's block has
 *       one owner, its {@link dev.ingot.cuda.CudaStorage}, and goes back to the cache when the tensor is
 *       closed. Temporaries are released as soon as their work is queued (safe on one stream).</li>
 *   <li>Every native status is checked; a failure is a {@link dev.ingot.cuda.CudaException} naming the
 *       call, the library's own error name and text, and what was being done.</li>
 *   <li>Every native resource is an {@code AutoCloseable} owned by the backend and closed in reverse
 *       order of creation by {@link dev.ingot.cuda.CudaBackend#close()}.</li>
 * </ul>
 */
package dev.ingot.cuda;
