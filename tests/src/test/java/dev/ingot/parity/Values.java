package dev.ingot.parity;

import dev.ingot.core.Backend;
import dev.ingot.core.DType;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A kernel's inputs or outputs as the host sees them: named arrays with their shapes, in argument
 * order. Inputs are drawn once per sample, so that the backend under test and the reference see the
 * same numbers; outputs are read back from whatever backend ran the kernel. Scalar arguments (alpha,
 * a step size) are one-element float arrays, so that {@link #abs()} also takes their magnitude.
 */
public final class Values {

    /** One named array: float32 or int32. */
    public record Value(Shape shape, float[] floats, int[] ints) {
    }

    private final Map<String, Value> values = new LinkedHashMap<>();

    public Values put(String name, Shape shape, float[] v) {
        values.put(name, new Value(shape, v, null));
        return this;
    }

    public Values put(String name, Shape shape, int[] v) {
        values.put(name, new Value(shape, null, v));
        return this;
    }

    /** A scalar argument, stored as a one-element array. */
    public Values scalar(String name, float v) {
        return put(name, Shape.of(1), new float[] {v});
    }

    /** Reads {@code t} back (float32 or int32) under {@code name}. */
    public Values read(String name, Tensor t) {
        return t.dtype() == DType.INT32 ? put(name, t.shape(), t.toIntArray()) : put(name, t.shape(), t.toFloatArray());
    }

    public Set<String> names() {
        return values.keySet();
    }

    public Value get(String name) {
        Value v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no value '" + name + "'; there are " + values.keySet());
        }
        return v;
    }

    public float[] f(String name) {
        return get(name).floats();
    }

    public int[] i(String name) {
        return get(name).ints();
    }

    public float scalar(String name) {
        return f(name)[0];
    }

    public Shape shape(String name) {
        return get(name).shape();
    }

    public boolean has(String name) {
        return values.containsKey(name);
    }

    /** The first value (the output of a single-output kernel). */
    public Value first() {
        return values.values().iterator().next();
    }

    /** A new tensor on {@code b} holding a copy of {@code name}. */
    public Tensor upload(Backend b, String name) {
        Value v = get(name);
        return v.floats() != null ? b.fromHost(v.shape(), v.floats()) : b.fromHost(v.shape(), v.ints());
    }

    /** A copy with {@code name} replaced by {@code v} (same shape): a perturbed input. */
    public Values with(String name, float[] v) {
        Values copy = copy();
        copy.put(name, shape(name), v);
        return copy;
    }

    /** A copy in which {@code from}'s value is also called {@code to} (the objective's r passed as dy). */
    public Values alias(String from, String to) {
        Values copy = copy();
        copy.values.put(to, get(from));
        return copy;
    }

    /** Element-wise magnitudes of every float value (int values, such as labels, unchanged): see {@link Tolerances}. */
    public Values abs() {
        Values a = new Values();
        values.forEach((name, v) -> a.values.put(name,
                v.floats() == null ? v : new Value(v.shape(), SeededInputs.abs(v.floats()), null)));
        return a;
    }

    private Values copy() {
        Values c = new Values();
        c.values.putAll(values);
        return c;
    }

    /** A new float32 output tensor filled with NaN: outputs are overwritten, so stale values must not leak through. */
    public static Tensor stale(Backend b, Shape shape) {
        Tensor t = b.zeros(shape);
        b.fill(t, Float.NaN);
        return t;
    }

    /** A new float32 tensor of zeros of shape {@code dims} (the arguments of error inputs). */
    public static Tensor zeros(Backend b, int... dims) {
        return b.zeros(Shape.of(dims));
    }

    @Override
    public String toString() {
        return values.keySet().toString();
    }
}
