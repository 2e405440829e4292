package dev.ingot.bench.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What {@code TrainingGcProbe} measured over the timed part of a training run (after its warm-up):
 * how much the garbage collector ran, and how much the run allocated, per step.
 *
 * @param kind                  always {@code "training-gc"}, so the report recognises the file
 * @param model                 the reference model trained
 * @param backend               where it trained
 * @param batchSize             images per step
 * @param threads               the CPU backend's thread count
 * @param collector             the JVM's garbage collectors, {@code "PS Scavenge, PS MarkSweep"}
 * @param steps                 training steps in the timed part
 * @param seconds               wall time of the timed part
 * @param imagesPerSecond       training throughput over it (data loading included)
 * @param gcCount               collections during it, all collectors
 * @param gcMillis              collection time during it, all collectors
 * @param gcPercent             {@code gcMillis} as a percentage of the wall time
 * @param allocatedBytesPerStep heap bytes allocated per step by all threads (data loader included)
 * @param date                  when, UTC
 */
public record TrainingGcResult(String kind, String model, String backend, int batchSize, int threads, String collector,
                               long steps, double seconds, double imagesPerSecond, long gcCount, double gcMillis,
                               double gcPercent, double allocatedBytesPerStep, String date) {

    public static final String KIND = "training-gc";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public void write(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        JSON.writeValue(file.toFile(), this);
    }

    public static TrainingGcResult read(Path file) throws IOException {
        return JSON.readValue(file.toFile(), TrainingGcResult.class);
    }
}
