package dev.ingot.nn;

import dev.ingot.core.Backend;
import dev.ingot.core.DType;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.data.Augmentation;
import dev.ingot.data.Batch;
import dev.ingot.data.BatchSource;
import dev.ingot.data.DataLoader;
import dev.ingot.data.Dataset;

import java.util.function.Supplier;

/**
 * Keras' {@code compile} + {@code fit} + {@code evaluate} for a {@link Model} classifier:
 * a model, a loss, an optimizer and a seed.
 *
 * <pre>{@code
 * try (Trainer trainer = new Trainer(model, new CrossEntropyLoss(), new Adam(), 42)) {
 *     History history = trainer.fit(train, 5, 32, test, TrainingListener.NONE);
 *     EvaluationReport report = trainer.evaluate(test, 32);
 * }
 * }</pre>
 *
 * <h2>One training step</h2>
 * copy the batch in, {@code logits = model.forward(x, training)}, fused softmax cross-entropy and
 * its gradient, {@code model.backward(gradient)}, {@code optimizer.step(parameters)}; then the
 * loss value and the number of right answers come back to the host for the running metrics.
 *
 * <h2>Determinism and resuming</h2>
 * The data order of epoch e is a function of (seed, e) ({@link DataLoader}), the dropout masks of
 * step t a function of (seed, t), the initial weights a function of the seed ({@link
 * Model#build}). {@link #progress()} is the whole position of a run; a checkpoint stores it
 * with the weights and optimizer state, and {@link #restore} puts it back, so a resumed run on a
 * deterministic backend ends with the same weights, bit for bit, as an uninterrupted one.
 *
 * <p>The trainer owns the loss and the optimizer (and its input buffers); the caller owns the model.
 */
public final class Trainer implements AutoCloseable {
    /** Stream id that separates the dropout seeds from the weight-initialisation seeds. */
    private static final long DROPOUT_STREAM = 0x44524F50L;

    private final Model model;
    private final CrossEntropyLoss loss;
    private final Optimizer optimizer;
    private final long seed;
    private final TensorCache inputs = new TensorCache();
    private Augmentation augmentation = Augmentation.none();
    private TestTimeAugmentation tta = TestTimeAugmentation.none();
    private float[] viewImages = new float[0];
    private float[] hostImages = new float[0];
    private TrainingProgress progress = TrainingProgress.START;
    private History history = History.empty();
    private volatile boolean stopRequested;
    private int[] predictions = new int[0];
    private Replicas replicas = Replicas.SINGLE;
    private final float[] stepTotals = new float[3];
    private volatile boolean stopAsked; // data-parallel: a stop request, not yet agreed by every replica

    /**
     * @param model     a built model
     * @param loss      the loss (owned by the trainer from now on)
     * @param optimizer the optimizer (owned by the trainer from now on)
     * @param seed      the run's seed: data order and dropout masks follow from it (the weights
     *                  already followed from the seed given to {@link Model#build})
     */
    public Trainer(Model model, CrossEntropyLoss loss, Optimizer optimizer, long seed) {
        if (model == null || loss == null || optimizer == null) {
            throw new IllegalArgumentException("a trainer needs a model, a loss and an optimizer, got " + model + ", "
                    + loss + ", " + optimizer);
        }
        if (!model.isBuilt()) {
            throw new IllegalArgumentException("the model is not built: call model.build(backend, inputShape, seed)"
                    + " before making a trainer");
        }
        this.model = model;
        this.loss = loss;
        this.optimizer = optimizer;
        this.seed = seed;
        inputs.bind(model.backend());
    }

    /** Random crops and flips of the training images (default none, as in the Keras seeds). */
    public Trainer augmentation(Augmentation augmentation) {
        if (augmentation == null) {
            throw new IllegalArgumentException("augmentation must not be null; use Augmentation.none()");
        }
        this.augmentation = augmentation;
        return this;
    }

    /**
     * Trains as one of several data-parallel replicas ({@link Replicas}): each step on this
     * replica's shard of the global batch, with gradients and metrics reduced over all of them.
     */
    public Trainer replicas(Replicas replicas) {
        if (replicas == null) {
            throw new IllegalArgumentException("replicas must not be null; use Replicas.SINGLE");
        }
        this.replicas = replicas;
        return this;
    }

