package dev.ingot.distributed;

import dev.ingot.core.Backend;
import dev.ingot.core.Backends;
import dev.ingot.data.Dataset;
import dev.ingot.data.Datasets;
import dev.ingot.data.Split;
import dev.ingot.models.ReferenceModel;
import dev.ingot.models.ReferenceModels;
import dev.ingot.nn.CrossEntropyLoss;
import dev.ingot.nn.Model;
import dev.ingot.nn.Parameter;
import dev.ingot.nn.Replicas;
import dev.ingot.nn.Trainer;
import dev.ingot.nn.TrainingListener;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * K training steps of a reference model (Adam, as its recipe says) on the first K x B real training
 * images, as one replica of a data-parallel group or alone, returning every parameter's values
 * (concatenated in parameter order) for the equality tests.
 */
final class ReplicaRun {
    private ReplicaRun() {
    }

    static Dataset mnist(Path dataDir, int images) throws IOException {
        return Datasets.load("mnist", Split.TRAIN, dataDir, false).subset(0, images);
    }

    /**
     * @param attach makes the replicas for the built trainer (and synchronises it), or null to train alone
     */
    static float[] train(String modelName, Dataset train, int steps, int batch, long seed,
                         Function<Trainer, Replicas> attach) {
        ReferenceModel recipe = ReferenceModels.get(modelName);
        try (Backend b = Backends.get("cpu");
             Model model = recipe.newModel().build(b, recipe.inputShape(), seed);
             Trainer trainer = new Trainer(model, new CrossEntropyLoss(), recipe.newOptimizer(steps, 1), seed)) {
            Replicas replicas = attach == null ? null : attach.apply(trainer);
            if (replicas != null) {
                trainer.replicas(replicas);
            }
            try {
                trainer.fit(train.subset(0, Math.min(train.size(), steps * batch)), 1, batch, null, TrainingListener.NONE);
            } finally {
                if (replicas instanceof DataParallel dp) {
                    dp.close(); // stops its communication thread
                }
            }
            return weights(model);
        }
    }

    static float[] weights(Model model) {
        long n = model.parameterCount();
        float[] all = new float[(int) n];
        int at = 0;
        for (Parameter p : model.parameters()) {
            float[] v = p.value().toFloatArray();
            System.arraycopy(v, 0, all, at, v.length);
            at += v.length;
        }
        return all;
    }

    /** The largest |a - b| / (1 + |b|) over all elements: relative for large weights, absolute for small. */
    static double maxDifference(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new AssertionError("weights of different sizes: " + a.length + " and " + b.length);
        }
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs((double) a[i] - b[i]) / (1 + Math.abs(b[i])));
        }
        return max;
    }
}
