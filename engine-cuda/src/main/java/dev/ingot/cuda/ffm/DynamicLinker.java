package dev.ingot.cuda.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * The system's dynamic linker ({@code dlopen}, {@code dlsym}, {@code dlerror}, {@code dladdr} from libc),
 * called directly rather than through {@link SymbolLookup#libraryLookup}, for two reasons: a failed
 * load then reports the linker's own words ("libcublasLt.so.13: cannot open shared object file"),
 * which is what a user needs to fix it; and libraries can be opened {@code RTLD_GLOBAL}, so that the
 * sub-libraries cuDNN and cuBLAS {@code dlopen} by soname later resolve to the copies we preloaded by
 * full path.
 *
 * <p>Handles are never closed: a CUDA library stays mapped for the life of the process, as with
 * {@code Arena.global()}.
 */
@SuppressWarnings("restricted") // native access is this class's job; the JVM runs with --enable-native-access
final class DynamicLinker {
    static final int RTLD_NOW = 0x2;
    static final int RTLD_GLOBAL = 0x100;

    private static final MethodHandle DLOPEN;
    private static final MethodHandle DLSYM;
    private static final MethodHandle DLERROR;
    private static final MethodHandle DLADDR;

    static {
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        DLOPEN = linker.downcallHandle(libc.findOrThrow("dlopen"),
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        DLSYM = linker.downcallHandle(libc.findOrThrow("dlsym"),
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
        DLERROR = linker.downcallHandle(libc.findOrThrow("dlerror"), FunctionDescriptor.of(ValueLayout.ADDRESS));
        // int dladdr(const void *addr, Dl_info *info); Dl_info is four pointers, dli_fname first.
        DLADDR = linker.downcallHandle(libc.findOrThrow("dladdr"),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    }

    private DynamicLinker() {
    }

    /** Thrown when {@code dlopen} refuses a library; the message is the linker's {@code dlerror()}. */
    static final class LoadFailure extends Exception {
        LoadFailure(String message) {
            super(message);
        }
    }

    /**
     * Opens a library by absolute path, or by bare soname through the loader's own search
     * ({@code LD_LIBRARY_PATH}, {@code ld.so.cache}, the default folders).
     */
    static MemorySegment open(String pathOrSoname, int flags) throws LoadFailure {
        try (Arena arena = Arena.ofConfined()) {
            synchronized (DynamicLinker.class) { // dlerror() is per thread, but keep open+error paired
                MemorySegment handle = (MemorySegment) DLOPEN.invokeExact(arena.allocateFrom(pathOrSoname), flags);
                if (handle.address() == 0) {
                    throw new LoadFailure(lastError());
                }
                return handle;
            }
        } catch (LoadFailure e) {
            throw e;
        } catch (Throwable t) {
            throw new LoadFailure("dlopen(" + pathOrSoname + ") failed: " + t);
        }
    }

    /** The address of {@code name} in the library, or empty. */
    static Optional<MemorySegment> symbol(MemorySegment handle, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment address = (MemorySegment) DLSYM.invokeExact(handle, arena.allocateFrom(name));
            return address.address() == 0 ? Optional.empty() : Optional.of(address);
        } catch (Throwable t) {
            return Optional.empty();
        }
    }

    /** The file a symbol address belongs to (for libraries the loader found by soname), or empty. */
    static Optional<String> fileOf(MemorySegment symbolAddress) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(ValueLayout.ADDRESS, 4);
            int ok = (int) DLADDR.invokeExact(symbolAddress, info);
            MemorySegment fname = info.get(ValueLayout.ADDRESS, 0);
            if (ok == 0 || fname.address() == 0) {
                return Optional.empty();
            }
            return Optional.of(fname.reinterpret(Integer.MAX_VALUE).getString(0));
        } catch (Throwable t) {
            return Optional.empty();
        }
    }

    private static String lastError() throws Throwable {
        MemorySegment message = (MemorySegment) DLERROR.invokeExact();
        return message.address() == 0 ? "dlopen failed (no dlerror message)"
                : message.reinterpret(Integer.MAX_VALUE).getString(0);
    }
}
