/**
 * The CPU backend: {@link dev.ingot.cpu.CpuBackend}, the {@link dev.ingot.cpu.CpuBackendProvider}
 * that {@link java.util.ServiceLoader} finds, and {@link dev.ingot.cpu.CpuStorage}, a tensor's
 * Java array.
 *
 * <p>Rules of this package:
 * <ul>
 *   <li>Each backend method first calls the {@link dev.ingot.core.KernelChecks} method named after
 *       it, then unwraps the arrays and calls one kernel of {@link dev.ingot.cpu.kernels}. No math
 *       lives here, and the kernels check nothing again.</li>
 *   <li>It depends on engine-core only, and nothing imports it: users get the backend by name
 *       from {@link dev.ingot.core.Backends#get}.</li>
 *   <li>A tensor's memory is a plain array; {@link dev.ingot.core.Backend#bytesInUse()} counts the
 *       bytes of every tensor not yet closed, so that tests can find leaks.</li>
 * </ul>
 */
package dev.ingot.cpu;
