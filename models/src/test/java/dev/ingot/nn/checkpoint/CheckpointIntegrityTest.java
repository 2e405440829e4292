package dev.ingot.nn.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.data.Dataset;
import dev.ingot.nn.Adam;
import dev.ingot.nn.CrossEntropyLoss;
import dev.ingot.nn.Flatten;
import dev.ingot.nn.Linear;
import dev.ingot.nn.ReLU;
import dev.ingot.nn.Model;
import dev.ingot.nn.Sequential;
import dev.ingot.nn.TestBackend;
import dev.ingot.nn.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every byte a checkpoint restores is covered by a checksum: one flipped bit anywhere in a file
 * this version wrote is a {@link CorruptCheckpointException} naming the file and an offset, never a
 * silently different run. Files of the previous format (no header checksum) are still read, marked
 * unchecked, and a damaged history in one is a typed error, not a {@code NullPointerException}.
 */
class CheckpointIntegrityTest {
    private static final Backend backend = TestBackend.shared();
    private static final long SEED = 7;
    private static final boolean EXHAUSTIVE = Boolean.getBoolean("ingot.test.exhaustive");

    private static Dataset data() {
        SplittableRandom r = new SplittableRandom(3);
        int n = 40;
        float[] images = new float[n * 16];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = r.nextInt(3);
            for (int j = 0; j < 16; j++) {
                images[i * 16 + j] = (float) r.nextDouble() + (j / 6 == labels[i] ? 1 : 0);
            }
        }
        return new Dataset("tiny", 1, 4, 4, images, labels, List.of("a", "b", "c"));
    }

    private static Trainer newTrainer() {
        Sequential model = new Sequential(new Flatten(), new Linear(6), new ReLU(), new Linear(3))
                .build(backend, Shape.of(1, 4, 4), SEED);
        return new Trainer(model, new CrossEntropyLoss(), new Adam(), SEED);
    }

    /** A checkpoint after one epoch: weights, Adam state, progress and a one-entry history. */
    private static Path save(Path file) throws IOException {
        Trainer t = newTrainer();
        try (Model m = t.model(); t) {
            t.fit(data(), 1, 16, null, null);
            Checkpoint.save(file, t, Map.of("ingot.model", "tiny"));
        }
        return file;
    }

    private static long headerLength(byte[] bytes) {
        return ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    /** Reads and restores the whole run, as {@code train --resume} does. */
    private static void readAndRestore(Path file) throws IOException {
        Checkpoint c = Checkpoint.read(file);
        Trainer t = newTrainer();
        try (Model m = t.model(); t) {
            c.restore(t);
        }
    }

    /** Like {@link #readAndRestore} into one trainer reused across thousands of files. */
    private static void readAndRestore(Path file, Trainer into) throws IOException {
        Checkpoint.read(file).restore(into);
    }

    private static void assertCorrupt(Path file, Trainer into, String what) {
        try {
            readAndRestore(file, into);
            fail(what + ": read and restored without complaint");
        } catch (CorruptCheckpointException e) {
            assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
            assertTrue(e.offset() >= 0, e.getMessage());
        } catch (Throwable e) {
            throw new AssertionError(what + ": expected CorruptCheckpointException, got " + e, e);
        }
    }

    @Test
    void aCleanCheckpointIsCheckedAndRestores(@TempDir Path dir) throws IOException {
        Path file = save(dir.resolve("c.safetensors"));
        Checkpoint c = Checkpoint.read(file);
        assertTrue(c.headerChecked());
        assertEquals(Checkpoint.FORMAT, c.require(Checkpoint.KEY_FORMAT));
        assertEquals(1, c.history().epochs().size());
        readAndRestore(file);
        String head = new String(Files.readAllBytes(file), 8, 40, StandardCharsets.US_ASCII);
        assertTrue(head.startsWith("{\"__metadata__\":{\"" + SafeTensors.HEADER_CRC_KEY + "\":\""), head);
    }

    @Test
    void everySingleBitFlipInTheHeaderIsATypedError(@TempDir Path dir) throws IOException {
        Path clean = save(dir.resolve("clean.safetensors"));
        byte[] bytes = Files.readAllBytes(clean);
        int headerEnd = (int) (8 + headerLength(bytes));
        Path file = dir.resolve("flipped.safetensors");
        int flips = 0;
        Trainer into = newTrainer();
        try (Model m = into.model(); into) {
            for (int i = 0; i < headerEnd; i++) {
                // CI: all 8 bits of the length and the checksum's prefix, one bit (rotating) of every
                // other byte; -Dingot.test.exhaustive=true flips every bit of every header byte.
                boolean allBits = EXHAUSTIVE || i < 8 + 64;
                for (int bit = allBits ? 0 : i % 8; bit < (allBits ? 8 : i % 8 + 1); bit++) {
                    byte[] damaged = bytes.clone();
                    damaged[i] ^= (byte) (1 << bit);
                    Files.write(file, damaged);
                    assertCorrupt(file, into, "bit " + bit + " of header byte " + i);
                    flips++;
                }
            }
        }
        assertTrue(flips >= headerEnd, "every header byte was damaged once at least");
        System.out.println("checkpoint integrity: " + flips + " single-bit header flips, all rejected");
    }

    @Test
    void bitFlipsInTheDataAreTypedErrorsNamingTheTensor(@TempDir Path dir) throws IOException {
        Path clean = save(dir.resolve("clean.safetensors"));
        byte[] bytes = Files.readAllBytes(clean);
        int dataStart = (int) (8 + headerLength(bytes));
        Path file = dir.resolve("flipped.safetensors");
        for (int i = dataStart; i < bytes.length; i += 3) {
            byte[] damaged = bytes.clone();
            damaged[i] ^= (byte) (1 << (i % 8));
            Files.write(file, damaged);
            CorruptCheckpointException e = assertThrows(CorruptCheckpointException.class, () -> Checkpoint.read(file));
            assertTrue(e.getMessage().contains("CRC-32 check") && e.offset() >= dataStart && e.offset() <= i,
                    e.getMessage());
        }
    }

    /** Rewrites a checkpoint of this version as the previous version wrote it: no header checksum. */
    private static byte[] asPreviousFormat(byte[] bytes, Consumer<ObjectNode> edit) throws IOException {
        int n = (int) headerLength(bytes);
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = (ObjectNode) json.readTree(new String(bytes, 8, n, StandardCharsets.UTF_8).trim());
        ObjectNode meta = (ObjectNode) root.get("__metadata__");
        meta.remove(SafeTensors.HEADER_CRC_KEY);
        meta.put(Checkpoint.KEY_FORMAT, Checkpoint.FORMAT_UNCHECKED_HEADER);
        // The old writer put the data checksums last: move them there.
        String crcs = meta.remove(SafeTensors.CRC_KEY).asText();
        meta.put(SafeTensors.CRC_KEY, crcs);
        edit.accept(meta);
        byte[] header = json.writeValueAsBytes(root);
        int padded = (header.length + 7) / 8 * 8;
        ByteBuffer out = ByteBuffer.allocate(8 + padded + bytes.length - 8 - n).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded).put(header);
        for (int i = header.length; i < padded; i++) {
            out.put((byte) ' ');
        }
        out.put(bytes, 8 + n, bytes.length - 8 - n);
        return out.array();
    }

    @Test
    void previousFormatIsReadAndMarkedUnchecked(@TempDir Path dir) throws IOException {
        byte[] bytes = Files.readAllBytes(save(dir.resolve("clean.safetensors")));
        Path old = dir.resolve("old.safetensors");
        Files.write(old, asPreviousFormat(bytes, m -> { }));
        Checkpoint c = Checkpoint.read(old);
        assertFalse(c.headerChecked());
        Checkpoint fresh = Checkpoint.read(dir.resolve("clean.safetensors"));
        for (Map.Entry<String, StoredTensor> e : fresh.tensors().entrySet()) {
            assertArrayEquals(e.getValue().values(), c.tensors().get(e.getKey()).values(), e.getKey());
        }
        readAndRestore(old);
        // Saving again writes the current, checked format.
        Trainer t = newTrainer();
        try (Model m = t.model(); t) {
            c.restore(t);
            Checkpoint.save(old, t, Map.of("ingot.model", "tiny"));
        }
        assertTrue(Checkpoint.read(old).headerChecked());
    }

    @Test
    void aDamagedChecksumKeyNameNeverSwitchesTheCheckOff(@TempDir Path dir) throws IOException {
        byte[] bytes = Files.readAllBytes(save(dir.resolve("clean.safetensors")));
        Path file = dir.resolve("old.safetensors");
        // The previous format's weakness: one bit in the data checksums' key name switched them off.
        String damaged = "ingot.crc33";
        Files.write(file, asPreviousFormat(bytes, m -> m.set(damaged, m.remove(SafeTensors.CRC_KEY))));
        CorruptCheckpointException e = assertThrows(CorruptCheckpointException.class, () -> Checkpoint.read(file));
        assertTrue(e.getMessage().contains("'" + damaged + "' is a damaged '" + SafeTensors.CRC_KEY + "'"),
                e.getMessage());
        // A header checksum out of its place (e.g. moved by an edit) is not silently ignored either.
        Files.write(file, asPreviousFormat(bytes, m -> m.put(SafeTensors.HEADER_CRC_KEY, "00000000")));
        assertThrows(CorruptCheckpointException.class, () -> Checkpoint.read(file));
        // Nor may a version-2 file come without its header checksum.
        Files.write(file, asPreviousFormat(bytes, m -> m.put(Checkpoint.KEY_FORMAT, Checkpoint.FORMAT)));
        e = assertThrows(CorruptCheckpointException.class, () -> Checkpoint.read(file));
        assertTrue(e.getMessage().contains("does not start with its checksum"), e.getMessage());
    }

    @Test
    void aDamagedHistoryIsATypedErrorNotANullPointerException(@TempDir Path dir) throws IOException {
        byte[] bytes = Files.readAllBytes(save(dir.resolve("clean.safetensors")));
        Path file = dir.resolve("old.safetensors");
        List<String> histories = List.of("[{\"epohc\":1,\"train_loss\":1.0}]", "[null]", "null", "[{\"epoch\":null}]",
                "[{\"epoch\":1.5}]", "[{\"epoch\":\"x\"}]", "{}", "[1]");
        List<String> messages = new ArrayList<>();
        for (String history : histories) {
            Files.write(file, asPreviousFormat(bytes, m -> m.put(Checkpoint.KEY_HISTORY, history)));
            Checkpoint c = Checkpoint.read(file);
            CorruptCheckpointException e = assertThrows(CorruptCheckpointException.class, c::history, history);
            assertTrue(e.getMessage().contains(Checkpoint.KEY_HISTORY), e.getMessage());
            messages.add(e.getMessage());
        }
        for (String progress : List.of("null", "{\"epoch\":-1}", "[]")) {
            Files.write(file, asPreviousFormat(bytes, m -> m.put(Checkpoint.KEY_PROGRESS, progress)));
            assertThrows(CorruptCheckpointException.class, Checkpoint.read(file)::progress, progress);
        }
        Files.write(file, asPreviousFormat(bytes, m -> m.put(Checkpoint.KEY_OPTIMIZER, "null")));
        assertThrows(CorruptCheckpointException.class, Checkpoint.read(file)::optimizerConfig);
        assertEquals(histories.size(), messages.size());
    }

    @Test
    void staleTemporaryFilesAreRemovedByTheNextWrite(@TempDir Path dir) throws IOException {
        Path file = save(dir.resolve("c.safetensors"));
        Files.write(dir.resolve(".c.safetensors.123.tmp"), new byte[1000]);
        Files.write(dir.resolve(".c.safetensors.456789.tmp"), new byte[0]);
        Path unrelated = Files.write(dir.resolve(".other.safetensors.1.tmp"), new byte[3]);
        save(file);
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(".other.safetensors.1.tmp", "c.safetensors"),
                    files.map(p -> p.getFileName().toString()).sorted().toList(),
                    "the write removed its own stale temporary files and nothing else");
        }
        assertTrue(Files.exists(unrelated));
    }
}
