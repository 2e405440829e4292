package dev.ingot.data;

import dev.ingot.data.image.ImageDecoding;
import dev.ingot.data.image.UInt8Image;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where an {@link ImageLoader} worker's time goes, stage by stage: read + decode, each transform
 * step, the copy into the batch. Runs the worker's own calls for {@code images} records on the
 * calling thread, with the (seed 1, epoch 0, index) draws a loader would use, and charges each call
 * the calling thread's CPU time (so other load on the machine does not inflate the figures, unlike
 * wall time). For {@code ImagePipelineBenchmark --profile}.
 *
 * @param stages CPU nanoseconds per stage, in pipeline order
 * @param images how many records were prepared
 */
public record ImagePipelineProfile(Map<String, Long> stages, int images) {

    /** Profiles the first {@code images} records of {@code records} (after {@code warmup} unprofiled ones). */
    public static ImagePipelineProfile measure(ImageRecords records, int channels, ImageTransforms transforms,
                                               int warmup, int images) {
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        Map<String, Long> stages = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        names.add("read + decode");
        for (ImageTransform t : transforms.steps()) {
            names.add(t.spec());
        }
        names.add("copy into the batch");
        for (String n : names) {
            stages.put(n, 0L);
        }
        byte[] batch = new byte[0];
        try (ImageDecoding decoder = ImageDecoding.open()) {
            for (int k = 0; k < warmup + images; k++) {
                int index = k % records.size();
                boolean timed = k >= warmup;
                long t0 = cpu.getCurrentThreadCpuTime();
                UInt8Image image = records.read(index, channels, transforms.decodeHint(), decoder);
                long t1 = cpu.getCurrentThreadCpuTime();
                if (timed) {
                    stages.merge(names.get(0), t1 - t0, Long::sum);
                }
                SplitMix64 random = SplitMix64.of(1, ImageLoader.TRANSFORM_PURPOSE, 0, index);
                int s = 1;
                for (ImageTransform t : transforms.steps()) {
                    long a = cpu.getCurrentThreadCpuTime();
                    image = t.apply(image, random);
                    long b = cpu.getCurrentThreadCpuTime();
                    if (timed) {
                        stages.merge(names.get(s), b - a, Long::sum);
                    }
                    s++;
                }
                long c0 = cpu.getCurrentThreadCpuTime();
                if (batch.length != image.pixels().length) {
                    batch = new byte[image.pixels().length];
                }
                System.arraycopy(image.pixels(), 0, batch, 0, batch.length);
                long c1 = cpu.getCurrentThreadCpuTime();
                if (timed) {
                    stages.merge(names.get(s), c1 - c0, Long::sum);
                }
            }
        }
        return new ImagePipelineProfile(stages, images);
    }

    /** Total CPU nanoseconds per image. */
    public double nanosPerImage() {
        long total = 0;
        for (long v : stages.values()) {
            total += v;
        }
        return (double) total / images;
    }

    /** One line per stage: microseconds per image and share of the total. */
    public String table() {
        StringBuilder sb = new StringBuilder();
        double total = nanosPerImage();
        for (Map.Entry<String, Long> e : stages.entrySet()) {
            double us = e.getValue() / 1e3 / images;
            sb.append(String.format(java.util.Locale.ROOT, "  %-40s %9.1f us/image  %5.1f %%%n", e.getKey(), us,
                    100 * us * 1e3 / total));
        }
        sb.append(String.format(java.util.Locale.ROOT, "  %-40s %9.1f us/image  (%,.0f images/s per thread)%n",
                "total", total / 1e3, 1e9 / total));
        return sb.toString();
    }
}
