/**
 * The CPU backend's kernels: plain static methods on Java arrays, one final class per op family
 * ({@code GemmKernels}, {@code Conv2dKernels}, {@code PoolKernels}, {@code ActivationKernels},
 * {@code SoftmaxKernels}, {@code LossKernels}, {@code OptimizerKernels}, {@code DropoutKernels},
 * {@code ElementwiseKernels}, {@code BatchNormKernels}, {@code GeluKernels}, {@code GlobalPoolKernels},
 * {@code ConcatKernels}), called by {@link dev.ingot.cpu.CpuBackend} after
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
 *   <li>Vector values never cross a call of ours, and methods with vector code stay small. C2
 *       always inlines the JDK's vector methods (force-inline) but ours only within its size and
 *       node budgets, and a compilation that inlines too much bytecode defers and then fails
 *       intrinsics: either way vectors get boxed, 5 to 20 times slower, silently. So methods of
 *       ours take arrays and ints (not inlining one costs a call, nothing more), and big steps are
 *       split into several such methods. Measured: the 2x2 max-pool backward step as one method
 *       of 36 vector operations, 10-26 ns per input element and 25 KB of garbage per plane; as
 *       two methods of about 20, 0.7-1.1 ns and none. See engine-cpu/README.md for how to check.
 *       {@code test(IS_NAN)} is written {@code v != v}, which C2 does intrinsify.</li>
 * </ul>
 */
package dev.ingot.cpu.kernels;
