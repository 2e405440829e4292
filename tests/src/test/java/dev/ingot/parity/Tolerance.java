package dev.ingot.parity;

/**
 * How far a backend's float32 result may lie from the reference's: element {@code i} passes when
 * {@code |actual[i] - expected[i]| <= abs + rel * scale[i]}. The scale is {@code |expected[i]|}
 * unless the check supplies the magnitude of the terms that made the element (for sums, the same
 * kernel run on absolute values), which is what rounding error is proportional to.
 *
 * @param rel relative part, times the element's scale
 * @param abs absolute part
 * @param why the reasoning behind the numbers, printed with every failure
 */
public record Tolerance(double rel, double abs, String why) {

    public Tolerance {
        if (!(rel >= 0) || !(abs >= 0)) {
            throw new IllegalArgumentException("tolerance parts must be >= 0, got rel " + rel + ", abs " + abs);
        }
    }

    /** The error allowed for an element of the given scale. */
    public double allowed(double scale) {
        return abs + rel * scale;
    }

    @Override
    public String toString() {
        return String.format("|error| <= %.3g + %.3g * scale (%s)", abs, rel, why);
    }
}
