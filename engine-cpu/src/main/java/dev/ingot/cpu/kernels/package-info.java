/**
 * The CPU backend's kernels: plain static methods on Java arrays, one final class per op family
 * ({@code GemmKernels}, {@code Conv2dKernels}, {@code PoolKernels}, {@code ActivationKernels},
 * {@code SoftmaxKernels}, {@code LossKernels}, {@code OptimizerKernels}, {@code DropoutKernels},
 * {@code ElementwiseKernels}), called by {@link dev.ingot.cpu.CpuBackend} after
 * {@link dev.ingot.core.KernelChecks} has validated every argument.
 *
 * <p>Rules of this package:
 * <ul>
 *   <li>Kernels trust their arguments (CpuBackend checked them) and never allocate tensors; the
 *       only per-call allocations are the range lambda, fork/join tasks when work is split, and a
 *       few partial sums in reductions.</li>
 *   <li>One kernel per method, with a header comment: the formula, the loop order, why it is fast.</li>
 *   <li>Vectors are {@code FloatVector.SPECIES_PREFERRED}, never a hard-coded width. A loop's last
 *       partial vector is a scalar tail or a masked vector step, and a tail computes exactly what a
 *       lane computes (same operations, Math.fma where the lanes fuse), so results do not depend on
 *       where a range or the vector loop ends.</li>
 *   <li>Work is split with {@link dev.ingot.cpu.parallel.Parallel#forRange} with a grain, stated
 *       and measured in each class, below which the caller's thread does it alone.</li>
 *   <li>Results do not depend on the thread count or on whether the JIT has compiled the kernel
 *       yet: reductions use a fixed partition and a fixed summation order, and float lane sums and
 *       exponentials are {@code RowPrimitives}' instead of {@code reduceLanes(ADD)} and
 *       {@code lanewise(EXP)}, whose results differ between the interpreter and C2.</li>
 *   <li>Vector code lives in small methods, and is measured. C2 force-inlines the JDK's vector
 *       methods but ours only within its size and node budgets; past them (a method with dozens of
 *       vector operations, or a helper it declines to inline) intrinsics fall back to boxed
 *       vectors, 5 to 20 times slower. Measured here: the 2x2 max-pool backward step as one
 *       method, 10-26 ns per input element; split into a 317-bytecode step (under
 *       {@code -XX:FreqInlineSize}, 325) and two helpers under {@code MaxInlineSize} (35),
 *       1.1-3.3 ns. So: methods with a loop take arrays and ints; a helper that passes vectors is
 *       a few bytecodes; {@code test(IS_NAN)} is written {@code v != v} (it is not intrinsified).</li>
 * </ul>
 */
package dev.ingot.cpu.kernels;
