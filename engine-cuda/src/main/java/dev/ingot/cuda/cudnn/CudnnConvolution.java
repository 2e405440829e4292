package dev.ingot.cuda.cudnn;

import dev.ingot.core.spec.Conv2dGeometry;
import dev.ingot.core.spec.Conv2dSpec;
import dev.ingot.cuda.CudaException;
import dev.ingot.cuda.ffm.Cudnn;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

import static dev.ingot.cuda.ffm.Cudnn.check;

/**
 * The plan of one convolution shape ({@link Conv2dGeometry}): cuDNN descriptors for x/dx
 * {@code (N, C, H, W)}, w/dw {@code (K, C, R, S)}, y/dy {@code (N, K, P, Q)}, the bias {@code (1, K, 1, 1)}
 * and the convolution itself (cross-correlation, FP32 compute; FMA math unless TF32 is allowed),
 * plus the algorithm of each direction, chosen on its first call ({@link AlgorithmChoice}) and kept:
 * the hot path only runs the plan.
 *
 * <p>Algorithm search: {@link Search#FIND} times every algorithm once on the real tensors
 * ({@code cudnnFind*AlgorithmEx}, like PyTorch's {@code cudnn.benchmark}), in a workspace as large as
 * the largest the heuristics propose within the limit; {@link Search#HEURISTIC} takes cuDNN's
 * heuristic ranking without running anything (reproducible from run to run); {@link Search#GEMM}
 * the same ranking restricted to the GEMM family (the parity suite's setting). All keep to
 * deterministic algorithms when one qualifies, and a choice is made once per process and shape
 * ({@link AlgorithmCache}), not once per backend.
 */
public final class CudnnConvolution implements AutoCloseable {
    /** How algorithms are chosen. */
    public enum Search {
        /** Time every algorithm once per shape ({@code cudnnFind*Ex}); fastest, may differ run to run. */
        FIND,
        /** cuDNN's heuristic ranking, nothing run: the same choice on every run. */
        HEURISTIC,
        /**
         * The heuristic ranking restricted to the GEMM family (no FFT, no Winograd: see
         * {@link AlgorithmChoice#gemmFamily}): the rounding of a direct sum, for the parity suite.
         */
        GEMM
    }

    /** The backend's grow-only workspace: a device pointer to at least {@code bytes} (0 for none). */
    public interface Workspace {
        long ensure(long bytes);
    }

    /** Perf-array capacity: more than any cuDNN 9 direction has algorithms. */
    private static final int REQUESTED = 16;

    private final int device;
    private final Conv2dGeometry g;
    private final boolean tf32;
    private final Search search;
    private final long workspaceLimit;
    private final TensorDescriptor xDesc;
    private final TensorDescriptor yDesc;
    private final TensorDescriptor biasDesc;
    private final MemorySegment wDesc;
    private final MemorySegment convDesc;
    private AlgorithmChoice.Choice forward;
    private AlgorithmChoice.Choice backwardData;
    private AlgorithmChoice.Choice backwardFilter;
    private long forwardBytes;
    private long backwardDataBytes;
    private long backwardFilterBytes;
    private String notes = "";
    private boolean closed;

