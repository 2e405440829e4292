package dev.ingot.transfer;

import com.google.protobuf.CodedOutputStream;
import dev.ingot.core.Shape;
import dev.ingot.core.spec.Conv2dSpec;
import dev.ingot.core.spec.GeluApproximation;
import dev.ingot.core.spec.Pool2dSpec;
import dev.ingot.nn.AvgPool2d;
import dev.ingot.nn.BatchNorm2d;
import dev.ingot.nn.Buffer;
import dev.ingot.nn.Conv2d;
import dev.ingot.nn.Dropout;
import dev.ingot.nn.Flatten;
import dev.ingot.nn.GELU;
import dev.ingot.nn.GlobalAvgPool2d;
import dev.ingot.nn.Graph;
import dev.ingot.nn.Layer;
import dev.ingot.nn.Linear;
import dev.ingot.nn.MaxPool2d;
import dev.ingot.nn.Model;
import dev.ingot.nn.Parameter;
import dev.ingot.nn.ReLU;
import dev.ingot.nn.Scale;
import dev.ingot.nn.Sequential;
import dev.ingot.nn.Softmax;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a built model's inference graph as an ONNX model (IR version 7, opset 13) with its weights:
 * <pre>
 *   Conv2d          Conv (W, B; kernel_shape, strides, pads, dilations)
 *   BatchNorm2d     BatchNormalization (scale, B, mean, var; epsilon), inference form
 *   ReLU            Relu
 *   GELU            exact: Mul(Mul(x, 0.5), Add(1, Erf(Div(x, sqrt 2))));  tanh form likewise with Tanh
 *   MaxPool2d       MaxPool;  AvgPool2d: AveragePool (count_include_pad from the spec)
 *   GlobalAvgPool2d GlobalAveragePool then Flatten (Ingot's output is (N, C))
 *   Flatten         Flatten (axis 1)
 *   Linear          Gemm (Ingot's kernel is (in, out): B as is, transB = 0)
 *   Softmax         Softmax (axis 1);  Dropout: nothing (inference)
 *   Scale           Mul by a scalar constant (airbench's 1/9 after the head)
 *   add / concat    Sum / Concat (axis 1)
 * </pre>
 * The batch dimension is symbolic ("N"); the sample shape is the one the model was built for.
 *
 * <p>The protobuf wire format is written with protobuf-java's {@link CodedOutputStream}; message
 * and field numbers are those of onnx.proto (ONNX 1.x, stable since IR version 3): e.g.
 * ModelProto.graph = 7, NodeProto.op_type = 4, TensorProto.raw_data = 9. No generated classes:
 * the handful of messages written here do not justify a protoc step in the build.
 */
public final class OnnxExport {
    static final int IR_VERSION = 7;
    static final int OPSET = 13;
    private static final int FLOAT = 1;          // TensorProto.DataType.FLOAT
    private static final int ATTR_FLOAT = 1;     // AttributeProto.AttributeType
    private static final int ATTR_INT = 2;
    private static final int ATTR_INTS = 7;

    private final List<byte[]> nodes = new ArrayList<>();
    private final List<byte[]> initializers = new ArrayList<>();

    private OnnxExport() {
    }

    /** Writes {@code model} (built) to {@code file} atomically; input "input", output "logits" (or "probabilities" after a Softmax). */
    public static void write(Model model, Path file, String graphName) throws IOException {
        byte[] bytes = toBytes(model, graphName);
        Path target = file.toAbsolutePath();
        Files.createDirectories(target.getParent());
        Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
        try {
            Files.write(tmp, bytes);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The serialized ModelProto. */
    public static byte[] toBytes(Model model, String graphName) {
        if (!model.isBuilt()) {
            throw new IllegalArgumentException("export needs a built model (its input shape fixes the graph's)");
        }
        OnnxExport e = new OnnxExport();
        String out;
        if (model instanceof Graph g) {
            out = e.graph(g);
        } else if (model instanceof Sequential s) {
            String h = "input";
            int i = 0;
            for (Layer layer : s.layers()) {
                h = e.layer(i + "." + layer.kind(), layer, h);
                i++;
            }
            out = h;
        } else {
            throw new IllegalArgumentException("export takes Graph and Sequential models, got " + model.getClass().getName());
        }
        String outName = e.rename(out, model);
        Shape in = model.inputShape();
        long[] inDims = new long[in.rank() + 1];
        inDims[0] = -1;
        for (int d = 0; d < in.rank(); d++) {
            inDims[d + 1] = in.dim(d);
        }
        long[] outDims = {-1, model.outputShape().size()};
        Proto graph = new Proto();
        e.nodes.forEach(n -> graph.message(1, n));
        graph.string(2, graphName);
        e.initializers.forEach(t -> graph.message(5, t));
        graph.message(11, valueInfo("input", inDims));
        graph.message(12, valueInfo(outName, outDims));
        Proto opset = new Proto().string(1, "").int64(2, OPSET);
        Proto m = new Proto().int64(1, IR_VERSION).string(2, "ingot").string(3, "0.1.0").message(7, graph.bytes())
                .message(8, opset.bytes());
        return m.bytes();
    }

    /** Names the graph's final value "logits" (or "probabilities") with an Identity node. */
    private String rename(String value, Model model) {
        List<Layer> layers = model.layers();
        String name = !layers.isEmpty() && layers.get(layers.size() - 1) instanceof Softmax ? "probabilities" : "logits";
        node("Identity", "output", List.of(value), name);
        return name;
    }

    private String graph(Graph g) {
        String inputNode = null;
        java.util.Map<String, String> value = new java.util.HashMap<>();
        for (Graph.NodeView n : g.topology()) {
            switch (n.op()) {
                case "input" -> {
                    inputNode = n.name();
                    value.put(n.name(), "input");
                }
                case "layer" -> value.put(n.name(), layer(n.name(), n.layer(), value.get(n.inputs().get(0))));
                case "add" -> value.put(n.name(), node("Sum", n.name(), n.inputs().stream().map(value::get).toList()));
                case "concat" -> value.put(n.name(), node("Concat", n.name(), n.inputs().stream().map(value::get).toList(),
                        attrInt("axis", 1)));
                default -> throw new IllegalStateException("unknown graph node kind " + n.op());
            }
        }
        if (inputNode == null) {
            throw new IllegalStateException("graph has no input node");
        }
        return value.get(g.outputName());
    }

    /** Adds the nodes of {@code layer} reading {@code x}; returns the name of its output value. */
    private String layer(String name, Layer layer, String x) {
        return switch (layer) {
            case Conv2d c -> {
                Conv2dSpec s = c.spec();
                List<Parameter> ps = c.parameters();
                Shape w = ps.get(0).value().shape();
                List<String> in = new ArrayList<>(List.of(x, init(name + ".weight", ps.get(0).value().shape(),
                        ps.get(0).value().toFloatArray())));
                if (ps.size() > 1) {
                    in.add(init(name + ".bias", ps.get(1).value().shape(), ps.get(1).value().toFloatArray()));
                }
                yield node("Conv", name, in, attrInts("kernel_shape", w.dim(2), w.dim(3)),
                        attrInts("strides", s.strideH(), s.strideW()),
                        attrInts("pads", s.padH(), s.padW(), s.padH(), s.padW()),
                        attrInts("dilations", s.dilationH(), s.dilationW()));
            }
            case BatchNorm2d bn -> {
                List<Parameter> ps = bn.parameters();
                List<Buffer> bs = bn.buffers();
                yield node("BatchNormalization", name, List.of(x,
                                init(name + ".weight", ps.get(0).value().shape(), ps.get(0).value().toFloatArray()),
                                init(name + ".bias", ps.get(1).value().shape(), ps.get(1).value().toFloatArray()),
                                init(name + ".running_mean", bs.get(0).value().shape(), bs.get(0).value().toFloatArray()),
                                init(name + ".running_var", bs.get(1).value().shape(), bs.get(1).value().toFloatArray())),
                        attrFloat("epsilon", bn.spec().epsilon()));
            }
            case ReLU r -> node("Relu", name, List.of(x));
            case GELU gelu -> gelu(name, gelu.approximation(), x);
            case MaxPool2d p -> node("MaxPool", name, List.of(x), pool(p.spec()));
            case AvgPool2d p -> {
                Pool2dSpec s = p.spec();
                byte[][] a = pool(s);
                yield node("AveragePool", name, List.of(x), a[0], a[1], a[2],
                        attrInt("count_include_pad", s.countIncludePad() ? 1 : 0));
            }
            case GlobalAvgPool2d gap -> node("Flatten", name + ".flatten",
                    List.of(node("GlobalAveragePool", name, List.of(x))), attrInt("axis", 1));
            case Flatten f -> node("Flatten", name, List.of(x), attrInt("axis", 1));
            case Linear l -> {
                List<Parameter> ps = l.parameters();
                List<String> in = new ArrayList<>(List.of(x, init(name + ".weight", ps.get(0).value().shape(),
                        ps.get(0).value().toFloatArray())));
                if (ps.size() > 1) {
                    in.add(init(name + ".bias", ps.get(1).value().shape(), ps.get(1).value().toFloatArray()));
                }
                yield node("Gemm", name, in);
            }
            case Softmax s -> node("Softmax", name, List.of(x), attrInt("axis", 1));
            case Dropout d -> x;
            case Scale sc -> node("Mul", name, List.of(x, scalar(name + ".factor", sc.factor())));
            default -> throw new IllegalArgumentException("ONNX export has no mapping for layer '" + name + "' of kind "
                    + layer.kind() + " (" + layer.getClass().getSimpleName() + ")");
        };
    }

    private String gelu(String name, GeluApproximation approximation, String x) {
        String half = node("Mul", name + ".half", List.of(x, scalar(name + ".c_half", 0.5f)));
        String inner;
        if (approximation == GeluApproximation.NONE) {
            String scaled = node("Div", name + ".div", List.of(x, scalar(name + ".c_sqrt2", (float) Math.sqrt(2))));
            inner = node("Erf", name + ".erf", List.of(scaled));
        } else {
            String cube = node("Mul", name + ".x3", List.of(x, node("Mul", name + ".x2", List.of(x, x))));
            String poly = node("Add", name + ".poly", List.of(x,
                    node("Mul", name + ".cx3", List.of(cube, scalar(name + ".c_0044715", 0.044715f)))));
            String arg = node("Mul", name + ".arg", List.of(poly,
                    scalar(name + ".c_sqrt2pi", (float) Math.sqrt(2 / Math.PI))));
            inner = node("Tanh", name + ".tanh", List.of(arg));
        }
        String onePlus = node("Add", name + ".one_plus", List.of(inner, scalar(name + ".c_one", 1f)));
        return node("Mul", name, List.of(half, onePlus));
    }

    private static byte[][] pool(Pool2dSpec s) {
        return new byte[][] {attrInts("kernel_shape", s.kernelH(), s.kernelW()), attrInts("strides", s.strideH(), s.strideW()),
                attrInts("pads", s.padH(), s.padW(), s.padH(), s.padW())};
    }

    private String scalar(String name, float v) {
        return init(name, Shape.of(), new float[] {v});
    }

    /** Adds a NodeProto; its single output value is named after the node. */
    private String node(String op, String name, List<String> inputs, byte[]... attributes) {
        return node(op, name, inputs, name, attributes);
    }

    private String node(String op, String name, List<String> inputs, String output, byte[]... attributes) {
        Proto n = new Proto();
        inputs.forEach(i -> n.string(1, i));
        n.string(2, output).string(3, name).string(4, op);
        for (byte[] a : attributes) {
            n.message(5, a);
        }
        nodes.add(n.bytes());
        return output;
    }

    /** Adds a float32 initializer (TensorProto with raw little-endian data); returns its name. */
    private String init(String name, Shape shape, float[] values) {
        Proto t = new Proto();
        for (int d : shape.dims()) {
            t.int64(1, d);
        }
        t.int32(2, FLOAT).string(8, name);
        java.nio.ByteBuffer raw = java.nio.ByteBuffer.allocate(values.length * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(values);
        t.bytes(9, raw.array());
        initializers.add(t.bytes());
        return name;
    }

    private static byte[] valueInfo(String name, long[] dims) {
        Proto shape = new Proto();
        for (long d : dims) {
            shape.message(1, d < 0 ? new Proto().string(2, "N").bytes() : new Proto().int64(1, d).bytes());
        }
        Proto tensorType = new Proto().int32(1, FLOAT).message(2, shape.bytes());
        Proto type = new Proto().message(1, tensorType.bytes());
        return new Proto().string(1, name).message(2, type.bytes()).bytes();
    }

    private static byte[] attrInt(String name, long v) {
        return new Proto().string(1, name).int64(3, v).int32(20, ATTR_INT).bytes();
    }

    private static byte[] attrFloat(String name, float v) {
        return new Proto().string(1, name).float32(2, v).int32(20, ATTR_FLOAT).bytes();
    }

    private static byte[] attrInts(String name, long... vs) {
        Proto a = new Proto().string(1, name);
        for (long v : vs) {
            a.int64(8, v);
        }
        return a.int32(20, ATTR_INTS).bytes();
    }

    /** One protobuf message being written, field by field, with protobuf-java's encoder. */
    private static final class Proto {
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
        private final CodedOutputStream out = CodedOutputStream.newInstance(buf);

        Proto string(int field, String v) {
            return io(() -> out.writeString(field, v));
        }

        Proto int64(int field, long v) {
            return io(() -> out.writeInt64(field, v));
        }

        Proto int32(int field, int v) {
            return io(() -> out.writeInt32(field, v));
        }

        Proto float32(int field, float v) {
            return io(() -> out.writeFloat(field, v));
        }

        Proto bytes(int field, byte[] v) {
            return io(() -> out.writeByteArray(field, v));
        }

        Proto message(int field, byte[] serialized) {
            return bytes(field, serialized);
        }

        byte[] bytes() {
            io(out::flush);
            return buf.toByteArray();
        }

        private interface Write {
            void run() throws IOException;
        }

        private Proto io(Write w) {
            try {
                w.run();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }
    }
}
