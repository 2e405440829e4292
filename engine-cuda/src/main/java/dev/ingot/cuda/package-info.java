/**
 * The CUDA backend: cuDNN, cuBLAS, the CUDA driver API and NVRTC, bound through
 * {@code java.lang.foreign}. (A shell for now.)
 */
package dev.ingot.cuda;
