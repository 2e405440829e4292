package dev.ingot.cuda.ffm;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * Makes the downcall handles of one library's binding class and remembers every symbol it bound,
 * with its {@link FunctionDescriptor}, so that tests can check names and signatures against the C
 * headers and the probe can report symbols a library lacks.
 *
 * <p>Binding never fails: when the library is not loaded, or lacks a symbol, the handle throws
 * {@link IllegalStateException} naming the symbol and the reason when called. That keeps the
 * binding classes loadable on machines without CUDA (their {@code static final} fields are built
 * in the class initializer), while {@link dev.ingot.cuda.CudaBackendProvider#probe()} refuses to
 * create a backend before any such handle could be called.
 */
@SuppressWarnings("restricted") // native access is this class's job; the JVM runs with --enable-native-access
public final class Binder {
    /** One bound symbol: its name, its descriptor and whether the library exported it. */
    public record Binding(String symbol, FunctionDescriptor descriptor, boolean resolved, boolean optional) {
    }

    private final CudaLibrary library;
    private final NativeLibrary loaded;
    private final String absentReason;
    private final List<Binding> bindings = Collections.synchronizedList(new ArrayList<>());

    Binder(CudaLibrary library, LibrarySearch.LoadResult result) {
        this.library = library;
        this.loaded = result.loaded();
        this.absentReason = result.isLoaded() ? null : result.reason();
    }

    /** A required entry point. */
    MethodHandle bind(String symbol, FunctionDescriptor descriptor) {
        return bind(symbol, descriptor, false);
    }

    /** An entry point that older versions may lack; callers check {@link #has(String)} first. */
    MethodHandle bindOptional(String symbol, FunctionDescriptor descriptor) {
        return bind(symbol, descriptor, true);
    }

    private MethodHandle bind(String symbol, FunctionDescriptor descriptor, boolean optional) {
        Optional<MemorySegment> address = loaded == null ? Optional.empty() : loaded.find(symbol);
        bindings.add(new Binding(symbol, descriptor, address.isPresent(), optional));
        if (address.isPresent()) {
            return Linker.nativeLinker().downcallHandle(address.get(), descriptor);
        }
        String why = loaded == null
                ? symbol + " cannot be called: " + absentReason
                : symbol + " is not exported by " + loaded.file() + " (" + library.description()
                        + "); this version is too old or not the library Ingot expects";
        return throwing(descriptor.toMethodType(), why);
    }

    /** Whether {@code symbol} was found (for optional entry points). */
    boolean has(String symbol) {
        synchronized (bindings) {
            return bindings.stream().anyMatch(b -> b.symbol().equals(symbol) && b.resolved());
        }
    }

    /** Every symbol bound so far, in binding order. */
    public List<Binding> bindings() {
        synchronized (bindings) {
            return List.copyOf(bindings);
        }
    }

    /** Required symbols the loaded library lacks (empty when the library is not loaded at all). */
    public List<String> missingRequired() {
        if (loaded == null) {
            return List.of();
        }
        return bindings().stream().filter(b -> !b.resolved() && !b.optional()).map(Binding::symbol).toList();
    }

    public CudaLibrary library() {
        return library;
    }

    /** The loaded library, or {@code null}. */
    public NativeLibrary loaded() {
        return loaded;
    }

    /** A handle of {@code type} that throws a fresh {@link IllegalStateException} with {@code message}. */
    private static MethodHandle throwing(MethodType type, String message) {
        try {
            MethodHandle make = MethodHandles.insertArguments(MethodHandles.lookup().findConstructor(
                    IllegalStateException.class, MethodType.methodType(void.class, String.class)), 0, message);
            MethodHandle thrower = MethodHandles.throwException(type.returnType(), IllegalStateException.class);
            return MethodHandles.dropArguments(MethodHandles.foldArguments(thrower, make), 0, type.parameterList());
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    /** Rethrows what a downcall threw: unchecked as is, anything else wrapped. */
    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException("native call failed", t);
    }

    /** For {@link MemoryLayout}-typed descriptors in the binding classes. */
    static FunctionDescriptor fn(MemoryLayout result, MemoryLayout... args) {
        return FunctionDescriptor.of(result, args);
    }

    static FunctionDescriptor voidFn(MemoryLayout... args) {
        return FunctionDescriptor.ofVoid(args);
    }
}