    /**
     * Test-time augmentation for {@link #evaluate} (default none): each image scored as the weighted
     * sum of the logits of its views.
     */
    public Trainer testTimeAugmentation(TestTimeAugmentation tta) {
        if (tta == null) {
            throw new IllegalArgumentException("test-time augmentation must not be null; use TestTimeAugmentation.none()");
        }
        if (!tta.isNone() && model.inputShape().rank() != 3) {
            throw new IllegalArgumentException("test-time augmentation needs images (C, H, W) but the model takes "
                    + model.inputShape());
        }
        this.tta = tta;
        return this;
    }

    public Model model() {
        return model;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    public long seed() {
        return seed;
    }

    /** The position of the run, for checkpoints. */
    public TrainingProgress progress() {
        return progress;
    }

    /** The finished epochs. */
    public History history() {
        return history;
    }

    /**
     * Puts a run's position and history back (when resuming from a checkpoint; the weights and
     * optimizer state are restored by the checkpoint itself).
     */
    public void restore(TrainingProgress progress, History history) {
        if (progress == null || history == null) {
            throw new IllegalArgumentException("restore needs a progress and a history");
        }
        if (history.epochs().size() != progress.epoch()) {
            throw new IllegalArgumentException("checkpoint history has " + history.epochs().size()
                    + " epochs but the progress says " + progress.epoch() + " are finished");
        }
        this.progress = progress;
        this.history = history;
    }

    /**
     * Asks a running {@link #fit} to return after the step in progress, leaving {@link #progress()}
     * mid-epoch (for a checkpoint). Callable from any thread.
     */
    public void requestStop() {
        if (replicas.count() > 1) {
            stopAsked = true; // every replica stops after the same step: see trainShard
        } else {
            stopRequested = true;
        }
    }

    /**
     * Trains until {@code epochs} epochs are finished (counting epochs finished before a
     * {@link #restore}), validating after each epoch when {@code validation} is given.
     *
     * @param train      training images; shuffled each epoch with the run's seed
     * @param epochs     total epochs the run should have when this returns
     * @param batchSize  images per step (the last batch of an epoch may be smaller)
     * @param validation evaluated after each epoch, or {@code null}
     * @param listener   progress hooks ({@link TrainingListener#NONE} for none)
     * @return the history of every finished epoch; fewer than {@code epochs} if stopped early
     */
    public History fit(Dataset train, int epochs, int batchSize, Dataset validation, TrainingListener listener) {
        if (train == null) {
            throw new IllegalArgumentException("fit needs a training set");
        }
        if (epochs < 1 || batchSize < 1) {
            throw new IllegalArgumentException("fit needs epochs >= 1 and batchSize >= 1, got epochs " + epochs
                    + ", batchSize " + batchSize);
        }
        checkData("training", train);
        if (validation != null) {
            checkData("validation", validation);
        }
        try (DataLoader loader = DataLoader.builder(train).batchSize(batchSize).seed(seed).augmentation(augmentation)
                .build()) {
            return fit(loader, epochs, validation == null ? null : () -> evaluate(validation, batchSize), listener);
        }
    }

    /**
     * Trains from a {@link BatchSource}: an {@link dev.ingot.data.ImageLoader} streaming an image
     * folder or a packed file (its own seed, transforms and batch size apply; build it with this
     * trainer's seed for a reproducible run), validating on {@code validation}'s batches after
     * each epoch when given. The caller owns and closes both sources.
     */
    public History fit(BatchSource train, int epochs, BatchSource validation, TrainingListener listener) {
        if (train == null) {
            throw new IllegalArgumentException("fit needs a training set");
        }
        if (epochs < 1) {
            throw new IllegalArgumentException("fit needs epochs >= 1, got " + epochs);
        }
        checkData("training", train.name(), train.channels(), train.height(), train.width(), train.classes(),
                train.datasetSize());
        if (validation != null) {
            checkData("validation", validation.name(), validation.channels(), validation.height(), validation.width(),
                    validation.classes(), validation.datasetSize());
        }
        return fit(train, epochs, validation == null ? null : () -> evaluate(validation), listener);
    }

    private History fit(BatchSource loader, int epochs, Supplier<EvaluationReport> validation, TrainingListener listener) {
        int batchSize = loader.batchSize();
        int trainSize = loader.datasetSize();
        TrainingListener hooks = listener == null ? TrainingListener.NONE : listener;
        if (progress.batchSize() == 0) {
            progress = new TrainingProgress(progress.epoch(), 0, progress.globalStep(), batchSize, trainSize, 0, 0,
                    0, 0);
        } else if (progress.midEpoch() && (progress.batchSize() != batchSize || progress.trainImages() != trainSize)) {
            throw new IllegalArgumentException("cannot resume mid-epoch with another batch size or training set:"
                    + " the checkpoint was made with batch size " + progress.batchSize() + " on "
                    + progress.trainImages() + " images, this run has batch size " + batchSize + " on " + trainSize);
        } else {
            progress = new TrainingProgress(progress.epoch(), progress.step(), progress.globalStep(), batchSize,
                    trainSize, progress.lossSum(), progress.correct(), progress.seen(), progress.seconds());
        }
        stopRequested = false;
        int steps = loader.batchesPerEpoch();
        while (progress.epoch() < epochs) {
            int epoch = progress.epoch();
            hooks.epochStarted(epoch + 1, epochs, steps, progress.step());
            long t0 = System.nanoTime();
            try (BatchSource.Epoch batches = loader.epoch(epoch, progress.step())) {
                for (Batch batch : batches) {
                    trainBatch(batch);
                    hooks.stepFinished(epoch + 1, progress.step(), steps, progress.seen(),
                            progress.lossSum() / progress.seen(), (double) progress.correct() / progress.seen());
                    if (stopRequested && progress.step() < steps) {
                        progress = progress.plusSeconds((System.nanoTime() - t0) / 1e9);
                        return history;
                    }
                }
            }
            progress = progress.plusSeconds((System.nanoTime() - t0) / 1e9);
            EvaluationReport report = null;
            long v0 = System.nanoTime();
            if (validation != null) {
                hooks.validationStarted(epoch + 1);
                report = validation.get();
            }
            double seconds = progress.seconds() + (System.nanoTime() - v0) / 1e9;
            EpochMetrics m = new EpochMetrics(epoch + 1, progress.lossSum() / progress.seen(),
                    (double) progress.correct() / progress.seen(),
                    report == null ? Double.NaN : report.loss(), report == null ? Double.NaN : report.accuracy(),
                    progress.seen() / progress.seconds(), seconds);
            history = history.plus(m);
            progress = progress.nextEpoch();
            hooks.epochFinished(m, report);
            if (stopRequested && progress.epoch() < epochs) {
                return history;
            }
        }
        return history;
    }

    /**
     * One optimisation step on {@code n} images (NCHW, the model's input shape) and labels, as
     * part of the run: advances {@link #progress()}.
     */
    private void trainBatch(Batch batch) {
        int n = batch.size();
        int[] labels = batch.labels();
        if (replicas.count() > 1) {
            trainShard(batch);
            return;
        }
        Backend b = model.backend();
        Tensor x = inputs.get("images", batchShape(n));
        Tensor y = inputs.get("labels", Shape.of(n), DType.INT32);
        batch.upload(b, x);   // 8-bit batches are normalised by the backend: no float copy on the host
        b.copyFromHost(labels, y);
        long stepSeed = Seeds.mix(Seeds.mix(seed, DROPOUT_STREAM), progress.globalStep());
        Tensor logits = model.forward(x, Mode.training(stepSeed));
        Tensor lossValue = loss.forward(logits, y, true);
        model.backward(loss.gradient());
        optimizer.step(model.trainableParameters());
        long correct = b.countCorrect(logits, y);
        progress = progress.afterStep(lossValue.item(), correct, n);
    }

    /**
     * One data-parallel step: this replica's shard of the global batch of {@code n}, gradients
     * reduced to the global batch's mean, the same optimizer step on every replica, and the
     * step's loss and hits summed over replicas (so progress and checkpoints describe the global
     * batch and do not depend on the number of replicas), with any stop request, so that every
     * replica stops after the same step. Dropout masks are drawn per replica.
     */
    private void trainShard(Batch batch) {
        int n = batch.size();
        int[] labels = batch.labels();
        Backend b = model.backend();
        int from = replicas.shardStart(n);
        int m = replicas.shardSize(n);
        stepTotals[0] = 0;
        stepTotals[1] = 0;
        stepTotals[2] = stopAsked ? 1 : 0;
        if (m > 0) {
            int perImage = batch.imageSize();
            int[] shardLabels = shardLabels(m);
            System.arraycopy(labels, from, shardLabels, 0, m);
            Tensor x = inputs.get("images", batchShape(m));
            Tensor y = inputs.get("labels", Shape.of(m), DType.INT32);
            if (batch.pixels() != null) {
                batch.upload(b, x, from);   // the backend reads the shard's bytes in place
            } else {
                float[] shardImages = shardImages(m * perImage);
                System.arraycopy(batch.images(), from * perImage, shardImages, 0, m * perImage);
                b.copyFromHost(shardImages, x);
            }
            b.copyFromHost(shardLabels, y);
            long stepSeed = Seeds.mix(Seeds.mix(Seeds.mix(seed, DROPOUT_STREAM), progress.globalStep()),
                    replicas.rank());
            Tensor logits = model.forward(x, Mode.training(stepSeed));
            Tensor lossValue = loss.forward(logits, y, true);
            replicas.beforeBackward(model, m, n);
            model.backward(loss.gradient());
            stepTotals[0] = lossValue.item() * m;
            stepTotals[1] = b.countCorrect(logits, y);
        }
        replicas.reduceGradients(model, m, n);
        optimizer.step(model.trainableParameters());
        replicas.sumTotals(stepTotals);
        if (stepTotals[2] > 0) {
            stopRequested = true; // some replica was asked to stop: all stop after this step
            stopAsked = false;
        }
        progress = progress.afterStep((double) stepTotals[0] / n, (long) stepTotals[1], n);
    }

    private float[] shardImages = new float[0];
    private int[] shardLabels = new int[0];

    private float[] shardImages(int length) {
        if (shardImages.length != length) {
            shardImages = new float[length];
        }
        return shardImages;
    }

    private int[] shardLabels(int length) {
        if (shardLabels.length != length) {
            shardLabels = new int[length];
        }
        return shardLabels;
    }

    /**
     * The mean loss, accuracy, per-class precision/recall and confusion matrix of the model on
     * {@code data}, in inference mode (no dropout), in batches of {@code batchSize}. When the
     * optimizer is an {@link ExponentialMovingAverage} (not lookahead), on the averaged weights; with
     * {@link #testTimeAugmentation}, over the weighted views.
     */
    public EvaluationReport evaluate(Dataset data, int batchSize) {
        if (data == null) {
            throw new IllegalArgumentException("evaluate needs a dataset");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("evaluate needs batchSize >= 1, got " + batchSize);
        }
        checkData("evaluation", data);
        try (DataLoader loader = DataLoader.sequential(data, batchSize)) {
            return evaluate(loader);
        }
    }

    /** {@link #evaluate(Dataset, int)} over one epoch of a {@link BatchSource} (build it unshuffled, without augmentation). */
    public EvaluationReport evaluate(BatchSource data) {
        if (optimizer instanceof ExponentialMovingAverage ema && !ema.lookahead()) {
            try (AutoCloseable averaged = ema.averagedWeights(model.trainableParameters())) {
                return evaluateCurrentWeights(data);
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException("could not put the trained weights back after evaluation", e);
            }
        }
        return evaluateCurrentWeights(data);
    }

    private EvaluationReport evaluateCurrentWeights(BatchSource data) {
        if (data == null) {
            throw new IllegalArgumentException("evaluate needs a dataset");
        }
        checkData("evaluation", data.name(), data.channels(), data.height(), data.width(), data.classes(),
                data.datasetSize());
        Backend b = model.backend();
        ConfusionMatrix confusion = new ConfusionMatrix(data.classes());
        double lossSum = 0;
        long seen = 0;
        try (BatchSource.Epoch batches = data.epoch(0, 0)) {
            for (Batch batch : batches) {
                int n = batch.size();
                Tensor x = inputs.get("images", batchShape(n));
                Tensor y = inputs.get("labels", Shape.of(n), DType.INT32);
                Tensor predicted = inputs.get("predictions", Shape.of(n), DType.INT32);
                batch.upload(b, x);
                b.copyFromHost(batch.labels(), y);
                // test-time augmentation renders its views on the host, from host floats
                Tensor logits = tta.isNone() ? model.forward(x, Mode.INFERENCE) : augmentedLogits(hostImages(batch), x, n);
                lossSum += (double) loss.forward(logits, y, false).item() * n;
                b.argmax(logits, predicted);
                if (predictions.length != n) {
                    predictions = new int[n];
                }
                b.copyToHost(predicted, predictions);
                for (int i = 0; i < n; i++) {
                    confusion.add(batch.labels()[i], predictions[i]);
                }
                seen += n;
            }
        }
        return new EvaluationReport(seen, lossSum / seen, confusion.accuracy(), confusion);
    }

    /** The batch's images as host floats: a float batch's own array, a uint8 batch's scaled into a buffer of the trainer. */
    private float[] hostImages(Batch batch) {
        if (batch.images() != null) {
            return batch.images();
        }
        int size = batch.size() * batch.imageSize();
        if (hostImages.length != size) {
            hostImages = new float[size];
        }
        batch.toFloats(hostImages);
        return hostImages;
    }

    /** The weighted sum of the logits of {@link #tta}'s views of the batch, in a buffer of the trainer. */
    private Tensor augmentedLogits(float[] images, Tensor x, int n) {
        Backend b = model.backend();
        Shape in = model.inputShape();
        int c = in.dim(0), h = in.dim(1), w = in.dim(2);
        int size = n * c * h * w;
        if (viewImages.length != size) {
            viewImages = new float[size];
        }
        Tensor sum = null;
        for (TestTimeAugmentation.View v : tta.views()) {
            TestTimeAugmentation.render(v, images, viewImages, n, c, h, w);
            b.copyFromHost(viewImages, x);
            Tensor logits = model.forward(x, Mode.INFERENCE);
            if (sum == null) {
                sum = inputs.get("tta_logits", logits.shape());
                b.scale(logits, v.weight(), sum);
            } else {
                b.axpy(v.weight(), logits, sum);
            }
        }
        return sum;
    }

    private Shape batchShape(int n) {
        return LayerState.batched(model.inputShape(), n);
    }

    private void checkData(String role, Dataset data) {
        checkData(role, data.name(), data.channels(), data.height(), data.width(), data.classes(), data.size());
    }

    private void checkData(String role, String name, int channels, int height, int width, java.util.List<String> classNames,
                           int size) {
        Shape perImage = Shape.of(channels, height, width);
        Shape expected = model.inputShape();
        boolean sameSize = expected.size() == perImage.size();
        if (!perImage.equals(expected) && !(sameSize && expected.rank() != 3)) {
            throw new IllegalArgumentException("the " + role + " set '" + name + "' has images of shape "
                    + perImage + " but the model takes " + expected);
        }
        int classes = model.outputShape().dim(-1);
        if (classNames.size() != classes) {
            throw new IllegalArgumentException("the " + role + " set '" + name + "' has "
                    + classNames.size() + " classes " + classNames + " but the model outputs " + classes
                    + " scores per image");
        }
        if (size == 0) {
            throw new IllegalArgumentException("the " + role + " set '" + name + "' is empty");
        }
    }

    /** Frees the loss's, the optimizer's and the trainer's own buffers (not the model). */
    @Override
    public void close() {
        try {
            inputs.close();
            loss.close();
        } finally {
            optimizer.close();
        }
    }
}
