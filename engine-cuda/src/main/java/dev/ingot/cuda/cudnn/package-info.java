/**
 * cuDNN objects with one owner each: the handle, tensor/filter/convolution/pooling/activation
 * descriptors, and the per-shape plans ({@link dev.ingot.cuda.cudnn.CudnnConvolution},
 * {@link dev.ingot.cuda.cudnn.CudnnPooling}) that hold descriptors and the algorithm chosen for a
 * shape, so that the hot path only runs them.
 *
 * <p>Rules of this package: every object is {@code AutoCloseable} and destroyed exactly once; plans
 * are created once per {@code Conv2dGeometry}/{@code Pool2dGeometry} and cached by the backend;
 * algorithm choice ({@link dev.ingot.cuda.cudnn.AlgorithmChoice}) prefers deterministic algorithms and
 * keeps FP32 (FMA) math unless TF32 is asked for.
 */
package dev.ingot.cuda.cudnn;
