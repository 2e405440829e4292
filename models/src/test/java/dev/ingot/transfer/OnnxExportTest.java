package dev.ingot.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.ingot.core.Backend;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.Conv2dSpec;
import dev.ingot.core.spec.GeluApproximation;
import dev.ingot.core.spec.Pool2dSpec;
import dev.ingot.models.Airbench;
import dev.ingot.models.ReferenceModels;
import dev.ingot.models.ResNets;
import dev.ingot.nn.AvgPool2d;
import dev.ingot.nn.BatchNorm2d;
import dev.ingot.nn.Buffer;
import dev.ingot.nn.Conv2d;
import dev.ingot.nn.GELU;
import dev.ingot.nn.GlobalAvgPool2d;
import dev.ingot.nn.Graph;
import dev.ingot.nn.Linear;
import dev.ingot.nn.MaxPool2d;
import dev.ingot.nn.Mode;
import dev.ingot.nn.Model;
import dev.ingot.nn.Parameter;
import dev.ingot.nn.Softmax;
import dev.ingot.nn.TestBackend;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ingot's ONNX export loaded in ONNX Runtime (its Java API, CPU execution provider): the runtime
 * must reproduce Ingot's own outputs on the same batch. BatchNorm statistics and scales are
 * randomised first so that a swapped or skipped tensor shows.
 */
class OnnxExportTest {
    private static final Backend backend = TestBackend.shared();

    @Test
    void cifarResNetRunsInOnnxRuntime() throws Exception {
        try (Graph m = ResNets.cifarResNet(1, 10)) {
            assertOrtMatches(m, Shape.of(3, 32, 32), 2, "CIFAR ResNet-8");
        }
    }

    @Test
    void resnet18RunsInOnnxRuntime(@TempDir Path tmp) throws Exception {
        try (Graph m = ResNets.resnet18(1000)) {
            m.build(backend, Shape.of(3, 64, 64), 3);
            Path file = tmp.resolve("resnet18.onnx");
            OnnxExport.write(m, file, "resnet18");
            assertTrue(Files.size(file) > 11_689_512L * 4, "weights are inside the file");
            assertOrtMatches(m, Shape.of(3, 64, 64), 2, "resnet18");
        }
    }

    /** Every other op the exporter maps: bias convolution, both GELUs, both average-pool divisors, max-pool, concat, softmax. */
    @Test
    void everyMappedOpRunsInOnnxRuntime() throws Exception {
        Graph.Builder g = Graph.builder();
        Graph.Node x = g.input();
        Graph.Node h = g.apply("conv", new Conv2d(8, 3, 3, Conv2dSpec.of(1, 1)), x);
        h = g.apply("bn", new BatchNorm2d(), h);
        h = g.apply("gelu", new GELU(), h);
        Graph.Node a = g.apply("avg_incl", new AvgPool2d(Pool2dSpec.of(3, 1, 1).withCountIncludePad()), h);
        Graph.Node b = g.apply("avg_excl", new AvgPool2d(Pool2dSpec.of(3, 1, 1)), h);
        Graph.Node c = g.apply("max", new MaxPool2d(Pool2dSpec.of(3, 1, 1)), h);
        Graph.Node cat = g.concat("cat", a, b, c);
        Graph.Node p = g.apply("proj", new Conv2d(8, 1, 1, Conv2dSpec.of(1, 0)), cat);
        Graph.Node sum = g.add("add", g.apply("gelu_tanh", new GELU(GeluApproximation.TANH), p), h);
        Graph.Node gap = g.apply("gap", new GlobalAvgPool2d(), sum);
        Graph.Node fc = g.apply("fc", new Linear(5), gap);
        try (Graph m = g.build(g.apply("softmax", new Softmax(), fc))) {
            assertOrtMatches(m, Shape.of(3, 9, 11), 3, "every op");
        }
    }

    /** A Sequential reference model (Conv, MaxPool, Flatten, Dense, Dropout dropped). */
    @Test
    void sequentialReferenceModelsRunInOnnxRuntime() throws Exception {
        try (Model m = ReferenceModels.cifar10Cnn()) {
            assertOrtMatches(m, Shape.of(3, 32, 32), 2, "cifar10-cnn");
        }
        try (Model m = ReferenceModels.mnistMlp()) {
            assertOrtMatches(m, Shape.of(1, 28, 28), 2, "mnist-mlp");
        }
    }

    /** airbench's network: its input BatchNorm, bias-free convolutions and head, and the Scale(1/9) after it (a Mul). */
    @Test
    void airbench94RunsInOnnxRuntime() throws Exception {
        try (Model m = Airbench.airbench94()) {
            assertOrtMatches(m, Shape.of(3, 32, 32), 2, "cifar10-airbench94");
        }
    }

    private static void assertOrtMatches(Model m, Shape sample, int batch, String what) throws OrtException {
        if (!m.isBuilt()) {
            m.build(backend, sample, 7);
        }
        SplittableRandom rnd = new SplittableRandom(11);
        for (Parameter p : m.parameters()) {
            if (p.name().endsWith("bn.weight") || p.name().matches(".*bn\\d\\.weight|.*downsample\\.1\\.weight")
                    || p.name().endsWith("bn1.weight")) {
                randomise(p.value(), rnd, 0.5, 1.5);
            } else if (p.value().shape().rank() == 1) {
                randomise(p.value(), rnd, -0.1, 0.1);
            }
        }
        for (Buffer b : m.buffers()) {
            randomise(b.value(), rnd, b.name().endsWith("running_var") ? 0.5 : -0.1,
                    b.name().endsWith("running_var") ? 1.5 : 0.1);
        }
        int[] inDims = new int[sample.rank() + 1];
        inDims[0] = batch;
        System.arraycopy(sample.dims(), 0, inDims, 1, sample.rank());
        Shape in = Shape.of(inDims);
        float[] x = new float[(int) in.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextDouble(-1, 1);
        }
        float[] ingot;
        try (Tensor t = backend.fromHost(in, x)) {
            ingot = m.forward(t, Mode.INFERENCE).toFloatArray();
        }
        byte[] onnx = OnnxExport.toBytes(m, what);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        long[] dims = new long[in.rank()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = in.dim(i);
        }
        try (OrtSession session = env.createSession(onnx, new OrtSession.SessionOptions());
             OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), dims);
             OrtSession.Result r = session.run(Map.of("input", input))) {
            float[][] out = (float[][]) r.get(0).getValue();
            assertEquals(batch, out.length);
            double maxAbs = 0;
            double maxErr = 0;
            int k = out[0].length;
            for (int n = 0; n < batch; n++) {
                for (int j = 0; j < k; j++) {
                    maxAbs = Math.max(maxAbs, Math.abs(ingot[n * k + j]));
                    maxErr = Math.max(maxErr, Math.abs(ingot[n * k + j] - out[n][j]));
                }
            }
            System.out.printf("[onnx %s] %d bytes, outputs %s, max |y| %.4g, max abs error vs ONNX Runtime %.3g%n", what,
                    onnx.length, session.getOutputNames(), maxAbs, maxErr);
            assertTrue(maxErr <= 1e-4 * Math.max(maxAbs, 1e-3), what + ": max error " + maxErr + " vs max |y| " + maxAbs);
        }
    }

    private static void randomise(Tensor t, SplittableRandom rnd, double lo, double hi) {
        float[] v = new float[(int) t.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextDouble(lo, hi);
        }
        t.copyFrom(v);
    }
}
