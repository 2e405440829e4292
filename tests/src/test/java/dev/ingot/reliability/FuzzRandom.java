package dev.ingot.reliability;

import org.instancio.Instancio;
import org.instancio.Random;
import org.instancio.generator.AfterGenerate;
import org.instancio.settings.Keys;

import static org.instancio.Select.root;

/**
 * Where the fuzzers' randomness comes from: Instancio, the property-based data library this
 * project uses in place of jqwik (docs/decisions.md, "Fuzzing through Instancio"). A program of
 * calls is drawn interactively (each draw can depend on the previous ones, as Hypothesis's
 * {@code data()} strategy does), so it takes Instancio's seeded {@link Random} the way one of
 * Instancio's own generators does: Instancio hands it to a {@code Generator}, seeded with
 * {@code withSeed}, and the program keeps drawing from it. One seed gives one program on every
 * backend and on every run; a failure names the seed, and {@code -Dingot.fuzz.seed=S} replays it.
 */
final class FuzzRandom {
    private FuzzRandom() {
    }

    /** Instancio's random generator seeded with {@code seed}. */
    static Random seeded(long seed) {
        return Instancio.of(Random.class)
                .withSeed(seed)
                .withSetting(Keys.AFTER_GENERATE_HINT, AfterGenerate.DO_NOT_MODIFY)
                .supply(root(), random -> random)
                .create();
    }

    /** A uniform int in {@code [0, bound)}, as {@code SplittableRandom.nextInt(bound)}. */
    static int below(Random r, int bound) {
        return r.intRange(0, bound - 1);
    }

    /** A uniform long over the whole range (a seed). */
    static long anyLong(Random r) {
        return r.longRange(Long.MIN_VALUE, Long.MAX_VALUE);
    }
}
