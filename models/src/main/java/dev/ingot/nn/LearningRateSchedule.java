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
 *   piecewiseLinear(lr, [t_i], [f_i]) lr * interp(t, t_i, f_i), flat outside               (np.interp: airbench's triangle)
 *   triangular(lr, T, peak, f0, fT)  piecewiseLinear(lr, [0, peak*T, T], [f0, 1, fT])
 *   oneCycle(lr, T, pct)             OneCycleLR(max_lr=lr, total_steps=T, pct_start=pct), cosine annealing,
 *                                    from lr/25 up to lr over pct*T - 1 steps, down to lr/25/1e4 at T - 1
 *   function(name, f)                f(t), any pure function of the step (LambdaLR)
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

    /**
     * {@code learningRate} times the piecewise-linear curve through {@code (steps[i], factors[i])}
     * (steps increasing), flat before the first and after the last point, as {@code np.interp}.
     */
    static LearningRateSchedule piecewiseLinear(float learningRate, long[] steps, float[] factors) {
        return new PiecewiseLinear(learningRate, steps.clone(), factors.clone());
    }

    /**
     * airbench's triangle: from {@code learningRate * startFactor} at step 0 linearly up to
     * {@code learningRate} at step {@code round(peakFraction * steps)}, then down to
     * {@code learningRate * endFactor} at step {@code steps}.
     */
    static LearningRateSchedule triangular(float learningRate, long steps, double peakFraction, float startFactor,
                                           float endFactor) {
        if (steps < 2 || !(peakFraction > 0 && peakFraction < 1)) {
            throw new IllegalArgumentException("triangular schedule needs steps >= 2 and a peak fraction in (0, 1), got "
                    + steps + " and " + peakFraction);
        }
        long peak = Math.max(1, Math.min(steps - 1, Math.round(peakFraction * steps)));
        return piecewiseLinear(learningRate, new long[] {0, peak, steps}, new float[] {startFactor, 1f, endFactor});
    }

    /** PyTorch's {@code OneCycleLR(max_lr, total_steps, pct_start)} with its defaults (cosine, div 25, final div 1e4). */
    static LearningRateSchedule oneCycle(float maxLearningRate, long steps, double pctStart) {
        return new OneCycle(maxLearningRate, steps, pctStart);
    }

    /**
     * Any pure function of the step count ({@code LambdaLR}); {@code name} goes into checkpoints, so a
     * resumed run must pass the same function under the same name.
     */
    static LearningRateSchedule function(String name, java.util.function.LongToDoubleFunction rate) {
        return new FunctionOfStep(name, rate);
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

    record PiecewiseLinear(float learningRate, long[] steps, float[] factors) implements LearningRateSchedule {
        public PiecewiseLinear {
            check(learningRate);
            if (steps.length < 1 || steps.length != factors.length) {
                throw new IllegalArgumentException("piecewise-linear schedule needs as many steps as factors (at least"
                        + " one), got " + steps.length + " and " + factors.length);
            }
            for (int i = 0; i < steps.length; i++) {
                if ((i > 0 && steps[i] <= steps[i - 1]) || steps[i] < 0 || !(factors[i] >= 0)
                        || !Float.isFinite(factors[i])) {
                    throw new IllegalArgumentException("piecewise-linear schedule needs increasing steps >= 0 and"
                            + " factors >= 0, got " + java.util.Arrays.toString(steps) + " and "
                            + java.util.Arrays.toString(factors));
                }
            }
        }

        @Override
        public float learningRate(long step) {
            int last = steps.length - 1;
            if (step <= steps[0]) {
                return learningRate * factors[0];
            }
            if (step >= steps[last]) {
                return learningRate * factors[last];
            }
            int i = 1;
            while (steps[i] < step) {
                i++;
            }
            double f = (double) (step - steps[i - 1]) / (steps[i] - steps[i - 1]);
            return (float) (learningRate * (factors[i - 1] + f * ((double) factors[i] - factors[i - 1])));
        }

        @Override
        public Map<String, String> config() {
            Map<String, String> c = new LinkedHashMap<>();
            c.put("schedule", "piecewise_linear");
            c.put("schedule_steps", java.util.Arrays.toString(steps));
            c.put("schedule_factors", java.util.Arrays.toString(factors));
            return c;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof PiecewiseLinear p && p.learningRate == learningRate
                    && java.util.Arrays.equals(p.steps, steps) && java.util.Arrays.equals(p.factors, factors);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(steps) * 31 + java.util.Arrays.hashCode(factors);
        }

        @Override
        public String toString() {
            return "PiecewiseLinear[" + learningRate + ", " + java.util.Arrays.toString(steps) + ", "
                    + java.util.Arrays.toString(factors) + "]";
        }
    }

    record OneCycle(float maxLearningRate, long steps, double pctStart) implements LearningRateSchedule {
        public OneCycle {
            check(maxLearningRate);
            if (steps < 2 || !(pctStart > 0 && pctStart < 1)) {
                throw new IllegalArgumentException("one-cycle schedule needs steps >= 2 and pct_start in (0, 1), got "
                        + steps + " and " + pctStart);
            }
        }

        @Override
        public float learningRate(long step) {
            double initial = maxLearningRate / 25.0;
            double minimum = initial / 1e4;
            double peakStep = pctStart * steps - 1;
            double endStep = steps - 1;
            double t = Math.min(step, steps - 1);
            if (t <= peakStep) {
                return (float) anneal(initial, maxLearningRate, peakStep <= 0 ? 1 : t / peakStep);
            }
            return (float) anneal(maxLearningRate, minimum, (t - peakStep) / (endStep - peakStep));
        }

        private static double anneal(double start, double end, double pct) {
            return end + (start - end) / 2 * (StrictMath.cos(Math.PI * pct) + 1);
        }

        @Override
        public Map<String, String> config() {
            Map<String, String> c = new LinkedHashMap<>();
            c.put("schedule", "one_cycle");
            c.put("schedule_steps", Long.toString(steps));
            c.put("schedule_pct_start", Double.toString(pctStart));
            return c;
        }
    }

    record FunctionOfStep(String name, java.util.function.LongToDoubleFunction rate) implements LearningRateSchedule {
        public FunctionOfStep {
            if (name == null || name.isBlank() || rate == null) {
                throw new IllegalArgumentException("a schedule function needs a name and a function, got " + name
                        + " and " + rate);
            }
        }

        @Override
        public float learningRate(long step) {
            double lr = rate.applyAsDouble(step);
            if (!(lr >= 0) || !Double.isFinite(lr)) {
                throw new IllegalStateException("schedule '" + name + "' gave learning rate " + lr + " at step " + step
                        + "; it must be 0 or positive and finite");
            }
            return (float) lr;
        }

        @Override
        public Map<String, String> config() {
            Map<String, String> c = new LinkedHashMap<>();
            c.put("schedule", "function");
            c.put("schedule_name", name);
            return c;
        }
    }
}