    /** @param device the device ordinal: algorithm choices are remembered per device ({@link AlgorithmCache}) */
    public CudnnConvolution(int device, Conv2dGeometry g, boolean tf32, Search search, long workspaceLimit) {
        this.device = device;
        this.g = g;
        this.tf32 = tf32;
        this.search = search;
        this.workspaceLimit = workspaceLimit;
        Conv2dSpec s = g.spec();
        TensorDescriptor x = null;
        TensorDescriptor y = null;
        TensorDescriptor b = null;
        MemorySegment w = null;
        MemorySegment conv = null;
        try {
            x = new TensorDescriptor(g.n(), g.c(), g.h(), g.w());
            y = new TensorDescriptor(g.n(), g.k(), g.p(), g.q());
            b = new TensorDescriptor(1, g.k(), 1, 1);
            w = Descriptors.create(Cudnn::cudnnCreateFilterDescriptor, "cudnnCreateFilterDescriptor");
            check(Cudnn.cudnnSetFilter4dDescriptor(w, Cudnn.CUDNN_DATA_FLOAT, Cudnn.CUDNN_TENSOR_NCHW, g.k(), g.c(), g.r(),
                    g.s()), "cudnnSetFilter4dDescriptor", g.weightShape().toString());
            conv = Descriptors.create(Cudnn::cudnnCreateConvolutionDescriptor, "cudnnCreateConvolutionDescriptor");
            check(Cudnn.cudnnSetConvolution2dDescriptor(conv, s.padH(), s.padW(), s.strideH(), s.strideW(), s.dilationH(),
                    s.dilationW(), Cudnn.CUDNN_CROSS_CORRELATION, Cudnn.CUDNN_DATA_FLOAT), "cudnnSetConvolution2dDescriptor",
                    s.toString());
            check(Cudnn.cudnnSetConvolutionMathType(conv, tf32 ? Cudnn.CUDNN_DEFAULT_MATH : Cudnn.CUDNN_FMA_MATH),
                    "cudnnSetConvolutionMathType", tf32 ? "DEFAULT_MATH (TF32 allowed)" : "FMA_MATH (no TF32)");
            checkOutputShape(conv, x, w);
        } catch (RuntimeException e) {
            closeQuietly(x, y, b, w, conv);
            throw e;
        }
        this.xDesc = x;
        this.yDesc = y;
        this.biasDesc = b;
        this.wDesc = w;
        this.convDesc = conv;
    }

