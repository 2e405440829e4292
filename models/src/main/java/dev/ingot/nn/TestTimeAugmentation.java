package dev.ingot.nn;

import java.util.List;

/**
 * Test-time augmentation: the logits of an image are the weighted sum of the logits of a few views
 * of it, each a shift by {@code (dy, dx)} pixels with reflect padding, optionally mirrored
 * left-right. airbench94's {@code infer_mirror_translate}:
 * <pre>
 *   0.25 x + 0.25 mirror(x) + 0.125 shift(x, -1, -1) + 0.125 mirror(shift(x, -1, -1))
 *                           + 0.125 shift(x, +1, +1) + 0.125 mirror(shift(x, +1, +1))
 * </pre>
 * (its {@code F.pad(x, 1, 'reflect')[..., 0:32, 0:32]} is a shift by -1, {@code [2:34, 2:34]} by +1).
 *
 * @param views the views and their weights (summing to 1 so that the loss stays a cross-entropy)
 */
public record TestTimeAugmentation(List<View> views) {

    /** One view: shift rows by {@code dy} and columns by {@code dx} (reflecting at the borders), then mirror. */
    public record View(int dy, int dx, boolean mirror, float weight) {
        public View {
            if (!(weight > 0) || !Float.isFinite(weight)) {
                throw new IllegalArgumentException("a test-time view needs a positive weight, got " + weight);
            }
        }

        boolean identity() {
            return dy == 0 && dx == 0 && !mirror;
        }
    }

    public TestTimeAugmentation {
        if (views == null || views.isEmpty()) {
            throw new IllegalArgumentException("test-time augmentation needs at least one view");
        }
        views = List.copyOf(views);
        double sum = 0;
        for (View v : views) {
            sum += v.weight();
        }
        if (Math.abs(sum - 1) > 1e-5) {
            throw new IllegalArgumentException("test-time view weights must sum to 1, got " + sum + " for " + views);
        }
    }

    /** The image as it is: no augmentation. */
    public static TestTimeAugmentation none() {
        return new TestTimeAugmentation(List.of(new View(0, 0, false, 1f)));
    }

    /** The image and its mirror image, half each (airbench's level 1). */
    public static TestTimeAugmentation mirror() {
        return new TestTimeAugmentation(List.of(new View(0, 0, false, 0.5f), new View(0, 0, true, 0.5f)));
    }

    /** airbench's level 2: mirror, plus the mirrored pair shifted by -1 and +1 pixel diagonally (see above). */
    public static TestTimeAugmentation mirrorTranslate() {
        return new TestTimeAugmentation(List.of(new View(0, 0, false, 0.25f), new View(0, 0, true, 0.25f),
                new View(-1, -1, false, 0.125f), new View(-1, -1, true, 0.125f),
                new View(1, 1, false, 0.125f), new View(1, 1, true, 0.125f)));
    }

    /** By name, for the command line: none, mirror or mirror-translate. */
    public static TestTimeAugmentation named(String name) {
        return switch (name == null ? "" : name) {
            case "none" -> none();
            case "mirror" -> mirror();
            case "mirror-translate" -> mirrorTranslate();
            default -> throw new IllegalArgumentException("test-time augmentation must be none, mirror or"
                    + " mirror-translate, got '" + name + "'");
        };
    }

    /** Whether this is {@link #none()}. */
    public boolean isNone() {
        return views.size() == 1 && views.getFirst().identity();
    }

    /**
     * Writes view {@code v} of {@code n} images (NCHW, {@code c} x {@code h} x {@code w}) from {@code src}
     * into {@code dst}: {@code dst[y][x] = src[reflect(y + dy)][reflect(x' + dx)]} with {@code x' = w-1-x}
     * when mirrored; reflect as {@code F.pad(mode='reflect')} (the border pixel is not repeated).
     */
    public static void render(View v, float[] src, float[] dst, int n, int c, int h, int w) {
        if (Math.abs(v.dy()) >= h || Math.abs(v.dx()) >= w) {
            throw new IllegalArgumentException("test-time shift (" + v.dy() + ", " + v.dx()
                    + ") must be smaller than the image " + h + "x" + w);
        }
        for (int plane = 0; plane < n * c; plane++) {
            int base = plane * h * w;
            for (int y = 0; y < h; y++) {
                int sy = reflect(y + v.dy(), h);
                for (int x = 0; x < w; x++) {
                    int sx = reflect((v.mirror() ? w - 1 - x : x) + v.dx(), w);
                    dst[base + y * w + x] = src[base + sy * w + sx];
                }
            }
        }
    }

    private static int reflect(int i, int size) {
        if (size == 1) {
            return 0;
        }
        if (i < 0) {
            return -i;
        }
        return i >= size ? 2 * size - 2 - i : i;
    }
}
