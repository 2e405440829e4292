package dev.ingot.nn.checkpoint;

import dev.ingot.core.Backend;
import dev.ingot.core.Backends;
import dev.ingot.core.Shape;
import dev.ingot.nn.Adam;
import dev.ingot.nn.CrossEntropyLoss;
import dev.ingot.nn.Flatten;
import dev.ingot.nn.Linear;
import dev.ingot.nn.Parameter;
import dev.ingot.nn.Sequential;
import dev.ingot.nn.Trainer;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * The child process of {@link CheckpointKillTest}: saves a checkpoint of a 1.6 MB model over and
 * over, every parameter filled with the save's number, until it is killed. A checkpoint that mixes
 * two saves therefore shows as parameters holding different numbers.
 *
 * <p>Usage: {@code CheckpointWriterProcess FILE FIRST_NUMBER}; prints "saved N" after each save.
 */
public final class CheckpointWriterProcess {
    private CheckpointWriterProcess() {
    }

    static Trainer newTrainer(Backend backend) {
        Sequential model = new Sequential(new Flatten(), new Linear(512), new Linear(10))
                .build(backend, Shape.of(1, 28, 28), 1);
        return new Trainer(model, new CrossEntropyLoss(), new Adam(), 1);
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        long number = Long.parseLong(args[1]);
        try (Backend backend = Backends.get("cpu"); Trainer trainer = newTrainer(backend)) {
            System.out.println("ready");
            System.out.flush();
            while (true) {
                for (Parameter p : trainer.model().parameters()) {
                    float[] v = new float[(int) p.value().shape().size()];
                    Arrays.fill(v, number);
                    p.value().copyFrom(v);
                }
                Checkpoint.save(file, trainer, Map.of("ingot.model", "kill-test", "save", Long.toString(number)));
                System.out.println("saved " + number);
                System.out.flush();
                number++;
            }
        }
    }
}
