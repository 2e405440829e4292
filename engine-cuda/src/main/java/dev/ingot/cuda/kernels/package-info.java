/**
 * Our own CUDA kernels: the {@code .cu} sources in {@code src/main/resources/dev/ingot/cuda/kernels/},
 * the {@link dev.ingot.cuda.kernels.Kernel} table of their signatures, NVRTC compilation for the
 * device's own architecture with an on-disk cache ({@link dev.ingot.cuda.kernels.KernelCache}), module
 * loading ({@link dev.ingot.cuda.kernels.KernelModules}) and launches
 * ({@link dev.ingot.cuda.kernels.KernelLauncher}).
 *
 * <p>Rules of this package: each {@code .cu} file is self-contained (no {@code #include}), declares its
 * kernels {@code extern "C"}, and starts with a comment listing its kernels, their launch shape, the
 * formula, and the CPU kernel each mirrors; one kernel per function; every kernel handles any size
 * (grid-stride loops, no tail assumptions). A kernel's parameters are declared once, in {@code Kernel},
 * and a test checks them against the C source.
 */
package dev.ingot.cuda.kernels;
