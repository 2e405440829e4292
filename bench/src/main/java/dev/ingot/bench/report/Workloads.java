package dev.ingot.bench.report;

import dev.ingot.bench.Conv2dBenchmark;
import dev.ingot.bench.FmaPeakBenchmark;
import dev.ingot.bench.ReferenceLayers;
import dev.ingot.core.Shape;
import dev.ingot.core.spec.Conv2dGeometry;

import java.util.List;

/**
 * How much work one operation of each benchmark does, so the report can turn times into GFLOP/s
 * (compute-bound kernels: 2 FLOPs per multiply-add, the GEMM convention) or GB/s (memory-bound
 * kernels: bytes read plus bytes written once, float32, ignoring what caches save). Figures come from
 * the same {@link ReferenceLayers} shapes the benchmarks run on.
 */
public final class Workloads {

    /** FLOPs and bytes of one operation; 0 where the measure does not apply. */
    public record Work(double flops, double bytes) {
        static final Work NONE = new Work(0, 0);

        static Work flops(double flops) {
            return new Work(flops, 0);
        }

        static Work bytes(double bytes) {
            return new Work(0, bytes);
        }
    }

    private static final int F = 4; // bytes per float32 (and per int32 label)

    private Workloads() {
    }

    /**
     * The work of one operation of {@code r}.
     *
     * @param floatLanes the vector width of the machine, for the FMA peak loop
     */
    public static Work of(JmhResult r, int floatLanes) {
        return switch (r.benchmarkClass()) {
            case "FmaPeakBenchmark" -> Work.flops(FmaPeakBenchmark.flopsPerOperation(floatLanes));
            case "GemmBenchmark" -> gemm(r);
            case "Conv2dBenchmark" -> conv(r);
            case "TrainingStepBenchmark" -> trainingStep(r);
            case "DenseBenchmark" -> dense(r);
            case "PoolBenchmark" -> pool(r);
            case "ActivationBenchmark" -> {
                double e = activation(r);
                yield Work.bytes(F * e * (r.method().equals("reluForward") ? 2 : 3));
            }
            case "SoftmaxBenchmark" -> {
                double e = (double) r.intParam("batchSize") * r.intParam("classes");
                yield Work.bytes(F * e * (r.method().endsWith("Forward") ? 2 : 3));
            }
            case "LossBenchmark" -> {
                int n = r.intParam("batchSize");
                double e = (double) n * r.intParam("classes");
                yield Work.bytes(F * (e + n + (r.method().equals("softmaxCrossEntropy") ? e : 0)));
            }
            case "OptimizerBenchmark" -> {
                double p = ReferenceLayers.model(r.param("model")).parameters();
                // Adam reads param, grad, m, v and writes param, m, v; SGD with momentum reads 3, writes 2.
                yield Work.bytes(F * p * (r.method().equals("adamStep") ? 7 : 5));
            }
            case "DropoutBenchmark" -> Work.bytes(F * activation(r) * 3);
            case "ElementwiseBenchmark" -> {
                int passes = switch (r.method()) {
                    case "add", "multiply", "axpy" -> 3;
                    case "scale", "copy" -> 2;
                    case "fill" -> 1;
                    default -> 0;
                };
                yield Work.bytes(F * activation(r) * passes);
            }
            case "TransferBenchmark" -> {
                if (r.method().equals("readLoss")) {
                    yield Work.bytes(F);
                }
                int n = r.intParam("batchSize");
                yield Work.bytes(F * (ReferenceLayers.model(r.param("model")).inputShape(n).size() + n));
            }
            default -> Work.NONE;
        };
    }

    private static Work gemm(JmhResult r) {
        if (r.params().containsKey("size")) {
            double s = r.intParam("size");
            return Work.flops(2 * s * s * s);
        }
        if (r.params().keySet().containsAll(List.of("m", "n", "k"))) {
            return Work.flops(2.0 * r.intParam("m") * r.intParam("n") * r.intParam("k"));
        }
        return Work.NONE;
    }

    private static Work trainingStep(JmhResult r) {
        String model = r.param("model");
        int batch = r.intParam("batchSize");
        if (ReferenceLayers.describes(model)) {
            return Work.flops(ReferenceLayers.model(model).trainingStepFlops(batch));
        }
        return model.equals("cifar10-resnet20") ? Work.flops(Conv2dBenchmark.resnet20TrainingStepFlops(batch)) : Work.NONE;
    }

    private static Work conv(JmhResult r) {
        String layer = convLayer(r);
        String batch = convBatch(r);
        if (layer == null || batch == null) {
            return Work.NONE;
        }
        if (r.param("layer").startsWith("resnet-")) {
            Conv2dGeometry g = Conv2dBenchmark.geometry(r.param("layer"), Integer.parseInt(batch));
            return r.method().equals("backwardBias") ? Work.bytes(F * (g.outputShape().size() + g.k()))
                    : Work.flops(g.flops());
        }
        ReferenceLayers.ConvLayer conv = ReferenceLayers.conv(layer);
        int n = Integer.parseInt(batch);
        if (r.method().equals("backwardBias")) {
            Shape y = conv.outputShape(n);
            return Work.bytes(F * (y.size() + y.dim(1)));
        }
        return Work.flops(conv.geometry(n).flops());
    }

    /**
     * The {@link ReferenceLayers} name of a Conv2dBenchmark row's layer: that benchmark names its
     * layers {@code mnist-conv1} ... {@code cifar-conv3}; the catalog and the Python references say
     * {@code mnist-cnn/conv1} ... {@code cifar10-cnn/conv3}. Null when the row has no layer.
     */
    public static String convLayer(JmhResult r) {
        String layer = r.param("layer");
        if (layer == null || layer.contains("/")) {
            return layer;
        }
        int dash = layer.lastIndexOf('-');
        if (dash < 0) {
            return layer;
        }
        String model = switch (layer.substring(0, dash)) {
            case "mnist" -> "mnist-cnn";
            case "cifar", "cifar10" -> "cifar10-cnn";
            default -> layer.substring(0, dash);
        };
        return model + "/" + layer.substring(dash + 1);
    }

    /** The batch size of a Conv2dBenchmark row ({@code batch} or {@code batchSize}), or null. */
    public static String convBatch(JmhResult r) {
        return r.params().getOrDefault("batchSize", r.param("batch"));
    }

    private static Work dense(JmhResult r) {
        ReferenceLayers.DenseLayer d = ReferenceLayers.dense(r.param("layer"));
        int n = r.intParam("batchSize");
        double in = d.inputs(), out = d.outputs();
        return switch (r.method()) {
            case "forward", "backwardData", "backwardWeights" -> Work.flops(2 * n * in * out);
            case "biasAdd" -> Work.bytes(F * (2 * n * out + out));
            case "backwardBias" -> Work.bytes(F * (n * out + out));
            default -> Work.NONE;
        };
    }

    private static Work pool(JmhResult r) {
        ReferenceLayers.PoolLayer p = ReferenceLayers.pool(r.param("layer"));
        int n = r.intParam("batchSize");
        double in = p.inputShape(n).size(), out = p.outputShape(n).size();
        return switch (r.method()) {
            case "maxPool2dForward", "avgPool2dForward", "avgPool2dBackward" -> Work.bytes(F * (in + out));
            // reads x, y, dy, writes dx
            case "maxPool2dBackward" -> Work.bytes(F * (2 * in + 2 * out));
            default -> Work.NONE;
        };
    }

    private static double activation(JmhResult r) {
        return ReferenceLayers.activationShape(r.param("layer"), r.intParam("batchSize")).size();
    }
}
