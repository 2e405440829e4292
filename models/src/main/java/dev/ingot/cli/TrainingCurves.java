package dev.ingot.cli;

import dev.ingot.nn.EpochMetrics;
import dev.ingot.nn.History;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Draws a run's training curves into one PNG: loss on the left, accuracy on the right, each with a
 * training and (when there is one) a validation line per epoch. Drawn with XChart on AWT, headless.
 */
final class TrainingCurves {
    private static final int WIDTH = 640;
    private static final int HEIGHT = 440;

    private TrainingCurves() {
    }

    /** Writes the PNG atomically (a temporary file renamed over {@code png}). */
    static void write(Path png, History history, String title) throws IOException {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        List<EpochMetrics> epochs = history.epochs();
        double[] x = epochs.stream().mapToDouble(EpochMetrics::epoch).toArray();
        boolean validation = !epochs.isEmpty() && epochs.stream().allMatch(EpochMetrics::hasValidation);
        XYChart loss = chart(title + ": loss", "cross-entropy", Styler.LegendPosition.InsideNE);
        loss.addSeries("train", x, epochs.stream().mapToDouble(EpochMetrics::trainLoss).toArray());
        XYChart accuracy = chart(title + ": accuracy", "accuracy (%)", Styler.LegendPosition.InsideSE);
        accuracy.addSeries("train", x, epochs.stream().mapToDouble(m -> 100 * m.trainAccuracy()).toArray());
        if (validation) {
            loss.addSeries("validation", x, epochs.stream().mapToDouble(EpochMetrics::validationLoss).toArray());
            accuracy.addSeries("validation", x,
                    epochs.stream().mapToDouble(m -> 100 * m.validationAccuracy()).toArray());
        }
        BufferedImage left = BitmapEncoder.getBufferedImage(loss);
        BufferedImage right = BitmapEncoder.getBufferedImage(accuracy);
        BufferedImage both = new BufferedImage(2 * WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = both.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, both.getWidth(), both.getHeight());
            g.drawImage(left, 0, 0, null);
            g.drawImage(right, WIDTH, 0, null);
        } finally {
            g.dispose();
        }
        Path target = png.toAbsolutePath();
        Files.createDirectories(target.getParent());
        Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName() + ".", ".tmp");
        try {
            if (!ImageIO.write(both, "png", tmp.toFile())) {
                throw new IOException("no PNG writer in this JRE");
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Loss falls and accuracy rises: each legend goes in the corner its curves leave empty. */
    private static XYChart chart(String title, String yTitle, Styler.LegendPosition legend) {
        XYChart c = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle("epoch")
                .yAxisTitle(yTitle).build();
        c.getStyler().setLegendPosition(legend);
        c.getStyler().setXAxisDecimalPattern("#");
        c.getStyler().setMarkerSize(7);
        return c;
    }
}
