package dev.ingot.cli;

import dev.ingot.nn.EpochMetrics;
import dev.ingot.nn.EvaluationReport;
import dev.ingot.nn.TrainingListener;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;
import java.text.DecimalFormat;
import java.util.Locale;

/**
 * What {@code ingot train} shows while it trains: on a terminal, a progress bar per epoch with the
 * running loss and accuracy, images per second and the time left; then, on any output, one line
 * per epoch with the training and validation loss and accuracy.
 */
final class ProgressDisplay implements TrainingListener {
    private final PrintStream out;
    private final boolean bar;
    private final int batchSize;
    private final int imagesPerEpoch;
    private ProgressBar progress;
    private int epochs;
    private java.util.function.DoubleSupplier pipelineRate;

    ProgressDisplay(PrintStream out, boolean bar, int batchSize, int imagesPerEpoch) {
        this.out = out;
        this.bar = bar;
        this.batchSize = batchSize;
        this.imagesPerEpoch = imagesPerEpoch;
    }

    /** Also show the data pipeline's own images/s (what the decoders could deliver) on the bar and after each epoch. */
    void pipelineRate(java.util.function.DoubleSupplier rate) {
        this.pipelineRate = rate;
    }

    @Override
    public void epochStarted(int epoch, int epochs, int steps, int firstStep) {
        this.epochs = epochs;
        if (firstStep > 0) {
            out.printf(Locale.ROOT, "epoch %d/%d: resuming at batch %d of %d%n", epoch, epochs, firstStep + 1, steps);
        }
        if (bar) {
            progress = new ProgressBarBuilder()
                    .setTaskName(String.format(Locale.ROOT, "epoch %d/%d", epoch, epochs))
                    .setInitialMax(imagesPerEpoch)
                    .setStyle(ProgressBarStyle.ASCII)
                    .setUnit(" img", 1)
                    .showSpeed(new DecimalFormat("#,##0"))
                    .setUpdateIntervalMillis(250)
                    .setMaxRenderedLength(140)
                    // Resuming mid-epoch: every batch before the resume point was a full one.
                    .startsFrom((long) firstStep * batchSize, java.time.Duration.ZERO)
                    .build();
        }
    }

    @Override
    public void stepFinished(int epoch, int step, int steps, long images, double loss, double accuracy) {
        if (progress != null) {
            progress.stepTo(images);
            progress.setExtraMessage(String.format(Locale.ROOT, "loss %.4f acc %.2f%%", loss, 100 * accuracy)
                    + (pipelineRate == null ? "" : String.format(Locale.ROOT, " pipeline %,.0f img/s",
                    pipelineRate.getAsDouble())));
        }
    }

    @Override
    public void validationStarted(int epoch) {
        closeBar();
    }

    @Override
    public void epochFinished(EpochMetrics m, EvaluationReport validation) {
        closeBar();
        String v = m.hasValidation() ? String.format(Locale.ROOT, ", val_loss %.4f, val_accuracy %.2f%%",
                m.validationLoss(), 100 * m.validationAccuracy()) : "";
        out.printf(Locale.ROOT, "epoch %d/%d: loss %.4f, accuracy %.2f%%%s, %,.0f images/s, %.1f s%n", m.epoch(), epochs,
                m.trainLoss(), 100 * m.trainAccuracy(), v, m.imagesPerSecond(), m.seconds());
        if (pipelineRate != null) {
            out.printf(Locale.ROOT, "  data pipeline: %,.0f images/s (decode + transforms, all workers)%n",
                    pipelineRate.getAsDouble());
        }
    }

    /** Ends the bar of an epoch that stops early. */
    void closeBar() {
        if (progress != null) {
            progress.close();
            progress = null;
        }
    }
}