    /** cuDNN must agree with {@link Conv2dGeometry} on the output size, or every later call would be wrong. */
    private void checkOutputShape(MemorySegment conv, TensorDescriptor x, MemorySegment w) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment dims = arena.allocate(ValueLayout.JAVA_INT, 4);
            check(Cudnn.cudnnGetConvolution2dForwardOutputDim(conv, x.handle(), w, dims, dims.asSlice(4),
                    dims.asSlice(8), dims.asSlice(12)), "cudnnGetConvolution2dForwardOutputDim", describeShape());
            int[] got = dims.toArray(ValueLayout.JAVA_INT);
            if (got[0] != g.n() || got[1] != g.k() || got[2] != g.p() || got[3] != g.q()) {
                throw new IllegalStateException("cuDNN computes output " + java.util.Arrays.toString(got) + " for "
                        + describeShape() + " but Ingot's Conv2dGeometry says " + g.outputShape());
            }
        }
    }

    /** {@code y = conv(x, w)} (+ {@code b} per output channel unless {@code b == 0}); y is overwritten. */
    public void forward(MemorySegment handle, Workspace workspace, MemorySegment one, MemorySegment zero, long x, long w,
                        long b, long y) {
        if (forward == null) {
            useMathTypeOf(null); // search with the descriptor's own math type
            chooseForward(handle, workspace, x, w, y);
        }
        long ws = workspace.ensure(forwardBytes);
        useMathTypeOf(forward);
        check(Cudnn.cudnnConvolutionForward(handle, one, xDesc.handle(), ptr(x), wDesc, ptr(w), convDesc,
                forward.perf().algo(), ptr(ws), forwardBytes, zero, yDesc.handle(), ptr(y)), "cudnnConvolutionForward",
                describe("forward", forward, AlgorithmChoice.FORWARD, forwardBytes));
        if (b != 0) {
            check(Cudnn.cudnnAddTensor(handle, one, biasDesc.handle(), ptr(b), one, yDesc.handle(), ptr(y)),
                    "cudnnAddTensor", "bias [" + g.k() + "] onto y " + yDesc);
        }
    }

    /** {@code dx = conv^T(dy, w)}; dx is overwritten. */
    public void backwardData(MemorySegment handle, Workspace workspace, MemorySegment one, MemorySegment zero, long dy,
                             long w, long dx) {
        if (backwardData == null) {
            useMathTypeOf(null); // search with the descriptor's own math type
            chooseBackwardData(handle, workspace, dy, w, dx);
        }
        long ws = workspace.ensure(backwardDataBytes);
        useMathTypeOf(backwardData);
        check(Cudnn.cudnnConvolutionBackwardData(handle, one, wDesc, ptr(w), yDesc.handle(), ptr(dy), convDesc,
                backwardData.perf().algo(), ptr(ws), backwardDataBytes, zero, xDesc.handle(), ptr(dx)),
                "cudnnConvolutionBackwardData",
                describe("backward data", backwardData, AlgorithmChoice.BACKWARD_DATA, backwardDataBytes));
    }

    /** {@code dw = sum over n, p, q of dy x x-window}; dw is overwritten. */
    public void backwardFilter(MemorySegment handle, Workspace workspace, MemorySegment one, MemorySegment zero, long x,
                               long dy, long dw) {
        if (backwardFilter == null) {
            useMathTypeOf(null); // search with the descriptor's own math type
            chooseBackwardFilter(handle, workspace, x, dy, dw);
        }
        long ws = workspace.ensure(backwardFilterBytes);
        useMathTypeOf(backwardFilter);
        check(Cudnn.cudnnConvolutionBackwardFilter(handle, one, xDesc.handle(), ptr(x), yDesc.handle(), ptr(dy), convDesc,
                backwardFilter.perf().algo(), ptr(ws), backwardFilterBytes, zero, wDesc, ptr(dw)),
                "cudnnConvolutionBackwardFilter",
                describe("backward filter", backwardFilter, AlgorithmChoice.BACKWARD_FILTER, backwardFilterBytes));
    }

    /**
     * With TF32 allowed, cuDNN may rank a tensor-op algorithm first, and such an algorithm runs only
     * with its math type set on the convolution descriptor (PyTorch does the same per call); the three
     * directions share the descriptor, so it is set before each. With TF32 off the descriptor keeps
     * CUDNN_FMA_MATH and {@link AlgorithmChoice} only takes FMA or default-math algorithms: setting a
     * perf entry's CUDNN_DEFAULT_MATH there would let cuDNN use TF32 on Ampere and newer. A null
     * choice restores CUDNN_DEFAULT_MATH for an algorithm search.
     */
    private void useMathTypeOf(AlgorithmChoice.Choice choice) {
        if (tf32) {
            int mathType = choice == null ? Cudnn.CUDNN_DEFAULT_MATH : choice.perf().mathType();
            check(Cudnn.cudnnSetConvolutionMathType(convDesc, mathType), "cudnnSetConvolutionMathType",
                    "math type " + mathType + (choice == null ? " for the algorithm search" : " of the chosen algorithm")
                            + ", " + describeShape());
        }
    }

    /** One cuDNN heuristic query into {@code perf}/{@code count}; returns its status. */
    private interface HeuristicQuery {
        int run(MemorySegment count, MemorySegment perf);
    }

    /** One cuDNN timed search ({@code cudnnFind*Ex}) in a workspace; returns its status. */
    private interface FindQuery {
        int run(MemorySegment workspace, long workspaceBytes, MemorySegment count, MemorySegment perf);
    }

    /**
     * The algorithm of one direction: the process-wide {@link AlgorithmCache}'s, or a search:
     * cuDNN's heuristic ranking, then (FIND, when the library exports it) a timed run of every
     * candidate; GEMM keeps to the GEMM family. The search's fallbacks go into {@link #algorithms()}.
     */
    private AlgorithmChoice.Choice choose(String direction, String[] names, String heuristicCall,
                                          HeuristicQuery heuristic, String findCall, FindQuery find,
                                          Workspace workspace) {
        AlgorithmCache.Key key = new AlgorithmCache.Key(device, g, direction, tf32, search, workspaceLimit);
        return AlgorithmCache.get(key, () -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment perf = arena.allocate(Cudnn.ALGO_PERF, REQUESTED);
                MemorySegment count = arena.allocate(ValueLayout.JAVA_INT);
                check(heuristic.run(count, perf), heuristicCall, describeShape());
                List<AlgorithmChoice.Perf> results = AlgorithmChoice.read(perf, count.get(ValueLayout.JAVA_INT, 0));
                if (search == Search.FIND && !Cudnn.hasFindEx()) {
                    notes += " " + direction + ": this cuDNN exports no " + findCall + ", used the heuristic;";
                } else if (search == Search.FIND) {
                    long bytes = AlgorithmChoice.largestUsableWorkspace(results, tf32, workspaceLimit);
                    long ws = workspace.ensure(bytes);
                    try {
                        check(find.run(ptr(ws), bytes, count, perf), findCall, describeShape());
                        results = AlgorithmChoice.read(perf, count.get(ValueLayout.JAVA_INT, 0));
                    } catch (CudaException e) {
                        notes += " " + direction + " search failed (" + e.statusName() + "), used the heuristic;";
                    }
                }
                if (search == Search.GEMM) {
                    results = AlgorithmChoice.gemmFamilyOnly(results, names);
                }
                return AlgorithmChoice.choose(results, tf32, workspaceLimit,
                        direction + (search == Search.GEMM ? " (GEMM family only)" : ""), names);
            }
        });
    }

    private void chooseForward(MemorySegment handle, Workspace workspace, long x, long w, long y) {
        forward = choose("forward", AlgorithmChoice.FORWARD, "cudnnGetConvolutionForwardAlgorithm_v7",
                (count, perf) -> Cudnn.cudnnGetConvolutionForwardAlgorithm_v7(handle, xDesc.handle(), wDesc, convDesc,
                        yDesc.handle(), REQUESTED, count, perf),
                "cudnnFindConvolutionForwardAlgorithmEx",
                (ws, bytes, count, perf) -> Cudnn.cudnnFindConvolutionForwardAlgorithmEx(handle, xDesc.handle(), ptr(x),
                        wDesc, ptr(w), convDesc, yDesc.handle(), ptr(y), REQUESTED, count, perf, ws, bytes),
                workspace);
        useMathTypeOf(forward); // the workspace size depends on it
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment size = arena.allocate(ValueLayout.JAVA_LONG);
            check(Cudnn.cudnnGetConvolutionForwardWorkspaceSize(handle, xDesc.handle(), wDesc, convDesc, yDesc.handle(),
                    forward.perf().algo(), size), "cudnnGetConvolutionForwardWorkspaceSize", describeShape());
            forwardBytes = size.get(ValueLayout.JAVA_LONG, 0);
        }
    }

    private void chooseBackwardData(MemorySegment handle, Workspace workspace, long dy, long w, long dx) {
        backwardData = choose("backward data", AlgorithmChoice.BACKWARD_DATA,
                "cudnnGetConvolutionBackwardDataAlgorithm_v7",
                (count, perf) -> Cudnn.cudnnGetConvolutionBackwardDataAlgorithm_v7(handle, wDesc, yDesc.handle(),
                        convDesc, xDesc.handle(), REQUESTED, count, perf),
                "cudnnFindConvolutionBackwardDataAlgorithmEx",
                (ws, bytes, count, perf) -> Cudnn.cudnnFindConvolutionBackwardDataAlgorithmEx(handle, wDesc, ptr(w),
                        yDesc.handle(), ptr(dy), convDesc, xDesc.handle(), ptr(dx), REQUESTED, count, perf, ws, bytes),
                workspace);
        useMathTypeOf(backwardData); // the workspace size depends on it
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment size = arena.allocate(ValueLayout.JAVA_LONG);
            check(Cudnn.cudnnGetConvolutionBackwardDataWorkspaceSize(handle, wDesc, yDesc.handle(), convDesc,
                    xDesc.handle(), backwardData.perf().algo(), size), "cudnnGetConvolutionBackwardDataWorkspaceSize",
                    describeShape());
            backwardDataBytes = size.get(ValueLayout.JAVA_LONG, 0);
        }
    }

    private void chooseBackwardFilter(MemorySegment handle, Workspace workspace, long x, long dy, long dw) {
        backwardFilter = choose("backward filter", AlgorithmChoice.BACKWARD_FILTER,
                "cudnnGetConvolutionBackwardFilterAlgorithm_v7",
                (count, perf) -> Cudnn.cudnnGetConvolutionBackwardFilterAlgorithm_v7(handle, xDesc.handle(),
                        yDesc.handle(), convDesc, wDesc, REQUESTED, count, perf),
                "cudnnFindConvolutionBackwardFilterAlgorithmEx",
                (ws, bytes, count, perf) -> Cudnn.cudnnFindConvolutionBackwardFilterAlgorithmEx(handle, xDesc.handle(),
                        ptr(x), yDesc.handle(), ptr(dy), convDesc, wDesc, ptr(dw), REQUESTED, count, perf, ws, bytes),
                workspace);
        useMathTypeOf(backwardFilter); // the workspace size depends on it
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment size = arena.allocate(ValueLayout.JAVA_LONG);
            check(Cudnn.cudnnGetConvolutionBackwardFilterWorkspaceSize(handle, xDesc.handle(), yDesc.handle(), convDesc,
                    wDesc, backwardFilter.perf().algo(), size), "cudnnGetConvolutionBackwardFilterWorkspaceSize",
                    describeShape());
            backwardFilterBytes = size.get(ValueLayout.JAVA_LONG, 0);
        }
    }

    private String describeShape() {
        return "x " + g.inputShape() + ", w " + g.weightShape() + ", y " + g.outputShape() + ", " + g.spec();
    }

    private String describe(String direction, AlgorithmChoice.Choice c, String[] names, long bytes) {
        return direction + ": " + describeShape() + ", algo " + AlgorithmChoice.name(names, c.perf().algo())
                + ", workspace " + bytes + " bytes";
    }

    /** The algorithms chosen so far, for diagnostics. */
    public String algorithms() {
        StringBuilder sb = new StringBuilder(describeShape()).append(':');
        if (forward != null) {
            sb.append(" fwd ").append(AlgorithmChoice.name(AlgorithmChoice.FORWARD, forward.perf().algo()));
        }
        if (backwardData != null) {
            sb.append(" bwd-data ").append(AlgorithmChoice.name(AlgorithmChoice.BACKWARD_DATA,
                    backwardData.perf().algo()));
        }
        if (backwardFilter != null) {
            sb.append(" bwd-filter ").append(AlgorithmChoice.name(AlgorithmChoice.BACKWARD_FILTER,
                    backwardFilter.perf().algo()));
        }
        return sb.append(notes).toString();
    }

    private static MemorySegment ptr(long devicePointer) {
        return devicePointer == 0 ? MemorySegment.NULL : MemorySegment.ofAddress(devicePointer);
    }

    private static void closeQuietly(TensorDescriptor x, TensorDescriptor y, TensorDescriptor b, MemorySegment w,
                                     MemorySegment conv) {
        for (TensorDescriptor d : new TensorDescriptor[] {x, y, b}) {
            if (d != null) {
                try {
                    d.close();
                } catch (RuntimeException ignored) {
                    // the original failure is the one worth reporting
                }
            }
        }
        if (w != null) {
            Cudnn.cudnnDestroyFilterDescriptor(w);
        }
        if (conv != null) {
            Cudnn.cudnnDestroyConvolutionDescriptor(conv);
        }
    }

    /** Destroys the descriptors, in reverse order of creation. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        check(Cudnn.cudnnDestroyConvolutionDescriptor(convDesc), "cudnnDestroyConvolutionDescriptor");
        check(Cudnn.cudnnDestroyFilterDescriptor(wDesc), "cudnnDestroyFilterDescriptor");
        biasDesc.close();
        yDesc.close();
        xDesc.close();
    }
}
