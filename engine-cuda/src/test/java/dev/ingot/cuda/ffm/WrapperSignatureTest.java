package dev.ingot.cuda.ffm;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.WrongMethodTypeException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every FFM wrapper ({@code CudaDriver.cuMemAlloc}, {@code Cudnn.cudnnConvolutionForward}, ...)
 * calls its handle with {@code invokeExact}, whose types must equal the handle's descriptor exactly;
 * a wrapper that drifted from its descriptor (an {@code int} where the descriptor says {@code long},
 * a missing argument) compiles, and fails only when called, with {@link WrongMethodTypeException} or
 * {@link ClassCastException}: on the GPU machine, at the worst time. Where a library is absent,
 * its handles are the binder's throwing stand-ins, built from the same descriptors, so calling every
 * wrapper with null pointers and zeros checks every {@code invokeExact} here, without a GPU: each
 * must end in the binder's own {@link IllegalStateException} ("... cannot be called: ..."). A
 * library that is loaded here is skipped (null pointers must never reach a real library).
 */
class WrapperSignatureTest {

    private static final Map<Class<?>, Binder> BINDINGS = Map.of(
            CudaDriver.class, CudaDriver.binder(),
            Nvrtc.class, Nvrtc.binder(),
            Cublas.class, Cublas.binder(),
            Cudnn.class, Cudnn.binder());

    /** The bound symbol a wrapper calls: its own name, or that name with a version suffix ({@code cuMemAlloc_v2}). */
    private static boolean wraps(Method m, Binder binder) {
        return binder.bindings().stream().anyMatch(b -> b.symbol().equals(m.getName())
                || b.symbol().startsWith(m.getName() + "_v"));
    }

    private static Object zero(Class<?> type) {
        if (type == MemorySegment.class) {
            return MemorySegment.NULL;
        }
        if (type == int.class) {
            return 0;
        }
        if (type == long.class) {
            return 0L;
        }
        if (type == float.class) {
            return 0f;
        }
        if (type == double.class) {
            return 0d;
        }
        if (type == boolean.class) {
            return false;
        }
        return null; // a reference type: null, as the brief says
    }

    @Test
    void everyWrapperOfAnAbsentLibraryEndsInTheBindersOwnException() {
        List<String> problems = new ArrayList<>();
        int called = 0;
        TreeSet<String> skipped = new TreeSet<>();
        for (Map.Entry<Class<?>, Binder> e : BINDINGS.entrySet()) {
            Binder binder = e.getValue();
            if (binder.loaded() != null) {
                skipped.add(binder.library().description() + " (loaded here: " + binder.loaded().file() + ")");
                continue;
            }
            TreeSet<String> wrapped = new TreeSet<>();
            for (Method m : e.getKey().getDeclaredMethods()) {
                if (!Modifier.isStatic(m.getModifiers()) || !Modifier.isPublic(m.getModifiers()) || !wraps(m, binder)) {
                    continue;
                }
                wrapped.add(m.getName());
                Object[] args = new Object[m.getParameterCount()];
                for (int i = 0; i < args.length; i++) {
                    args[i] = zero(m.getParameterTypes()[i]);
                }
                called++;
                try {
                    m.invoke(null, args);
                    problems.add(m + " returned although " + binder.library().description() + " is absent");
                } catch (InvocationTargetException ite) {
                    Throwable t = ite.getCause();
                    if (!(t instanceof IllegalStateException) || t.getMessage() == null
                            || !t.getMessage().contains("cannot be called")) {
                        problems.add(m.getDeclaringClass().getSimpleName() + "." + m.getName() + " threw " + t
                                + (t instanceof WrongMethodTypeException || t instanceof ClassCastException
                                ? " (the wrapper's invokeExact types differ from its descriptor)" : ""));
                    }
                } catch (IllegalAccessException iae) {
                    problems.add(m + ": " + iae);
                }
            }
            assertTrue(!wrapped.isEmpty(), "no wrappers found in " + e.getKey().getSimpleName());
        }
        if (!skipped.isEmpty()) {
            System.out.println("[WrapperSignatureTest] not checked (the real library is loaded): " + skipped);
        }
        assumeTrue(called > 0, "every CUDA library is loaded here: nothing to call with null arguments");
        if (!problems.isEmpty()) {
            fail(problems.size() + " wrapper(s) drifted from their descriptors:\n" + String.join("\n", problems));
        }
        System.out.println("[WrapperSignatureTest] " + called + " wrappers called with null/zero arguments");
    }
}
