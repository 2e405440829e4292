package dev.ingot.nn.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.models.ResNets;
import dev.ingot.nn.Graph;
import dev.ingot.nn.Mode;
import dev.ingot.nn.TestBackend;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PyTorch's own networks, written by tests/python/torchvision_fixture.py with the real torch and
 * torchvision (random-initialised from fixed seeds), loaded into Ingot's ResNets: the logits must
 * match PyTorch's within float32 tolerance. Skips, with the reason printed, where torch is absent.
 */
class PyTorchImportTest {
    private static final Backend backend = TestBackend.shared();

    private static Path fixtures() {
        var dir = TorchFixtures.dir();
        Assumptions.assumeTrue(dir.isPresent(), () -> "PyTorch fixtures unavailable: " + TorchFixtures.whyNot());
        return dir.get();
    }

    /**
     * torchvision resnet18 (F32, 1000 classes) on a 2x3x64x64 batch. The tolerance is relative to the
     * largest logit: 1e-4 of it, i.e. float32 rounding accumulated over 18 layers of sums of up to
     * 4,608 products computed in a different order.
     */
    @Test
    void torchvisionResnet18LogitsMatch() throws IOException {
        Path dir = fixtures();
        assertLogitsMatch(ResNets.resnet18(1000), dir.resolve("resnet18.safetensors"),
                dir.resolve("resnet18-logits.safetensors"), "torchvision resnet18");
    }

    /** A CIFAR ResNet-8 whose weights are stored as BF16 (the PyTorch model ran on the rounded values). */
    @Test
    void cifarResNetFromBf16WeightsMatches() throws IOException {
        Path dir = fixtures();
        assertLogitsMatch(ResNets.cifarResNet(1, 10), dir.resolve("cifar-resnet8.safetensors"),
                dir.resolve("cifar-resnet8-logits.safetensors"), "CIFAR ResNet-8 (BF16)");
    }

