package dev.ingot.cuda.ffm;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small reader of C function declarations, enough for the CUDA headers: it finds
 * {@code ret name(params);} declarations, follows {@code #define name exported_name} aliases
 * ({@code cuMemAlloc} is exported as {@code cuMemAlloc_v2}), and maps each C type to the Java
 * carrier FFM passes it as on x86-64 Linux.
 */
final class CPrototypes {
    /** One declaration: the exported name, the return carrier ({@code void.class} for none) and the parameter carriers. */
    record Prototype(String exportedName, Class<?> returns, List<Class<?>> params, String declaration) {
    }

    /** Opaque handle typedefs: all pointers. */
    private static final Set<String> HANDLES = Set.of("CUcontext", "CUstream", "CUmodule", "CUfunction", "CUevent",
            "cudaStream_t", "cudnnHandle_t", "cudnnTensorDescriptor_t", "cudnnFilterDescriptor_t",
            "cudnnConvolutionDescriptor_t", "cudnnPoolingDescriptor_t", "cudnnActivationDescriptor_t",
            "cublasHandle_t", "nvrtcProgram");
    /** Enums and 32-bit integer typedefs: passed as int. */
    private static final Set<String> INTS = Set.of("int", "unsigned int", "unsigned", "CUresult", "CUdevice",
            "CUdevice_attribute", "libraryPropertyType", "cudnnStatus_t", "cudnnTensorFormat_t", "cudnnDataType_t",
            "cudnnConvolutionMode_t", "cudnnMathType_t", "cudnnConvolutionFwdAlgo_t", "cudnnConvolutionBwdDataAlgo_t",
            "cudnnConvolutionBwdFilterAlgo_t", "cudnnPoolingMode_t", "cudnnNanPropagation_t", "cudnnActivationMode_t",
            "cudnnSoftmaxAlgorithm_t", "cudnnSoftmaxMode_t", "cudnnBatchNormMode_t", "cublasStatus_t", "cublasOperation_t", "cublasMath_t",
            "nvrtcResult");
    /** 64-bit integer types. */
    private static final Set<String> LONGS = Set.of("size_t", "CUdeviceptr", "unsigned long long", "long long");
    private static final Set<String> MARKERS = Set.of("CUDAAPI", "CUDNNWINAPI", "CUBLASAPI", "CUBLASWINAPI",
            "CUDNN_DEPRECATED", "extern", "__CUDA_DEPRECATED", "const");

    private static final Pattern DEFINE = Pattern.compile(
            "^\\s*#\\s*define\\s+(\\w+)\\s+(?:__CUDA_API_PTSZ\\((\\w+)\\)|(\\w+))\\s*$", Pattern.MULTILINE);
    private static final Pattern DECLARATION = Pattern.compile(
            "(?:(?<=[;}])|^)\\s*([A-Za-z_][\\w\\s*]*?)\\b([A-Za-z_]\\w*)\\s*\\(([^;{}()]*)\\)\\s*;");

    private CPrototypes() {
    }

    /** Every declaration in {@code header}, by exported name (declared names reached through a #define included). */
    static Map<String, Prototype> parse(String header) {
        String text = header.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\\n]*", " ");
        Map<String, List<String>> aliases = new HashMap<>(); // declared name -> exported names
        Matcher d = DEFINE.matcher(text);
        while (d.find()) {
            String exported = d.group(2) != null ? d.group(2) : d.group(3);
            aliases.computeIfAbsent(d.group(1), k -> new ArrayList<>()).add(exported);
        }
        text = text.replaceAll("(?m)^\\s*#.*$", " ").replaceAll("\\s+", " ");
        Map<String, Prototype> out = new HashMap<>();
        Matcher m = DECLARATION.matcher(text);
        while (m.find()) {
            String returnText = m.group(1).strip();
            String name = m.group(2);
            if (returnText.isEmpty() || returnText.startsWith("typedef") || returnText.contains("return")) {
                continue;
            }
            Class<?> returns;
            List<Class<?>> params = new ArrayList<>();
            try {
                returns = carrier(returnText, true);
                String paramText = m.group(3).strip();
                if (!paramText.equals("void") && !paramText.isEmpty()) {
                    for (String p : paramText.split(",")) {
                        params.add(carrier(p.strip(), false));
                    }
                }
            } catch (IllegalArgumentException unknownType) {
                continue; // a declaration we do not bind, with a type this reader does not know
            }
            Prototype proto = new Prototype(name, returns, List.copyOf(params), m.group().strip());
            out.putIfAbsent(name, proto);
            for (String exported : aliases.getOrDefault(name, List.of())) {
                out.putIfAbsent(exported, new Prototype(exported, returns, proto.params(), proto.declaration()));
            }
        }
        return out;
    }

    /** The Java carrier of a C type (with or without a parameter name). */
    static Class<?> carrier(String cType, boolean isReturn) {
        String t = cType.replace("[]", " * ").replace("*", " * ").replaceAll("\\s+", " ").strip();
        if (t.contains("*")) {
            return MemorySegment.class;
        }
        List<String> words = new ArrayList<>();
        for (String w : t.split(" ")) {
            if (!MARKERS.contains(w)) {
                words.add(w);
            }
        }
        String joined = String.join(" ", words);
        if (isReturn && joined.equals("void")) {
            return void.class;
        }
        for (int drop = 0; drop <= 1 && drop < words.size(); drop++) { // with, then without, a parameter name
            String type = String.join(" ", words.subList(0, words.size() - drop));
            if (HANDLES.contains(type)) {
                return MemorySegment.class;
            }
            if (INTS.contains(type)) {
                return int.class;
            }
            if (LONGS.contains(type)) {
                return long.class;
            }
            if (type.equals("float")) {
                return float.class;
            }
            if (type.equals("double")) {
                return double.class;
            }
        }
        throw new IllegalArgumentException("unknown C type '" + cType + "'");
    }

    /** The carrier of an FFM layout. */
    static Class<?> carrier(MemoryLayout layout) {
        return ((ValueLayout) layout).carrier();
    }
}
