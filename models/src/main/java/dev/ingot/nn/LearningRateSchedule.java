package dev.ingot.nn;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The learning rate of each optimizer step, a pure function of the number of steps taken before it
 * (so a resumed run, whose step count comes back from the checkpoint, continues the same curve).
 * PyTorch's {@code lr_scheduler} stepped once per batch, in a handful of shapes:
 * <pre>
 *   constant(lr)                     lr
 *   cosine(lr, T, min)               min + (lr - min) * (1 + cos(pi * t / T)) / 2, then min   (CosineAnnealingLR)
 *   stepDecay(lr, every, gamma)      lr * gamma^floor(t / every)                             (StepLR)
 *   s.withWarmup(W)                  s(0) * (t + 1) / W for t < W, then s(t - W)             (LinearLR, then s)
 * </pre>
 */
public sealed interface LearningRateSchedule {

    /** The learning rate of the step after {@code step} steps (0 for the first). */
    float learningRate(long step);

    /** The schedule's shape and numbers, for checkpoints (a resumed run must use the same schedule). */
    Map<String, String> config();

    static LearningRateSchedule constant(float learningRate) {
        return new Constant(learningRate);
    }

    /** Cosine annealing from {@code learningRate} to {@code minimum} over {@code steps} steps. */
    static LearningRateSchedule cosine(float learningRate, long steps, float minimum) {
        return new Cosine(learningRate, steps, minimum);
    }

    /** Multiplies the rate by {@code gamma} every {@code every} steps. */
    static LearningRateSchedule stepDecay(float learningRate, long every, float gamma) {
        return new StepDecay(learningRate, every, gamma);
    }

    /** This schedule after a linear warm-up of {@code steps} steps from {@code rate(0) / steps} to {@code rate(0)}. */
    default LearningRateSchedule withWarmup(long steps) {
        return new Warmup(steps, this);
    }

    private static void check(float learningRate) {
        if (!(learningRate > 0) || !Float.isFinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be positive and finite, got " + learningRate);
        }
    }

    record Constant(float learningRate) implements LearningRateSchedule {
        public Constant {
            check(learningRate);
        }

        @Override
        public float learningRate(long step) {
            return learningRate;
        }

        @Override
        public Map<String, String> config() {
            return Map.of("schedule", "constant");
        }
    }

    record Cosine(float learningRate, long steps, float minimum) implements LearningRateSchedule {
        public Cosine {
            check(learningRate);
            if (steps < 1 || !(minimum >= 0) || minimum > learningRate) {
                throw new IllegalArgumentException("cosine schedule needs steps >= 1 and 0 <= minimum <= learning rate,"
                        + " got steps " + steps + ", minimum " + minimum + ", learning rate " + learningRate);
            }
        }

        @Override
        public float learningRate(long step) {
            if (step >= steps) {
                return minimum;
            }
            // StrictMath: the same bits on every run and before and after the JIT (bit-exact resume).
            double cos = StrictMath.cos(Math.PI * step / steps);
            return (float) (minimum + (learningRate - (double) minimum) * (1 + cos) / 2);
        }

        @Override
        public Map<String, String> config() {
            Map<String, String> c = new LinkedHashMap<>();
            c.put("schedule", "cosine");
            c.put("schedule_steps", Long.toString(steps));
            c.put("schedule_minimum", Float.toString(minimum));
            return c;
        }
    }

    record StepDecay(float learningRate, long every, float gamma) implements LearningRateSchedule {
        public StepDecay {
            check(learningRate);
            if (every < 1 || !(gamma > 0 && gamma <= 1)) {
                throw new IllegalArgumentException("step-decay schedule needs every >= 1 and gamma in (0, 1], got "
                        + every + " and " + gamma);
            }
        }

        @Override
        public float learningRate(long step) {
            return (float) (learningRate * StrictMath.pow(gamma, step / every));
        }

        @Override
        public Map<String, String> config() {
            Map<String, String> c = new LinkedHashMap<>();
            c.put("schedule", "step");
            c.put("schedule_every", Long.toString(every));
            c.put("schedule_gamma", Float.toString(gamma));
            return c;
        }
    }

    record Warmup(long steps, LearningRateSchedule then) implements LearningRateSchedule {
        public Warmup {
            if (steps < 1 || then == null) {
                throw new IllegalArgumentException("warm-up needs at least 1 step and a schedule to follow, got "
                        + steps + " and " + then);
            }
        }

        @Override
        public float learningRate(long step) {
            return step < steps ? (float) ((double) then.learningRate(0) * (step + 1) / steps)
                    : then.learningRate(step - steps);
        }

        @Override
        public Map<String, String> config() {
            Map<String, String> c = new LinkedHashMap<>(then.config());
            c.put("warmup_steps", Long.toString(steps));
            return c;
        }
    }
}
