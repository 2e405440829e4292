/**
 * The engine's core: {@link dev.ingot.core.Tensor}, {@link dev.ingot.core.Shape},
 * {@link dev.ingot.core.DType}, the {@link dev.ingot.core.Backend} interface every device
 * implements, and its discovery through {@link dev.ingot.core.Backends}.
 *
 * <p>Rules of this package: no kernels and no dependencies; nothing here knows any particular
 * backend. Argument checking lives in {@link dev.ingot.core.KernelChecks} so that every backend
 * rejects bad input identically, with messages that name the op, the argument and the shapes.
 */
package dev.ingot.core;
