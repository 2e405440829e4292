/**
 * The CPU backend's one thread pool, {@link dev.ingot.cpu.parallel.Parallel}, and the way kernels
 * split a loop over it.
 *
 * <p>Rules of this package:
 * <ul>
 *   <li>One pool per process, sized to the cores ({@code -Dingot.cpu.threads} or
 *       {@code INGOT_CPU_THREADS} to override); every backend instance shares it.</li>
 *   <li>A loop is cut into at most one contiguous chunk per thread, each at least the kernel's
 *       grain long; below that the calling thread does all the work, because a fork and join costs
 *       microseconds.</li>
 *   <li>How a loop is cut never changes a result: kernels split only independent units (rows,
 *       planes, columns), so every thread count gives the same bits.</li>
 * </ul>
 */
package dev.ingot.cpu.parallel;
