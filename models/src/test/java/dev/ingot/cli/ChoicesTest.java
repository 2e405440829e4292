package dev.ingot.cli;

import dev.ingot.cli.CliRun.Result;
import dev.ingot.data.BadImagePolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static dev.ingot.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The one parser of the options that take a name from a short list: case-insensitive, and every
 * other value the same message, naming the option, the names it takes and what was given.
 */
class ChoicesTest {
    @Test
    void namesAreMatchedWhateverTheirCase() {
        Choices<String> optimizers = Choices.names("--optimizer", "sgd", "nesterov", "adam-pytorch");
        assertEquals("nesterov", optimizers.parse("Nesterov"));
        assertEquals("adam-pytorch", optimizers.parse("ADAM-PYTORCH"));
        assertEquals(BadImagePolicy.SKIP, Choices.of("--bad-images", BadImagePolicy.class).parse("skip"));
        assertEquals(BadImagePolicy.FAIL, Choices.of("--bad-images", BadImagePolicy.class).parse("Fail"));
    }

    @Test
    void anyOtherValueIsOneMessageListingTheNames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Choices.names("--optimizer", "sgd", "nesterov", "adamw").parse("lion"));
        assertEquals("--optimizer must be sgd, nesterov or adamw, got 'lion'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Choices.of("--bad-images", BadImagePolicy.class).parse("skpi"));
        assertEquals("--bad-images must be fail or skip, got 'skpi'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Choices.names("--tta", "none").parse(null));
        assertEquals("--tta must be none, got 'null'", e.getMessage());
    }

    /** pack took any --bad-images value but "skip" as fail; train refused it with other words. */
    @Test
    void packAndTrainRefuseAMistypedBadImagesAlike(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("images/cat"));
        Result pack = run("pack", dir.resolve("images").toString(), "--output", dir.resolve("p.pack").toString(),
                "--bad-images", "skpi");
        assertEquals(1, pack.code(), pack.show());
        assertEquals("ingot pack: --bad-images must be fail or skip, got 'skpi'", pack.errLines().get(0), pack.show());
        Result train = run("train", "--model", "mnist-mlp", "--dataset", dir.resolve("images").toString(), "--output",
                dir.resolve("run").toString(), "--bad-images", "skpi", "--backend", dev.ingot.nn.TestBackend.name());
        assertEquals(1, train.code(), train.show());
        assertEquals("ingot train: --bad-images must be fail or skip, got 'skpi'", train.errLines().get(0),
                train.show());
    }
}
