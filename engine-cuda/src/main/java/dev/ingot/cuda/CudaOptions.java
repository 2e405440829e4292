package dev.ingot.cuda;

import dev.ingot.cuda.cudnn.CudnnConvolution;

import java.util.Locale;
import java.util.Map;

/**
 * The CUDA backend's settings, read from system properties (or the environment):
 * <ul>
 *   <li>{@code ingot.cuda.device} / {@code INGOT_CUDA_DEVICE}: device ordinal, default 0;</li>
 *   <li>{@code ingot.cuda.tf32}: {@code true} lets cuBLAS and cuDNN use TF32 tensor cores for FP32
 *       (about 10 mantissa bits per product); default {@code false}, so results are FP32 and match the
 *       CPU within float rounding — the parity suite runs this way;</li>
 *   <li>{@code ingot.cuda.conv.algo}: {@code find} (time each cuDNN algorithm once per shape, like
 *       {@code cudnn.benchmark}; default), {@code heuristic} (cuDNN's ranking, reproducible run to run) or
 *       {@code gemm} (that ranking restricted to the GEMM-family algorithms: no FFT or Winograd, whose
 *       rounding can exceed the parity suite's direct-summation tolerance; parity runs use it);</li>
 *   <li>{@code ingot.cuda.workspaceLimitMiB}: the largest cuDNN workspace an algorithm may use, default 1024;</li>
 *   <li>{@code ingot.cuda.debugSync}: {@code true} waits for the device after every op, so that a kernel
 *       that fails on the GPU is named by the op that queued it (slow; for diagnosis).</li>
 * </ul>
 *
 * @param device         device ordinal
 * @param tf32           whether TF32 tensor-core math is allowed
 * @param convSearch     how convolution algorithms are chosen
 * @param workspaceLimit bytes
 * @param debugSync      whether to wait for the device after every op
 */
public record CudaOptions(int device, boolean tf32, CudnnConvolution.Search convSearch, long workspaceLimit,
                          boolean debugSync) {

    public CudaOptions {
        if (device < 0) {
            throw new IllegalArgumentException("CUDA device ordinal must be at least 0, got " + device);
        }
        if (convSearch == null) {
            throw new IllegalArgumentException("convSearch must not be null");
        }
        if (workspaceLimit < 0) {
            throw new IllegalArgumentException("cuDNN workspace limit must be at least 0 bytes, got " + workspaceLimit);
        }
    }

    /** The settings of this process. */
    public static CudaOptions fromSystem() {
        return parse(System.getProperties().entrySet().stream().collect(java.util.stream.Collectors.toMap(
                e -> String.valueOf(e.getKey()), e -> String.valueOf(e.getValue()), (a, b) -> a)), System.getenv());
    }

    static CudaOptions parse(Map<String, String> properties, Map<String, String> env) {
        String deviceText = properties.getOrDefault("ingot.cuda.device", env.getOrDefault("INGOT_CUDA_DEVICE", "0"));
        int device;
        try {
            device = Integer.parseInt(deviceText.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("ingot.cuda.device (or INGOT_CUDA_DEVICE) must be a device number, got '"
                    + deviceText + "'");
        }
        String tf32Text = properties.getOrDefault("ingot.cuda.tf32", "false").strip().toLowerCase(Locale.ROOT);
        if (!tf32Text.equals("true") && !tf32Text.equals("false")) {
            throw new IllegalArgumentException("ingot.cuda.tf32 must be true or false, got '" + tf32Text + "'");
        }
        String algo = properties.getOrDefault("ingot.cuda.conv.algo", "find").strip().toLowerCase(Locale.ROOT);
        CudnnConvolution.Search search = switch (algo) {
            case "find" -> CudnnConvolution.Search.FIND;
            case "heuristic" -> CudnnConvolution.Search.HEURISTIC;
            case "gemm" -> CudnnConvolution.Search.GEMM;
            default -> throw new IllegalArgumentException("ingot.cuda.conv.algo must be 'find', 'heuristic' or 'gemm', got '"
                    + algo + "'");
        };
        String limitText = properties.getOrDefault("ingot.cuda.workspaceLimitMiB", "1024").strip();
        long limit;
        try {
            limit = Long.parseLong(limitText) << 20;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("ingot.cuda.workspaceLimitMiB must be a number of MiB, got '" + limitText
                    + "'");
        }
        String syncText = properties.getOrDefault("ingot.cuda.debugSync", "false").strip().toLowerCase(Locale.ROOT);
        if (!syncText.equals("true") && !syncText.equals("false")) {
            throw new IllegalArgumentException("ingot.cuda.debugSync must be true or false, got '" + syncText + "'");
        }
        return new CudaOptions(device, Boolean.parseBoolean(tf32Text), search, limit, Boolean.parseBoolean(syncText));
    }

    /** For descriptions: {@code TF32 off, conv algorithms find, workspace <= 1024 MiB}. */
    public String describe() {
        return "TF32 " + (tf32 ? "on" : "off") + ", conv algorithms " + convSearch.name().toLowerCase(Locale.ROOT)
                + ", workspace <= " + (workspaceLimit >> 20) + " MiB" + (debugSync ? ", debug sync after every op" : "");
    }
}
