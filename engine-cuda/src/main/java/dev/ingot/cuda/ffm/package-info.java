/**
 * FFM bindings of the four CUDA libraries: {@link dev.ingot.cuda.ffm.CudaDriver} ({@code libcuda.so.1}),
 * {@link dev.ingot.cuda.ffm.Cudnn} ({@code libcudnn.so.9}), {@link dev.ingot.cuda.ffm.Cublas}
 * ({@code libcublas.so.13}/{@code .12}) and {@link dev.ingot.cuda.ffm.Nvrtc} ({@code libnvrtc.so.13}/{@code .12}),
 * found by {@link dev.ingot.cuda.ffm.LibrarySearch} and loaded once per process by
 * {@link dev.ingot.cuda.ffm.NativeLibraries}.
 *
 * <p>Rules of this package:
 * <ul>
 *   <li>One final class per library: {@code static final MethodHandle}s made by its
 *       {@link dev.ingot.cuda.ffm.Binder} from a {@link java.lang.foreign.FunctionDescriptor} that mirrors
 *       the C prototype exactly (enums and {@code int} as {@code JAVA_INT}; {@code size_t} and
 *       {@code CUdeviceptr} as {@code JAVA_LONG}; handles and every {@code T*} as {@code ADDRESS}), and one
 *       static method per entry point returning the raw status. {@code BindingPrototypesTest} checks each
 *       name and descriptor against the headers.</li>
 *   <li>Binding never fails: a missing library or symbol gives handles that throw with the reason, so
 *       these classes load on machines without CUDA; the provider's probe decides availability.</li>
 *   <li>Nothing here owns device resources; owners live in {@code dev.ingot.cuda} and its sub-packages.</li>
 * </ul>
 */
package dev.ingot.cuda.ffm;
