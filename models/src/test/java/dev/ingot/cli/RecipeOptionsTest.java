package dev.ingot.cli;

import dev.ingot.cli.CliRun.Result;
import static dev.ingot.cli.CliRun.run;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ingot.data.SharedData;
import dev.ingot.nn.TestBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The recipe options of {@code ingot train} end to end on a slice of the real MNIST: a run with
 * every option, then resumed as a longer run (another schedule: refused); their {@code --help} text; and their bad values.
 */
class RecipeOptionsTest {

    private static List<String> train(Path output, Path data, String... more) {
        List<String> args = new ArrayList<>(List.of("train", "--model", "mnist-mlp", "--batch-size", "64",
                "--backend", TestBackend.name(), "--seed", "5", "--output", output.toString(), "--data-dir",
                data.toString(), "--limit-train", "640", "--no-download", "--no-progress", "--no-validation"));
        args.addAll(List.of(more));
        return args;
    }

    private static final String[] RECIPE = {"--optimizer", "nesterov", "--learning-rate", "0.05", "--lr-schedule",
            "triangular", "--weight-decay", "5e-4", "--label-smoothing", "0.1", "--class-weights", "balanced", "--ema",
            "0.9", "--ema-every", "2", "--clip-grad-norm", "5"};

    @Test
    void aRunWithEveryRecipeOptionTrainsAndAnotherLengthIsRefusedOnResume(@TempDir Path dir) throws IOException {
        Path data = SharedData.require("mnist");
        List<String> first = train(dir, data, RECIPE);
        first.addAll(List.of("--epochs", "1"));
        Result r = run(first);
        assertEquals(0, r.code(), r.show());
        JsonNode opt = new ObjectMapper().readTree(dir.resolve("metrics.json").toFile()).get("optimizer");
        assertEquals("sgd", opt.get("type").asText(), opt.toString());
        assertEquals("true", opt.get("nesterov").asText(), opt.toString());
        assertEquals("decoupled", opt.get("weight_decay_form").asText(), opt.toString());
        assertEquals("0.0", opt.get("group.no_decay.weight_decay").asText(), opt.toString());
        assertEquals("piecewise_linear", opt.get("schedule").asText(), opt.toString());
        assertEquals("0.9", opt.get("ema_decay").asText(), opt.toString());
        assertEquals("5.0", opt.get("clip_global_norm").asText(), opt.toString());
        double accuracy = new ObjectMapper().readTree(dir.resolve("metrics.json").toFile()).get("test_accuracy")
                .asDouble();
        // Evaluated on the EMA, which after 5 updates of decay 0.9 still holds 59 % of the initial weights.
        assertTrue(accuracy > 0.15, "one epoch of 640 images beats chance (10 %): " + accuracy);

        // The triangle spans the run: a longer run is another schedule, which resuming refuses by name.
        // (That a resumed run with schedule and EMA equals an uninterrupted one: ResumeTest.)
        List<String> longer = train(dir, data, RECIPE);
        longer.addAll(List.of("--epochs", "2", "--resume"));
        Result again = run(longer);
        assertEquals(1, again.code(), again.show());
        assertTrue(again.err().contains("schedule_steps=[0, 2, 10]") && again.err().contains("[0, 5, 20]"),
                again.show());
    }

    @Test
    void helpListsTheRecipeOptions() {
        Result r = run(List.of("train", "--help"));
        assertEquals(0, r.code(), r.show());
        for (String option : List.of("--optimizer", "--lr-schedule", "--weight-decay", "--label-smoothing",
                "--class-weights", "--ema", "--clip-grad-norm", "--learning-rate", "--warmup-steps")) {
            assertTrue(r.out().contains(option), option + " in --help:\n" + r.out());
        }
    }

    @Test
    void badRecipeValuesGetOneClearMessage(@TempDir Path dir) throws IOException {
        Path data = SharedData.require("mnist");
        String[][] bad = {
                {"--optimizer", "lion"}, {"--lr-schedule", "exp"}, {"--label-smoothing", "1.5"},
                {"--class-weights", "inverse"}, {"--ema", "1"}, {"--optimizer", "sgd", "--weight-decay", "-1"}};
        String[] expected = {"--optimizer must be", "--lr-schedule must be", "--label-smoothing must be",
                "--class-weights must be", "--ema must be", "--weight-decay must be"};
        for (int i = 0; i < bad.length; i++) {
            Result r = run(train(dir.resolve("run" + i), data, bad[i]));
            assertEquals(1, r.code(), r.show());
            assertTrue(r.err().contains(expected[i]), r.show());
        }
    }

    /** Without --label-smoothing and --tta a run gets its recipe's (cifar10-airbench94: 0.2 and mirror-translate). */
    @Test
    void labelSmoothingAndTtaDefaultToTheRecipes() {
        RecipeOptions o = new RecipeOptions();
        o.classWeights = "none";
        dev.ingot.models.ReferenceModel airbench = dev.ingot.models.ReferenceModels.get("cifar10-airbench94");
        dev.ingot.models.ReferenceModel keras = dev.ingot.models.ReferenceModels.get("mnist-cnn");
        assertEquals(dev.ingot.nn.TestTimeAugmentation.mirrorTranslate(), o.testTimeAugmentation(airbench));
        assertEquals(dev.ingot.nn.TestTimeAugmentation.none(), o.testTimeAugmentation(keras));
        try (var loss = o.loss(null, airbench); var plain = o.loss(null, keras)) {
            assertEquals(0.2f, loss.spec().labelSmoothing());
            assertEquals(0f, plain.spec().labelSmoothing());
        }
        o.tta = "mirror";
        o.labelSmoothing = 0.05f;
        assertEquals(dev.ingot.nn.TestTimeAugmentation.mirror(), o.testTimeAugmentation(airbench));
        try (var loss = o.loss(null, airbench)) {
            assertEquals(0.05f, loss.spec().labelSmoothing());
        }
    }
}
