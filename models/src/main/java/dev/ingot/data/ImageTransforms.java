package dev.ingot.data;

import dev.ingot.core.spec.ImageNormalization;
import dev.ingot.data.image.UInt8Image;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The steps that turn a decoded image into a network input: {@link ImageTransform}s in order, then
 * scaling to [0, 1] and per-channel {@code (x - mean) / std} while the batch is filled (torchvision's
 * {@code ToTensor()} then {@code Normalize(mean, std)}).
 *
 * <p>From the CLI ({@code --augment}) as a comma-separated list, arguments after colons:
 * <pre>
 * resize:N                     shorter side to N (antialiased bilinear)
 * center-crop:N                central N x N
 * random-resized-crop:N[:MIN[:MAX]]  area fraction MIN..MAX (default 0.08..1), then N x N
 * hflip[:P]                    mirror with probability P (default 0.5)
 * alternating-flip             airbench's: one coin per image for the run, mirrored the other way on odd epochs
 * rotate:DEG                   uniform angle in [-DEG, DEG]
 * jitter:B[:C[:S]]             brightness, contrast, saturation (C, S default to B)
 * pad-crop:P                   pad P zeros, random crop back (translate by up to P)
 * translate:P                  translate by up to P with reflect padding (airbench's)
 * normalize:imagenet | normalize:cifar10 | normalize:M1:M2:M3:S1:S2:S3 (or M:S for grey)
 * </pre>
 * e.g. {@code pad-crop:4,hflip} (the CIFAR standard) or {@code random-resized-crop:224,hflip,normalize:imagenet}.
 *
 * @param steps the transforms, applied in order
 * @param mean  per-channel mean subtracted after scaling to [0, 1] (all 0 for none)
 * @param std   per-channel divisor (all 1 for none)
 */
public record ImageTransforms(List<ImageTransform> steps, float[] mean, float[] std) {
    public static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    public static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};
    public static final float[] CIFAR10_MEAN = {0.4914f, 0.4822f, 0.4465f};
    public static final float[] CIFAR10_STD = {0.2470f, 0.2435f, 0.2616f};

    public ImageTransforms {
        steps = List.copyOf(steps);
        if (mean == null || std == null || mean.length != std.length || (mean.length != 1 && mean.length != 3)) {
            throw new IllegalArgumentException("ImageTransforms: mean and std need 1 or 3 values each, got "
                    + Arrays.toString(mean) + " and " + Arrays.toString(std));
        }
        for (float s : std) {
            if (!(s > 0)) {
                throw new IllegalArgumentException("ImageTransforms: std values must be positive, got " + Arrays.toString(std));
            }
        }
        mean = mean.clone();
        std = std.clone();
    }

    /** No transforms, pixels scaled to [0, 1] only (what the built-in datasets give). */
    public static ImageTransforms none() {
        return new ImageTransforms(List.of(), new float[]{0f}, new float[]{1f});
    }

    /** The evaluation preprocessing for {@code size}: resize the shorter side, then the central square. */
    public static ImageTransforms evaluation(int size) {
        return new ImageTransforms(List.of(new ImageTransform.Resize(size), new ImageTransform.CenterCrop(size)),
                new float[]{0f}, new float[]{1f});
    }

    /** The same steps with another normalisation. */
    public ImageTransforms withNormalization(float[] newMean, float[] newStd) {
        return new ImageTransforms(steps, newMean, newStd);
    }

    /** These steps followed by {@code more} (normalisation: {@code more}'s when it has one, else this one's). */
    public ImageTransforms then(ImageTransforms more) {
        List<ImageTransform> all = new ArrayList<>(steps);
        all.addAll(more.steps);
        boolean moreNormalizes = !(more.mean.length == 1 && more.mean[0] == 0f && more.std[0] == 1f);
        return new ImageTransforms(all, moreNormalizes ? more.mean : mean, moreNormalizes ? more.std : std);
    }

    /** Parses a spec string (see the class comment); blank means {@link #none()}. */
    public static ImageTransforms parse(String spec) {
        List<ImageTransform> steps = new ArrayList<>();
        float[] mean = {0f};
        float[] std = {1f};
        if (spec == null || spec.isBlank()) {
            return none();
        }
        for (String item : spec.split(",")) {
            String[] p = item.trim().split(":");
            String op = p[0].toLowerCase(Locale.ROOT);
            try {
                switch (op) {
                    case "resize" -> steps.add(new ImageTransform.Resize(integer(p, 1)));
                    case "center-crop" -> steps.add(new ImageTransform.CenterCrop(integer(p, 1)));
                    case "random-resized-crop" -> steps.add(new ImageTransform.RandomResizedCrop(integer(p, 1),
                            p.length > 2 ? Double.parseDouble(p[2]) : 0.08, p.length > 3 ? Double.parseDouble(p[3]) : 1.0));
                    case "hflip" -> steps.add(new ImageTransform.HorizontalFlip(p.length > 1 ? Double.parseDouble(p[1]) : 0.5));
                    case "alternating-flip" -> {
                        if (p.length > 1) {
                            throw new IllegalArgumentException("alternating-flip takes no argument");
                        }
                        steps.add(new ImageTransform.AlternatingFlip());
                    }
                    case "rotate" -> steps.add(new ImageTransform.Rotation(Double.parseDouble(arg(p, 1))));
                    case "jitter" -> {
                        double b = Double.parseDouble(arg(p, 1));
                        steps.add(new ImageTransform.ColorJitter(b, p.length > 2 ? Double.parseDouble(p[2]) : b,
                                p.length > 3 ? Double.parseDouble(p[3]) : b));
                    }
                    case "pad-crop" -> steps.add(new ImageTransform.PadCrop(integer(p, 1)));
                    case "translate" -> steps.add(new ImageTransform.ReflectTranslate(integer(p, 1)));
                    case "normalize", "normalise" -> {
                        String which = arg(p, 1).toLowerCase(Locale.ROOT);
                        if (which.equals("imagenet")) {
                            mean = IMAGENET_MEAN;
                            std = IMAGENET_STD;
                        } else if (which.equals("cifar10")) {
                            mean = CIFAR10_MEAN;
                            std = CIFAR10_STD;
                        } else if (p.length == 3 || p.length == 7) {
                            int n = (p.length - 1) / 2;
                            mean = new float[n];
                            std = new float[n];
                            for (int i = 0; i < n; i++) {
                                mean[i] = Float.parseFloat(p[1 + i]);
                                std[i] = Float.parseFloat(p[1 + n + i]);
                            }
                        } else {
                            throw new IllegalArgumentException("normalize takes imagenet, cifar10, M:S or M1:M2:M3:S1:S2:S3");
                        }
                    }
                    default -> throw new IllegalArgumentException("unknown transform '" + op + "'; known: resize,"
                            + " center-crop, random-resized-crop, hflip, alternating-flip, rotate, jitter, pad-crop,"
                            + " translate, normalize");
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--augment '" + spec + "': '" + item.trim() + "' has a number that is not one: "
                        + e.getMessage(), e);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--augment '" + spec + "': '" + item.trim() + "': " + e.getMessage(), e);
            }
        }
        return new ImageTransforms(steps, mean, std);
    }

    private static String arg(String[] p, int i) {
        if (p.length <= i) {
            throw new IllegalArgumentException(p[0] + " needs an argument (" + p[0] + ":VALUE)");
        }
        return p[i];
    }

    private static int integer(String[] p, int i) {
        return Integer.parseInt(arg(p, i));
    }

    /**
     * The smallest shorter side the decoder may produce without changing the result: the size of a
     * leading {@code resize} (TurboJPEG then decodes at a scale no smaller than it). 0 when the
     * steps need the stored pixels.
     */
    public int decodeHint() {
        return !steps.isEmpty() && steps.getFirst() instanceof ImageTransform.Resize r ? r.size() : 0;
    }

    /** Applies the steps to one image with the given generator. */
    UInt8Image apply(UInt8Image image, SplitMix64 random) {
        UInt8Image out = image;
        for (ImageTransform t : steps) {
            out = t.apply(out, random);
        }
        return out;
    }

    /** Applies the steps to image {@code index} of epoch {@code epoch} with its (seed, epoch, index) generator. */
    UInt8Image apply(UInt8Image image, SplitMix64 random, long seed, int epoch, int index) {
        UInt8Image out = image;
        for (ImageTransform t : steps) {
            out = t.apply(out, random, seed, epoch, index);
        }
        return out;
    }

    /**
     * How the backend turns this pipeline's HWC bytes into the batch's floats:
     * {@code (b / 255 - mean[c]) / std[c]} ({@link dev.ingot.core.Backend#imagesFromHost}), so the
     * host never holds a float copy of a batch.
     */
    public ImageNormalization normalization() {
        return new ImageNormalization(ImageNormalization.Layout.NHWC, mean, std);
    }

    /** The spec string that {@link #parse} turns back into these transforms. */
    public String spec() {
        List<String> parts = new ArrayList<>();
        for (ImageTransform t : steps) {
            parts.add(t.spec());
        }
        if (!(mean.length == 1 && mean[0] == 0f && std[0] == 1f)) {
            StringBuilder s = new StringBuilder("normalize");
            for (float m : mean) {
                s.append(':').append(m);
            }
            for (float v : std) {
                s.append(':').append(v);
            }
            parts.add(s.toString());
        }
        return parts.isEmpty() ? "none" : String.join(",", parts);
    }

    @Override
    public String toString() {
        return spec();
    }
}