    /** F16 and BF16 decode to exactly the float32 values torch's own casts give, specials included. */
    @Test
    void halfPrecisionDecodesAsTorchDoes() throws IOException {
        SafeTensors.Contents c = SafeTensors.read(fixtures().resolve("dtypes.safetensors"));
        for (String kind : new String[] {"f16", "bf16"}) {
            float[] decoded = c.tensor("x." + kind).values();
            float[] expected = c.tensor("x." + kind + ".as_f32").values();
            assertEquals(expected.length, decoded.length);
            for (int i = 0; i < expected.length; i++) {
                assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(decoded[i]),
                        kind + " element " + i + ": " + expected[i] + " vs " + decoded[i]);
            }
        }
    }

    private static void assertLogitsMatch(Graph model, Path weights, Path logitsFile, String what) throws IOException {
        SafeTensors.Contents expected = SafeTensors.read(logitsFile);
        StoredTensor input = expected.tensor("input");
        StoredTensor logits = expected.tensor("logits");
        try (model) {
            Shape sample = Shape.of(input.shape().dim(1), input.shape().dim(2), input.shape().dim(3));
            model.build(backend, sample, 1);
            long t0 = System.nanoTime();
            PyTorchWeights.Report report = PyTorchWeights.load(weights, model);
            long t1 = System.nanoTime();
            assertTrue(report.ignored().stream().allMatch(n -> n.endsWith("num_batches_tracked")));
            try (Tensor x = backend.fromHost(input.shape(), input.values())) {
                float[] got = model.forward(x, Mode.INFERENCE).toFloatArray();
                long t2 = System.nanoTime();
                float[] want = logits.values();
                assertEquals(want.length, got.length);
                double maxAbs = 0;
                double maxErr = 0;
                for (int i = 0; i < want.length; i++) {
                    maxAbs = Math.max(maxAbs, Math.abs(want[i]));
                    maxErr = Math.max(maxErr, Math.abs(want[i] - got[i]));
                }
                System.out.printf("[%s] %d tensors loaded in %.0f ms, forward %.0f ms; max |logit| %.4g,"
                        + " max abs error %.3g (%.3g relative)%n", what, report.tensors(), (t1 - t0) / 1e6,
                        (t2 - t1) / 1e6, maxAbs, maxErr, maxErr / maxAbs);
                assertTrue(maxErr <= 1e-4 * maxAbs, what + ": max logit error " + maxErr + " exceeds 1e-4 x "
                        + maxAbs);
            }
        }
    }

    /** One exception lists every missing, unexpected and mis-shaped tensor, and nothing is copied. */
    @Test
    void mismatchListsEveryProblem(@TempDir Path tmp) {
        try (Graph model = ResNets.cifarResNet(1, 10)) {
            model.build(backend, Shape.of(3, 32, 32), 1);
            Map<String, StoredTensor> dict = new LinkedHashMap<>();
            model.parameters().forEach(p -> dict.put(p.name(), torchLayout(p.value().shape())));
            model.buffers().forEach(b -> dict.put(b.name(), torchLayout(b.value().shape())));
            dict.remove("layer2.0.bn1.running_var");
            dict.put("fc.weight", new StoredTensor(Shape.of(10, 63), new float[630]));
            dict.put("head.weight", new StoredTensor(Shape.of(2), new float[2]));
            dict.put("bn1.num_batches_tracked", new StoredTensor(Shape.of(), new float[1]));
            float before = model.parameter("conv1.weight").value().toFloatArray()[0];
            var e = assertThrows(PyTorchWeights.WeightMismatchException.class,
                    () -> PyTorchWeights.load(tmp.resolve("x.safetensors"), dict, model));
            assertEquals(1, e.missing().size());
            assertTrue(e.missing().get(0).startsWith("layer2.0.bn1.running_var"), e.getMessage());
            assertEquals(1, e.unexpected().size());
            assertTrue(e.unexpected().get(0).startsWith("head.weight"), e.getMessage());
            assertEquals(1, e.misShaped().size());
            assertTrue(e.misShaped().get(0).contains("fc.weight") && e.misShaped().get(0).contains("(10, 64)")
                    || e.misShaped().get(0).contains("10"), e.getMessage());
            assertEquals(before, model.parameter("conv1.weight").value().toFloatArray()[0]);
        }
    }

    private static StoredTensor torchLayout(Shape ingot) {
        Shape s = ingot.rank() == 2 ? Shape.of(ingot.dim(1), ingot.dim(0)) : ingot;
        return new StoredTensor(s, new float[(int) s.size()]);
    }

    /** A PyTorch Linear weight (out, in) lands transposed in Ingot's (in, out) kernel. */
    @Test
    void linearWeightIsTransposed() {
        assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, PyTorchWeights.transpose(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
    }

    /** Dtypes other than F32/F16/BF16 (and I64 counters) are refused by name, with the file and offset. */
    @Test
    void otherDtypesAreRefusedByName(@TempDir Path tmp) throws IOException {
        for (String dtype : new String[] {"F64", "I32", "U8", "BOOL", "F8_E4M3"}) {
            int width = dtype.equals("F64") ? 8 : dtype.equals("I32") ? 4 : 1;
            Path f = tmp.resolve(dtype + ".safetensors");
            writeRaw(f, "{\"w\":{\"dtype\":\"" + dtype + "\",\"shape\":[2],\"data_offsets\":[0," + 2 * width + "]}}",
                    new byte[2 * width]);
            var e = assertThrows(CorruptCheckpointException.class, () -> SafeTensors.read(f));
            assertTrue(e.getMessage().contains("dtype " + dtype) && e.getMessage().contains("F16"), e.getMessage());
        }
        Path big = tmp.resolve("i64.safetensors");
        byte[] data = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).array();
        writeRaw(big, "{\"n\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]}}", data);
        var e = assertThrows(CorruptCheckpointException.class, () -> SafeTensors.read(big));
        assertTrue(e.getMessage().contains("2^24"), e.getMessage());
    }

    private static void writeRaw(Path file, String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        int padded = (h.length + 7) / 8 * 8;
        ByteBuffer b = ByteBuffer.allocate(8 + padded + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(padded).put(h);
        for (int i = h.length; i < padded; i++) {
            b.put((byte) ' ');
        }
        b.put(data);
        Files.write(file, b.array());
    }
}
