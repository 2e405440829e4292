package dev.ingot.cuda.cudnn;

import dev.ingot.cuda.ffm.Cudnn;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.ToIntFunction;

/** The create-into-an-out-parameter pattern every cuDNN object shares. */
final class Descriptors {
    private Descriptors() {
    }

    /** Calls {@code creator(&out)}, checks its status, and returns {@code out}. */
    static MemorySegment create(ToIntFunction<MemorySegment> creator, String call) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            Cudnn.check(creator.applyAsInt(out), call);
            return out.get(ValueLayout.ADDRESS, 0);
        }
    }
}
