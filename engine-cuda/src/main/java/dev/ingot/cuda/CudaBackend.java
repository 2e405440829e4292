package dev.ingot.cuda;

import dev.ingot.core.Backend;
import dev.ingot.core.DType;
import dev.ingot.core.KernelChecks;
import dev.ingot.core.Shape;
import dev.ingot.core.Tensor;
import dev.ingot.core.spec.AdamSpec;
import dev.ingot.core.spec.BatchNormSpec;
import dev.ingot.core.spec.Conv2dGeometry;
import dev.ingot.core.spec.Conv2dSpec;
import dev.ingot.core.spec.CrossEntropySpec;
import dev.ingot.core.spec.DropoutSpec;
import dev.ingot.core.spec.GeluApproximation;
import dev.ingot.core.spec.GemmGeometry;
import dev.ingot.core.spec.ImageNormalization;
import dev.ingot.core.spec.Pool2dGeometry;
import dev.ingot.core.spec.Pool2dSpec;
import dev.ingot.core.spec.SgdSpec;
import dev.ingot.cuda.cudnn.ActivationDescriptor;
import dev.ingot.cuda.cudnn.CudnnConvolution;
import dev.ingot.cuda.cudnn.CudnnHandle;
import dev.ingot.cuda.cudnn.CudnnPooling;
import dev.ingot.cuda.cudnn.TensorDescriptor;
import dev.ingot.cuda.cudnn.TensorDescriptors;
import dev.ingot.cuda.ffm.CudaDriver;
import dev.ingot.cuda.ffm.Cublas;
import dev.ingot.cuda.ffm.Cudnn;
import dev.ingot.cuda.kernels.Kernel;
import dev.ingot.cuda.kernels.KernelCache;
import dev.ingot.cuda.kernels.KernelLauncher;
import dev.ingot.cuda.kernels.KernelModules;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * The CUDA backend: tensors live in device memory from a {@link CachingAllocator}; convolution,
 * max/average pooling forward, ReLU and (log-)softmax run in cuDNN, matrix products in cuBLAS, and
 * the rest in our own kernels ({@code kernels/*.cu}, compiled by NVRTC). Everything is queued on one
 * stream; the host waits only to read values ({@code copyToHost}, {@code countCorrect},
 * {@code synchronize}) or, rarely, to range-check labels it has never seen (see {@link CudaStorage}).
 *
 * <p>Like every backend, each method first calls the {@link KernelChecks} method named after it, so
 * bad arguments fail with the same messages as on the CPU before anything reaches the GPU; then it
 * makes the device's context current on this thread and queues the work.
 *
 * <p>Resources (context, stream, allocator, pinned buffers, cuDNN and cuBLAS handles, descriptors,
 * plans, modules) are owned here and closed in reverse order of creation by {@link #close()}.
 */
public final class CudaBackend implements Backend {
    private static final int MAX_ELEMENTS = Integer.MAX_VALUE;

    private final CudaOptions options;
    private final Deque<AutoCloseable> owned = new ArrayDeque<>();
    private final CudaDevice device;
    private final CudaStream stream;
    private final CachingAllocator allocator;
    private final PinnedStaging staging;
    private final CudnnHandle cudnn;
    private final MemorySegment cublas;
    private final KernelModules modules;
    private final KernelLauncher launcher;
    private final TensorDescriptors descriptors;
    private final ActivationDescriptor relu;
    private final Map<Conv2dGeometry, CudnnConvolution> convolutions = new LinkedHashMap<>();
    private final Map<PoolKey, CudnnPooling> poolings = new LinkedHashMap<>();
    private final Arena hostScalars = Arena.ofShared();
    private final MemorySegment one;
    private final MemorySegment zero;
    private final MemorySegment gemmAlpha;
    private final MemorySegment gemmBeta;
    private final CachingAllocator.Block scratch;
    private final AtomicLong tensorBytes = new AtomicLong();
    private final String description;
    private CachingAllocator.Block workspace;
    private String lastOp;
    private volatile boolean closed;

    private record PoolKey(Pool2dGeometry geometry, int mode) {
    }

    /** A backend on the device and with the settings {@code options} names. Use {@link CudaBackendProvider}. */
    CudaBackend(CudaOptions options, String libraryVersions) {
        this.options = options;
        try {
            own(hostScalars::close);
            device = own(CudaDevice.open(options.device()));
            stream = own(new CudaStream());
            allocator = own(new CachingAllocator(new DriverMemory(device, stream)));
            staging = own(new PinnedStaging(stream));
            cudnn = own(new CudnnHandle(stream.handle()));
            cublas = createCublas(stream.handle(), options.tf32());
            own(() -> Cublas.check(Cublas.cublasDestroy(cublas), "cublasDestroy_v2", null));
            CudaDevice.Info info = device.info();
            modules = own(new KernelModules(info.computeMajor(), info.computeMinor(), KernelCache.fromEnvironment()));
            launcher = own(new KernelLauncher(modules, stream.handle(), info.multiprocessors()));
            descriptors = own(new TensorDescriptors());
            relu = own(new ActivationDescriptor());
            own(this::closePlans);
            one = hostScalars.allocateFrom(ValueLayout.JAVA_FLOAT, 1f);
            zero = hostScalars.allocateFrom(ValueLayout.JAVA_FLOAT, 0f);
            gemmAlpha = hostScalars.allocate(ValueLayout.JAVA_FLOAT);
            gemmBeta = hostScalars.allocate(ValueLayout.JAVA_FLOAT);
            scratch = allocator.allocate(16);
            own(() -> {
                if (workspace != null) {
                    allocator.release(workspace);
                    workspace = null;
                }
                allocator.release(scratch);
            });
            description = "cuda: " + info.describe() + ", " + libraryVersions + ", " + options.describe();
        } catch (RuntimeException | Error e) {
            Throwable cleanup = closeOwned();
            if (cleanup != null) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    private static MemorySegment createCublas(MemorySegment stream, boolean tf32) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            Cublas.check(Cublas.cublasCreate(out), "cublasCreate_v2", null);
            MemorySegment handle = out.get(ValueLayout.ADDRESS, 0);
            try {
                Cublas.check(Cublas.cublasSetStream(handle, stream), "cublasSetStream_v2", null);
                int mode = tf32 ? Cublas.CUBLAS_TF32_TENSOR_OP_MATH : Cublas.CUBLAS_DEFAULT_MATH;
                Cublas.check(Cublas.cublasSetMathMode(handle, mode), "cublasSetMathMode", tf32 ? "TF32" : "FP32");
            } catch (RuntimeException e) {
                Cublas.cublasDestroy(handle);
                throw e;
            }
            return handle;
        }
    }

    private <T extends AutoCloseable> T own(T resource) {
        owned.push(resource);
        return resource;
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public String description() {
        return description + "; kernels: " + modules.describe();
    }

    @Override
    public String toString() {
        return description;
    }

    /** The settings this backend was made with. */
    public CudaOptions options() {
        return options;
    }

    /** Device memory figures (tensors, cache, driver calls), for leak tests and diagnostics. */
    public MemoryStats memoryStats() {
        return allocator.stats();
    }

    /** {@code {free, total}} bytes of the device, from the driver. */
    public long[] deviceMemory() {
        enter("deviceMemory");
        return device.memoryInfo();
    }

    /** Returns the cached free blocks to the driver (waits for the device first). */
    public void releaseCachedMemory() {
        enter("releaseCachedMemory");
        allocator.emptyCache();
    }

    /** The cuDNN algorithms chosen so far, one line per convolution shape. */
    public List<String> convolutionAlgorithms() {
        List<String> out = new ArrayList<>();
        for (CudnnConvolution c : convolutions.values()) {
            out.add(c.algorithms());
        }
        return out;
    }

    // ---------------------------------------------------------------- plumbing

    /**
     * Every backend entry: refuses a closed backend, and makes the device's context current on this
     * thread. With {@code -Dingot.cuda.debugSync=true} it also waits for the previous op and, if that
     * failed on the device, says which op it was (asynchronous errors otherwise surface at a later,
     * unrelated call).
     */
    /**
     * For a collective library working on its own stream (NCCL): makes the context current on this
     * thread and waits until the backend's stream has finished writing the tensors it will read.
     */
    void quiesce(String op) {
        enter(op);
        stream.synchronize();
    }

    private void enter(String op) {
        if (closed) {
            throw new IllegalStateException("this CUDA backend is closed; create a new one with Backends.get(\"cuda\")");
        }
        String fault = CudaException.firstContextFault();
        if (fault != null) {
            throw new IllegalStateException("'" + op + "' refused: the CUDA context of this process is unusable since "
                    + "an earlier device fault (later failures are consequences; start a new process): " + fault);
        }
        device.makeCurrent();
        if (options.debugSync() && lastOp != null) {
            try {
                stream.synchronize();
            } catch (CudaException e) {
                throw new IllegalStateException("the device failed in or before '" + lastOp + "' (found while starting '"
                        + op + "'): " + e.getMessage(), e);
            }
        }
        lastOp = op;
    }

    private static CudaStorage storage(Tensor t) {
        return (CudaStorage) t.storage();
    }

    private static long ptr(Tensor t) {
        return storage(t).address();
    }

    private static MemorySegment seg(Tensor t) {
        return MemorySegment.ofAddress(ptr(t));
    }

    private static MemorySegment seg(long address) {
        return MemorySegment.ofAddress(address);
    }

    private MemorySegment cudnn() {
        return cudnn.handle();
    }

    private long workspace(long bytes) {
        if (bytes <= 0) {
            return 0;
        }
        if (workspace != null && workspace.bytes() >= bytes) {
            return workspace.address();
        }
        if (workspace != null) {
            allocator.release(workspace); // stream-ordered reuse: later work queues behind earlier users
            workspace = null;
        }
        workspace = allocator.allocate(bytes);
        return workspace.address();
    }

    // ---------------------------------------------------------------- memory

    @Override
    public Tensor zeros(Shape shape, DType dtype) {
        CudaStorage s = allocateTensor("zeros", shape, dtype);
        try {
            CudaDriver.check(CudaDriver.cuMemsetD32Async(s.address(), 0, shape.size(), stream.handle()),
                    "cuMemsetD32Async", "zeros " + shape);
        } catch (RuntimeException e) {
            s.release();
            throw e;
        }
        if (dtype == DType.INT32) {
            s.knowBound(1);
        }
        return Tensor.create(this, shape, dtype, s);
    }

    private CudaStorage allocateTensor(String op, Shape shape, DType dtype) {
        KernelChecks.allocation(this, op, shape, dtype, MAX_ELEMENTS, "cuDNN's 32-bit sizes");
        enter(op);
        return new CudaStorage(allocator, allocator.allocate(shape.size() * 4L), tensorBytes);
    }

    @Override
    public Tensor fromHost(Shape shape, float[] data) {
        KernelChecks.hostArray("fromHost", data == null ? -1 : data.length, shape);
        return uploadedTensor(shape, DType.FLOAT32, MemorySegment.ofArray(data));
    }

    @Override
    public Tensor fromHost(Shape shape, int[] data) {
        KernelChecks.hostArray("fromHost", data == null ? -1 : data.length, shape);
        Tensor t = uploadedTensor(shape, DType.INT32, MemorySegment.ofArray(data));
        storage(t).knowValues(data.clone());
        return t;
    }

    /** A new tensor holding {@code values} (a heap segment over the caller's array). */
    private Tensor uploadedTensor(Shape shape, DType dtype, MemorySegment values) {
        CudaStorage s = allocateTensor("fromHost", shape, dtype);
        Tensor t = Tensor.create(this, shape, dtype, s);
        try {
            upload(values, s.address());
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
        return t;
    }

    @Override
    public void copyFromHost(float[] src, Tensor dst) {
        KernelChecks.copyFromHost(this, src == null ? -1 : src.length, DType.FLOAT32, dst);
        enter("copyFromHost");
        upload(MemorySegment.ofArray(src), ptr(dst));
    }

    @Override
    public void copyFromHost(int[] src, Tensor dst) {
        KernelChecks.copyFromHost(this, src == null ? -1 : src.length, DType.INT32, dst);
        enter("copyFromHost");
        CudaStorage s = storage(dst);
        s.knowBound(-1);
        upload(MemorySegment.ofArray(src), s.address());
        s.knowValues(src.clone());
    }

    /**
     * Host array (as a heap segment) -> pinned chunk -> device, queued; the host does not wait for
     * the copies.
     */
    private void upload(MemorySegment src, long dst) {
        long total = src.byteSize();
        for (long done = 0; done < total; ) {
            long bytes = Math.min(PinnedStaging.CHUNK_BYTES, total - done);
            PinnedStaging.Buffer b = staging.acquire(bytes);
            MemorySegment.copy(src, done, b.host, 0, bytes);
            CudaDriver.check(CudaDriver.cuMemcpyHtoDAsync(dst + done, b.host, bytes, stream.handle()),
                    "cuMemcpyHtoDAsync_v2", bytes + " bytes");
            staging.releaseAfterQueuedWork(b);
            done += bytes;
        }
    }

    @Override
    public void copyToHost(Tensor src, float[] dst) {
        KernelChecks.copyToHost(this, src, DType.FLOAT32, dst == null ? -1 : dst.length);
        enter("copyToHost");
        download(src, MemorySegment.ofArray(dst));
    }

    @Override
    public void copyToHost(Tensor src, int[] dst) {
        KernelChecks.copyToHost(this, src, DType.INT32, dst == null ? -1 : dst.length);
        enter("copyToHost");
        download(src, MemorySegment.ofArray(dst));
    }

    /** Device -> pinned chunk -> host array (as a heap segment), waiting for each chunk. */
    private void download(Tensor src, MemorySegment dst) {
        long base = ptr(src);
        long total = dst.byteSize();
        for (long done = 0; done < total; ) {
            long bytes = Math.min(PinnedStaging.CHUNK_BYTES, total - done);
            PinnedStaging.Buffer b = staging.acquire(bytes);
            try {
                CudaDriver.check(CudaDriver.cuMemcpyDtoHAsync(b.host, base + done, bytes, stream.handle()),
                        "cuMemcpyDtoHAsync_v2", bytes + " bytes of " + src.describe());
                stream.synchronize();
                MemorySegment.copy(b.host, 0, dst, done, bytes);
            } finally {
                staging.releaseNow(b);
            }
            done += bytes;
        }
    }

    /** Reads one 32-bit word of device memory (waits for the stream). */
    private int readInt(long address) {
        PinnedStaging.Buffer b = staging.acquire(4);
        try {
            CudaDriver.check(CudaDriver.cuMemcpyDtoHAsync(b.host, address, 4, stream.handle()), "cuMemcpyDtoHAsync_v2",
                    "4 bytes");
            stream.synchronize();
            return b.host.get(ValueLayout.JAVA_INT, 0);
        } finally {
            staging.releaseNow(b);
        }
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        KernelChecks.copy(this, src, dst);
        enter("copy");
        if (src.sharesMemoryWith(dst)) {
            return; // same storage, same size: already equal
        }
        CudaDriver.check(CudaDriver.cuMemcpyDtoDAsync(ptr(dst), ptr(src), src.size() * 4L, stream.handle()),
                "cuMemcpyDtoDAsync_v2", src.describe() + " -> " + dst.describe());
        if (dst.dtype() == DType.INT32) {
            storage(dst).knowSameAs(storage(src));
        }
    }

    @Override
    public void fill(Tensor dst, float value) {
        KernelChecks.fill(this, dst);
        enter("fill");
        CudaDriver.check(CudaDriver.cuMemsetD32Async(ptr(dst), Float.floatToRawIntBits(value), dst.size(),
                stream.handle()), "cuMemsetD32Async", "fill " + dst.describe() + " with " + value);
    }

    @Override
    public long bytesInUse() {
        return tensorBytes.get();
    }

    @Override
    public void synchronize() {
        enter("synchronize");
        stream.synchronize();
    }

    // ---------------------------------------------------------------- gemm

    /** Row-major {@code C = alpha op(A) op(B) + beta C} as a column-major cuBLAS call (see {@link CublasGemm}). */
    @Override
    public void gemm(boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        GemmGeometry g = KernelChecks.gemm(this, transA, transB, a, b, c);
        enter("gemm");
        if (alpha == 0f) {
            // BLAS semantics (docs/reliability.md, NaN section): with alpha == 0, A and B are not
            // read, so their NaN and Inf cannot reach C. cuBLAS does not promise to skip them, so
            // the product is not called at all: C = beta * C, and beta == 0 writes zeros without
            // reading C (as the CPU's GemmKernels.scaleC).
            long n = c.size();
            if (beta == 0f) {
                CudaDriver.check(CudaDriver.cuMemsetD32Async(ptr(c), Float.floatToRawIntBits(0f), n, stream.handle()),
                        "cuMemsetD32Async", "gemm with alpha 0 and beta 0: C " + c.describe() + " = 0");
            } else {
                launcher.kernel(Kernel.SCALE).i64(n).ptr(ptr(c)).f32(beta).ptr(ptr(c)).launch(n);
            }
            return;
        }
        CublasGemm call = CublasGemm.rowMajor(g, a.shape().dim(1), b.shape().dim(1));
        gemmAlpha.set(ValueLayout.JAVA_FLOAT, 0, alpha);
        gemmBeta.set(ValueLayout.JAVA_FLOAT, 0, beta);
        Cublas.check(Cublas.cublasSgemm(cublas, call.opFirst(), call.opSecond(), call.m(), call.n(), call.k(), gemmAlpha,
                seg(b), call.ldFirst(), seg(a), call.ldSecond(), gemmBeta, seg(c), call.ldc()), "cublasSgemm_v2",
                "row-major C " + c.shape() + " = op(A " + a.shape() + (transA ? "^T" : "") + ") op(B " + b.shape()
                        + (transB ? "^T" : "") + "), as " + call);
    }

    // ---------------------------------------------------------------- convolution

    private CudnnConvolution convolution(Conv2dGeometry g) {
        return convolutions.computeIfAbsent(g,
                k -> new CudnnConvolution(options.device(), k, options.tf32(), options.convSearch(),
                        options.workspaceLimit()));
    }

    @Override
    public void conv2dForward(Tensor x, Tensor w, Tensor b, Conv2dSpec spec, Tensor y) {
        Conv2dGeometry g = KernelChecks.conv2dForward(this, x, w, b, spec, y);
        enter("conv2dForward");
        convolution(g).forward(cudnn(), this::workspace, one, zero, ptr(x), ptr(w), b == null ? 0 : ptr(b), ptr(y));
    }

    @Override
    public void conv2dBackwardData(Tensor dy, Tensor w, Conv2dSpec spec, Tensor dx) {
        Conv2dGeometry g = KernelChecks.conv2dBackwardData(this, dy, w, spec, dx);
        enter("conv2dBackwardData");
        convolution(g).backwardData(cudnn(), this::workspace, one, zero, ptr(dy), ptr(w), ptr(dx));
    }

    @Override
    public void conv2dBackwardFilter(Tensor x, Tensor dy, Conv2dSpec spec, Tensor dw) {
        Conv2dGeometry g = KernelChecks.conv2dBackwardFilter(this, x, dy, spec, dw);
        enter("conv2dBackwardFilter");
        convolution(g).backwardFilter(cudnn(), this::workspace, one, zero, ptr(x), ptr(dy), ptr(dw));
    }

    @Override
    public void conv2dBackwardBias(Tensor dy, Tensor db) {
        KernelChecks.conv2dBackwardBias(this, dy, db);
        enter("conv2dBackwardBias");
        Shape s = dy.shape();
        TensorDescriptor dyDesc = descriptors.get(s.dim(0), s.dim(1), s.dim(2), s.dim(3));
        TensorDescriptor dbDesc = descriptors.get(1, s.dim(1), 1, 1);
        Cudnn.check(Cudnn.cudnnConvolutionBackwardBias(cudnn(), one, dyDesc.handle(), seg(dy), zero, dbDesc.handle(),
                seg(db)), "cudnnConvolutionBackwardBias", "dy " + s);
    }

    // ---------------------------------------------------------------- pooling

    private CudnnPooling pooling(Pool2dGeometry g, int mode) {
        return poolings.computeIfAbsent(new PoolKey(g, mode), k -> new CudnnPooling(k.geometry(), k.mode()));
    }

    @Override
    public void maxPool2dForward(Tensor x, Pool2dSpec spec, Tensor y) {
        Pool2dGeometry g = KernelChecks.pool2dForward(this, "maxPool2dForward", x, spec, y);
        enter("maxPool2dForward");
        pooling(g, Cudnn.CUDNN_POOLING_MAX).forward(cudnn(), one, zero, ptr(x), ptr(y));
    }

    @Override
    public void maxPool2dBackward(Tensor x, Tensor y, Tensor dy, Pool2dSpec spec, Tensor dx) {
        Pool2dGeometry g = KernelChecks.maxPool2dBackward(this, x, y, dy, spec, dx);
        enter("maxPool2dBackward");
        long total = x.size();
        poolBackward(Kernel.MAX_POOL2D_BACKWARD, total, g).ptr(ptr(x)).ptr(ptr(dy)).ptr(ptr(dx)).launch(total);
    }

    @Override
    public void avgPool2dForward(Tensor x, Pool2dSpec spec, Tensor y) {
        Pool2dGeometry g = KernelChecks.pool2dForward(this, "avgPool2dForward", x, spec, y);
        enter("avgPool2dForward");
        int mode = spec.countIncludePad() ? Cudnn.CUDNN_POOLING_AVERAGE_COUNT_INCLUDE_PADDING
                : Cudnn.CUDNN_POOLING_AVERAGE_COUNT_EXCLUDE_PADDING;
        pooling(g, mode).forward(cudnn(), one, zero, ptr(x), ptr(y));
    }

    @Override
    public void avgPool2dBackward(Tensor dy, Pool2dSpec spec, Tensor dx) {
        Pool2dGeometry g = KernelChecks.avgPool2dBackward(this, dy, spec, dx);
        enter("avgPool2dBackward");
        long total = dx.size();
        poolBackward(Kernel.AVG_POOL2D_BACKWARD, total, g).i32(spec.countIncludePad() ? 1 : 0).ptr(ptr(dy)).ptr(ptr(dx))
                .launch(total);
    }

    /**
     * A pooling backward kernel's launch with the arguments both share, in the order pooling.cu
     * declares them: the input elements, the plane sizes and the window; the tensors follow.
     */
    private KernelLauncher.Launch poolBackward(Kernel kernel, long inputElements, Pool2dGeometry g) {
        Pool2dSpec spec = g.spec();
        return launcher.kernel(kernel).i64(inputElements).i32(g.h()).i32(g.w()).i32(g.p()).i32(g.q())
                .i32(spec.kernelH()).i32(spec.kernelW()).i32(spec.strideH()).i32(spec.strideW()).i32(spec.padH())
                .i32(spec.padW());
    }

    // ---------------------------------------------------------------- activations

    /** Any tensor as the packed 4-D shape (1, 1, 1, n) cuDNN's element-wise activation needs. */
    private TensorDescriptor flat(Tensor t) {
        return descriptors.get(1, 1, 1, (int) t.size());
    }

    @Override
    public void reluForward(Tensor x, Tensor y) {
        KernelChecks.elementwise(this, "reluForward", new String[] {"x", "y"}, x, y);
        enter("reluForward");
        TensorDescriptor d = flat(x);
        // In place (y == x) is allowed by cuDNN when both descriptors are the same.
        Cudnn.check(Cudnn.cudnnActivationForward(cudnn(), relu.handle(), one, d.handle(), seg(x), zero, d.handle(),
                seg(y)), "cudnnActivationForward", "ReLU over " + x.size() + " elements");
    }

    @Override
    public void reluBackward(Tensor y, Tensor dy, Tensor dx) {
        KernelChecks.elementwise(this, "reluBackward", new String[] {"y", "dy", "dx"}, y, dy, dx);
        enter("reluBackward");
        TensorDescriptor d = flat(y);
        // cuDNN asks for the forward input x as well; y > 0 exactly where x > 0, so y serves as x.
        Cudnn.check(Cudnn.cudnnActivationBackward(cudnn(), relu.handle(), one, d.handle(), seg(y), d.handle(), seg(dy),
                d.handle(), seg(y), zero, d.handle(), seg(dx)), "cudnnActivationBackward",
                "ReLU over " + y.size() + " elements");
    }

    @Override
    public void softmaxForward(Tensor x, Tensor y) {
        KernelChecks.rowwise(this, "softmaxForward", new String[] {"x", "y"}, x, y);
        enter("softmaxForward");
        softmax(Cudnn.CUDNN_SOFTMAX_ACCURATE, "softmaxForward", x, y);
    }

    @Override
    public void logSoftmaxForward(Tensor x, Tensor y) {
        KernelChecks.rowwise(this, "logSoftmaxForward", new String[] {"x", "y"}, x, y);
        enter("logSoftmaxForward");
        softmax(Cudnn.CUDNN_SOFTMAX_LOG, "logSoftmaxForward", x, y);
    }

    /** Row-wise softmax of (N, C) as cuDNN's per-channel softmax of (N, C, 1, 1). */
    private void softmax(int algo, String op, Tensor x, Tensor y) {
        TensorDescriptor d = descriptors.get(x.shape().dim(0), x.shape().dim(1), 1, 1);
        writeApart(y, x.sharesMemoryWith(y), op, out -> Cudnn.check(Cudnn.cudnnSoftmaxForward(cudnn(), algo,
                Cudnn.CUDNN_SOFTMAX_MODE_CHANNEL, one, d.handle(), seg(x), zero, d.handle(), seg(out)),
                "cudnnSoftmaxForward", op + " " + x.shape()));
    }

    @Override
    public void softmaxBackward(Tensor y, Tensor dy, Tensor dx) {
        KernelChecks.rowwise(this, "softmaxBackward", new String[] {"y", "dy", "dx"}, y, dy, dx);
        enter("softmaxBackward");
        softmaxGradient(Cudnn.CUDNN_SOFTMAX_ACCURATE, "softmaxBackward", y, dy, dx);
    }

    @Override
    public void logSoftmaxBackward(Tensor y, Tensor dy, Tensor dx) {
        KernelChecks.rowwise(this, "logSoftmaxBackward", new String[] {"y", "dy", "dx"}, y, dy, dx);
        enter("logSoftmaxBackward");
        softmaxGradient(Cudnn.CUDNN_SOFTMAX_LOG, "logSoftmaxBackward", y, dy, dx);
    }

    /**
     * cuDNN's softmax backward: ACCURATE gives {@code dx = y (dy - sum(dy y))}, LOG (y = log-softmax)
     * gives {@code dx = dy - exp(y) sum(dy)}, row by row.
     */
    private void softmaxGradient(int algo, String op, Tensor y, Tensor dy, Tensor dx) {
        TensorDescriptor d = descriptors.get(y.shape().dim(0), y.shape().dim(1), 1, 1);
        boolean aliased = dx.sharesMemoryWith(y) || dx.sharesMemoryWith(dy);
        writeApart(dx, aliased, op, out -> Cudnn.check(Cudnn.cudnnSoftmaxBackward(cudnn(), algo,
                Cudnn.CUDNN_SOFTMAX_MODE_CHANNEL, one, d.handle(), seg(y), d.handle(), seg(dy), zero, d.handle(),
                seg(out)), "cudnnSoftmaxBackward", op + " " + y.shape()));
    }

    /**
     * Runs {@code kernel}, which writes to the device address it is given, so that its result ends up
     * in {@code out}. The Backend contract lets the softmax passes run in place; this backend never
     * hands cuDNN an output that overlaps an input: when {@code aliased}, the kernel writes a
     * temporary that is then copied into {@code out}.
     */
    private void writeApart(Tensor out, boolean aliased, String op, LongConsumer kernel) {
        CachingAllocator.Block tmp = aliased ? allocator.allocate(out.size() * 4L) : null;
        try {
            long address = aliased ? tmp.address() : ptr(out);
            kernel.accept(address);
            if (aliased) {
                CudaDriver.check(CudaDriver.cuMemcpyDtoDAsync(ptr(out), address, out.size() * 4L, stream.handle()),
                        "cuMemcpyDtoDAsync_v2", op + " in place");
            }
        } finally {
            if (tmp != null) {
                allocator.release(tmp);
            }
        }
    }

    // ---------------------------------------------------------------- loss

    @Override
    public void softmaxCrossEntropy(Tensor logits, Tensor labels, Tensor loss, Tensor gradLogits) {
        KernelChecks.softmaxCrossEntropy(this, logits, labels, loss, gradLogits);
        enter("softmaxCrossEntropy");
        int rows = logits.shape().dim(0);
        int cols = logits.shape().dim(1);
        requireLabelsInRange("softmaxCrossEntropy", labels, cols);
        CachingAllocator.Block rowLoss = allocator.allocate(rows * 4L);
        try {
            int warpsPerBlock = KernelLauncher.BLOCK / 32;
            launcher.kernel(Kernel.SOFTMAX_CROSS_ENTROPY_ROWS).i32(rows).i32(cols).ptr(ptr(logits)).ptr(ptr(labels))
                    .ptr(rowLoss.address()).ptr(gradLogits == null ? 0 : ptr(gradLogits))
                    .launchGrid((rows + warpsPerBlock - 1) / warpsPerBlock, KernelLauncher.BLOCK);
            launcher.kernel(Kernel.MEAN).i32(rows).ptr(rowLoss.address()).ptr(ptr(loss))
                    .launchGrid(1, KernelLauncher.BLOCK);
        } finally {
            allocator.release(rowLoss); // stream-ordered: the next user of the block queues behind mean_f32
        }
    }

    /**
     * Smoothing and class weights: the rows kernel writes each row's loss, weight and unscaled
     * gradient; weighted_mean_f32 divides by S = sum of the labels' weights and leaves 1/S on the
     * device, by which the gradient is scaled, so the host never waits. The weights (C floats) are
     * uploaded into a pooled block per call. S = 0 cannot be seen without a wait: the CPU and the
     * reference refuse it; here the loss comes out NaN/infinite.
     */
    @Override
    public void softmaxCrossEntropy(Tensor logits, Tensor labels, CrossEntropySpec spec, Tensor loss,
                                    Tensor gradLogits) {
        KernelChecks.softmaxCrossEntropy(this, logits, labels, spec, loss, gradLogits);
        if (spec.plain()) {
            softmaxCrossEntropy(logits, labels, loss, gradLogits);
            return;
        }
        enter("softmaxCrossEntropy");
        int rows = logits.shape().dim(0);
        int cols = logits.shape().dim(1);
        requireLabelsInRange("softmaxCrossEntropy", labels, cols);
        float[] weights = spec.classWeights();
        double weightSum = cols;
        if (weights != null) {
            weightSum = 0;
            for (float w : weights) {
                weightSum += w;
            }
        }
        CachingAllocator.Block rowLoss = allocator.allocate(rows * 4L);
        CachingAllocator.Block rowWeight = allocator.allocate(rows * 4L);
        CachingAllocator.Block inverse = allocator.allocate(4L);
        CachingAllocator.Block weightBlock = weights == null ? null : allocator.allocate(cols * 4L);
        try {
            if (weightBlock != null) {
                upload(MemorySegment.ofArray(weights), weightBlock.address());
            }
            int warpsPerBlock = KernelLauncher.BLOCK / 32;
            launcher.kernel(Kernel.SOFTMAX_CROSS_ENTROPY_SMOOTHED_ROWS).i32(rows).i32(cols).ptr(ptr(logits))
                    .ptr(ptr(labels)).ptr(weightBlock == null ? 0 : weightBlock.address()).f32(spec.labelSmoothing())
                    .f32((float) weightSum).ptr(rowLoss.address()).ptr(rowWeight.address())
                    .ptr(gradLogits == null ? 0 : ptr(gradLogits))
                    .launchGrid((rows + warpsPerBlock - 1) / warpsPerBlock, KernelLauncher.BLOCK);
            launcher.kernel(Kernel.WEIGHTED_MEAN).i32(rows).ptr(rowLoss.address()).ptr(rowWeight.address())
                    .ptr(ptr(loss)).ptr(inverse.address()).launchGrid(1, KernelLauncher.BLOCK);
            if (gradLogits != null) {
                long n = gradLogits.size();
                launcher.kernel(Kernel.SCALE_BY_DEVICE_SCALAR).i64(n).ptr(ptr(gradLogits)).ptr(inverse.address())
                        .launch(n);
            }
        } finally {
            allocator.release(rowLoss);
            allocator.release(rowWeight);
            allocator.release(inverse);
            if (weightBlock != null) {
                allocator.release(weightBlock);
            }
        }
    }

    /**
     * Labels must lie in [0, classes). Checked on the host from what {@link CudaStorage} knows (the
     * uploaded values, or a bound), so a training step does not wait for the GPU; only for values the
     * host has never seen does it ask the device (one small kernel and a wait), and then remembers
     * the answer. The exception is the one the CPU throws: {@link KernelChecks#labelOutOfRange}, naming
     * the first bad row.
     */
    private void requireLabelsInRange(String op, Tensor labels, int classes) {
        CudaStorage s = storage(labels);
        int[] known = s.knownValues();
        if (known != null) {
            for (int i = 0; i < known.length; i++) {
                if (known[i] < 0 || known[i] >= classes) {
                    throw KernelChecks.labelOutOfRange(op, i, known[i], classes);
                }
            }
            return;
        }
        if (s.knownBound() >= 0 && s.knownBound() <= classes) {
            return;
        }
        int n = (int) labels.size();
        CudaDriver.check(CudaDriver.cuMemsetD32Async(scratch.address(), n, 1, stream.handle()), "cuMemsetD32Async",
                "label check");
        launcher.kernel(Kernel.FIRST_LABEL_OUT_OF_RANGE).i32(n).ptr(ptr(labels)).i32(classes).ptr(scratch.address())
                .launch(n);
        int first = readInt(scratch.address());
        if (first < n) {
            throw KernelChecks.labelOutOfRange(op, first, readInt(ptr(labels) + 4L * first), classes);
        }
        s.knowBound(classes);
    }

    // ---------------------------------------------------------------- optimizers

    @Override
    public void adamStep(Tensor param, Tensor grad, Tensor m, Tensor v, AdamSpec spec, long step) {
        KernelChecks.adamStep(this, param, grad, m, v, spec, step);
        enter("adamStep");
        long n = param.size();
        launcher.kernel(Kernel.ADAM_STEP).i64(n).ptr(ptr(param)).ptr(ptr(grad)).ptr(ptr(m)).ptr(ptr(v))
                .f32(spec.beta1()).f32(spec.beta2()).f32(spec.epsilon()).f32(spec.stepSize(step)).launch(n);
    }

    @Override
    public void sgdStep(Tensor param, Tensor grad, Tensor velocity, SgdSpec spec) {
        KernelChecks.sgdStep(this, param, grad, velocity, spec);
        enter("sgdStep");
        long n = param.size();
        if (velocity == null) {
            launcher.kernel(Kernel.SGD_STEP).i64(n).ptr(ptr(param)).ptr(ptr(grad)).f32(spec.learningRate()).launch(n);
        } else {
            launcher.kernel(spec.nesterov() ? Kernel.SGD_NESTEROV_STEP : Kernel.SGD_MOMENTUM_STEP).i64(n)
                    .ptr(ptr(param)).ptr(ptr(grad)).ptr(ptr(velocity)).f32(spec.learningRate()).f32(spec.momentum())
                    .launch(n);
        }
    }

    /** OptimizerKernels.sgdWithDecay's update (optimizers.cu); written, not yet run on a GPU. */
    @Override
    public void sgdStep(Tensor param, Tensor grad, Tensor velocity, SgdSpec spec, float weightDecay, boolean decoupled) {
        KernelChecks.sgdStep(this, param, grad, velocity, spec, weightDecay);
        enter("sgdStep");
        long n = param.size();
        float coupled = decoupled ? 0f : weightDecay;
        float keep = decoupled ? 1f - spec.learningRate() * weightDecay : 1f;
        if (velocity == null) {
            launcher.kernel(Kernel.SGD_DECAY_STEP).i64(n).ptr(ptr(param)).ptr(ptr(grad)).f32(spec.learningRate())
                    .f32(coupled).f32(keep).launch(n);
        } else {
            launcher.kernel(Kernel.SGD_MOMENTUM_DECAY_STEP).i64(n).ptr(ptr(param)).ptr(ptr(grad)).ptr(ptr(velocity))
                    .f32(spec.learningRate()).f32(spec.momentum()).f32(coupled).f32(keep).i32(spec.nesterov() ? 1 : 0)
                    .launch(n);
        }
    }

    /** OptimizerKernels.adamWithDecay's update (optimizers.cu); written, not yet run on a GPU. */
    @Override
    public void adamStep(Tensor param, Tensor grad, Tensor m, Tensor v, AdamSpec spec, long step, float weightDecay,
                         boolean decoupled) {
        KernelChecks.adamStep(this, param, grad, m, v, spec, step, weightDecay);
        enter("adamStep");
        long n = param.size();
        float coupled = decoupled ? 0f : weightDecay;
        float keep = decoupled ? 1f - spec.learningRate() * weightDecay : 1f;
        launcher.kernel(Kernel.ADAM_DECAY_STEP).i64(n).ptr(ptr(param)).ptr(ptr(grad)).ptr(ptr(m)).ptr(ptr(v))
                .f32(spec.beta1()).f32(spec.beta2()).f32(spec.epsilon()).f32(spec.stepSize(step)).f32(coupled).f32(keep)
                .launch(n);
    }

    // ---------------------------------------------------------------- dropout

    @Override
    public void dropoutForward(Tensor x, DropoutSpec spec, Tensor y, Tensor mask) {
        KernelChecks.dropoutForward(this, x, spec, y, mask);
        enter("dropoutForward");
        long n = x.size();
        launcher.kernel(Kernel.DROPOUT_FORWARD).i64(n).ptr(ptr(x)).ptr(ptr(y)).ptr(ptr(mask)).i64(spec.seed())
                .f32(spec.rate()).f32(spec.scale()).launch(n);
    }

    // ---------------------------------------------------------------- element-wise and reductions

    @Override
    public void add(Tensor a, Tensor b, Tensor out) {
        KernelChecks.elementwise(this, "add", new String[] {"a", "b", "out"}, a, b, out);
        enter("add");
        long n = a.size();
        launcher.kernel(Kernel.ADD).i64(n).ptr(ptr(a)).ptr(ptr(b)).ptr(ptr(out)).launch(n);
    }

    @Override
    public void multiply(Tensor a, Tensor b, Tensor out) {
        KernelChecks.elementwise(this, "multiply", new String[] {"a", "b", "out"}, a, b, out);
        enter("multiply");
        long n = a.size();
        launcher.kernel(Kernel.MULTIPLY).i64(n).ptr(ptr(a)).ptr(ptr(b)).ptr(ptr(out)).launch(n);
    }

    @Override
    public void scale(Tensor x, float alpha, Tensor out) {
        KernelChecks.elementwise(this, "scale", new String[] {"x", "out"}, x, out);
        enter("scale");
        long n = x.size();
        launcher.kernel(Kernel.SCALE).i64(n).ptr(ptr(x)).f32(alpha).ptr(ptr(out)).launch(n);
    }

    @Override
    public void axpy(float alpha, Tensor x, Tensor y) {
        KernelChecks.elementwise(this, "axpy", new String[] {"x", "y"}, x, y);
        enter("axpy");
        long n = x.size();
        launcher.kernel(Kernel.AXPY).i64(n).f32(alpha).ptr(ptr(x)).ptr(ptr(y)).launch(n);
    }

    @Override
    public void biasAdd(Tensor x, Tensor bias, Tensor out) {
        KernelChecks.biasAdd(this, x, bias, out);
        enter("biasAdd");
        long n = x.size();
        launcher.kernel(Kernel.BIAS_ADD).i64(n).i32(x.shape().dim(1)).i64(x.shape().sizeFrom(2)).ptr(ptr(x))
                .ptr(ptr(bias)).ptr(ptr(out)).launch(n);
    }

    /**
     * The batch goes up as bytes into a pooled block, the 2C means and stds into another, and
     * images_from_bytes_f32 writes y (see images.cu); the blocks return to the pool stream-ordered.
     * Not run on a GPU yet: compiled by NvccCompileTest, the arithmetic is the CPU's.
     */
    private float[] imageMeanStd = new float[0];

    @Override
    public void imagesFromHost(byte[] pixels, int offset, ImageNormalization spec, Tensor y) {
        KernelChecks.imagesFromHost(this, pixels == null ? -1 : pixels.length, offset, spec, y);
        enter("imagesFromHost");
        long n = y.size();
        int channels = y.shape().dim(1);
        if (imageMeanStd.length != 2 * channels) {
            imageMeanStd = new float[2 * channels];   // kept: a training loop uploads one batch per step
        }
        float[] meanStd = imageMeanStd;   // copied into pinned memory by upload() before it returns
        for (int c = 0; c < channels; c++) {
            meanStd[c] = spec.meanOf(c);
            meanStd[channels + c] = spec.stdOf(c);
        }
        CachingAllocator.Block bytes = allocator.allocate(n);
        CachingAllocator.Block values = allocator.allocate(meanStd.length * 4L);
        try {
            upload(MemorySegment.ofArray(pixels).asSlice(offset, n), bytes.address());
            upload(MemorySegment.ofArray(meanStd), values.address());
            launcher.kernel(Kernel.IMAGES_FROM_BYTES).i64(n).i32(channels).i64(y.shape().sizeFrom(2))
                    .i32(spec.layout() == ImageNormalization.Layout.NHWC ? 1 : 0).ptr(bytes.address())
                    .ptr(values.address()).ptr(ptr(y)).launch(n);
        } finally {
            allocator.release(bytes);
            allocator.release(values);
        }
    }

    @Override
    public void sumOverBatch(Tensor x, Tensor out) {
        KernelChecks.sumOverBatch(this, x, out);
        enter("sumOverBatch");
        long features = x.shape().sizeFrom(1);
        launcher.kernel(Kernel.SUM_OVER_BATCH).i32(x.shape().dim(0)).i64(features).ptr(ptr(x)).ptr(ptr(out))
                .launch(features);
    }

    @Override
    public void argmax(Tensor x, Tensor indices) {
        KernelChecks.argmax(this, x, indices);
        enter("argmax");
        int rows = x.shape().dim(0);
        int cols = x.shape().dim(1);
        launcher.kernel(Kernel.ARGMAX_ROWS).i32(rows).i32(cols).ptr(ptr(x)).ptr(ptr(indices)).launch(rows);
        storage(indices).knowBound(cols);
    }

    @Override
    public long countCorrect(Tensor logits, Tensor labels) {
        KernelChecks.countCorrect(this, logits, labels);
        enter("countCorrect");
        int rows = logits.shape().dim(0);
        int cols = logits.shape().dim(1);
        requireLabelsInRange("countCorrect", labels, cols);
        CudaDriver.check(CudaDriver.cuMemsetD32Async(scratch.address(), 0, 1, stream.handle()), "cuMemsetD32Async",
                "countCorrect");
        launcher.kernel(Kernel.COUNT_CORRECT).i32(rows).i32(cols).ptr(ptr(logits)).ptr(ptr(labels))
                .ptr(scratch.address()).launch(rows);
        return Integer.toUnsignedLong(readInt(scratch.address()));
    }

    // ---------------------------------------------------------------- graph-module kernels
    // NOT RUN ON A GPU yet: written on a machine without one, the cuDNN prototypes checked against cuDNN 9.6's
    // cudnn_ops.h (BindingPrototypesTest) and the .cu files compiled with nvcc --ptx (NvccCompileTest); the parity
    // suite, gradient checks and bad-input tests run them against the reference wherever a GPU is.
    // Batch norm is cuDNN's (CUDNN_BATCHNORM_SPATIAL); GELU, global average pooling and channel concatenation are
    // gelu.cu, global_pool.cu and concat.cu.

    /** The (1, C, 1, 1) descriptor cuDNN's batch norm wants for its per-channel tensors. */
    private TensorDescriptor perChannel(Shape x) {
        return descriptors.get(1, x.dim(1), 1, 1);
    }

    private TensorDescriptor nchw(Shape x) {
        return descriptors.get(x.dim(0), x.dim(1), x.dim(2), x.dim(3));
    }

    /**
     * cuDNN's {@code exponentialAverageFactor} is the weight of the batch statistic (PyTorch's, and our, momentum);
     * it updates the running variance with the unbiased batch variance, as PyTorch does (PyTorch's CUDA path is
     * this call); {@code resultSaveInvVariance} is {@code 1/sqrt(var + epsilon)} of the biased variance: our
     * saveInvStd.
     */
    @Override
    public void batchNorm2dForwardTraining(Tensor x, Tensor gamma, Tensor beta, BatchNormSpec spec,
            Tensor runningMean, Tensor runningVar, Tensor y, Tensor saveMean, Tensor saveInvStd) {
        KernelChecks.batchNorm2dForwardTraining(this, x, gamma, beta, spec, runningMean, runningVar, y, saveMean,
                saveInvStd);
        enter("batchNorm2dForwardTraining");
        TensorDescriptor xd = nchw(x.shape());
        Cudnn.check(Cudnn.cudnnBatchNormalizationForwardTraining(cudnn(), Cudnn.CUDNN_BATCHNORM_SPATIAL, one, zero,
                xd.handle(), seg(x), xd.handle(), seg(y), perChannel(x.shape()).handle(), seg(gamma), seg(beta),
                spec.momentum(), seg(runningMean), seg(runningVar), spec.epsilon(), seg(saveMean), seg(saveInvStd)),
                "cudnnBatchNormalizationForwardTraining", "x " + x.shape() + ", " + spec);
    }

    /** cuDNN's inference form; in place (y == x) goes through a temporary, as cuDNN does not document it. */
    @Override
    public void batchNorm2dForwardInference(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean,
            Tensor runningVar, BatchNormSpec spec, Tensor y) {
        KernelChecks.batchNorm2dForwardInference(this, x, gamma, beta, runningMean, runningVar, spec, y);
        enter("batchNorm2dForwardInference");
        TensorDescriptor xd = nchw(x.shape());
        writeApart(y, y.sharesMemoryWith(x), "batchNorm2dForwardInference", out -> Cudnn.check(
                Cudnn.cudnnBatchNormalizationForwardInference(cudnn(), Cudnn.CUDNN_BATCHNORM_SPATIAL, one, zero,
                        xd.handle(), seg(x), xd.handle(), seg(out), perChannel(x.shape()).handle(), seg(gamma),
                        seg(beta), seg(runningMean), seg(runningVar), spec.epsilon()),
                "cudnnBatchNormalizationForwardInference", "x " + x.shape() + ", " + spec));
    }

    /**
     * cuDNN's fused backward from the saved mean and inverse standard deviation (so the epsilon argument, which
     * cuDNN only needs to recompute them, is PyTorch's default). A null dx still needs somewhere for cuDNN to
     * write it: a stream-ordered temporary.
     */
    @Override
    public void batchNorm2dBackward(Tensor x, Tensor dy, Tensor gamma, Tensor saveMean, Tensor saveInvStd,
            Tensor dx, Tensor dgamma, Tensor dbeta) {
        KernelChecks.batchNorm2dBackward(this, x, dy, gamma, saveMean, saveInvStd, dx, dgamma, dbeta);
        enter("batchNorm2dBackward");
        TensorDescriptor xd = nchw(x.shape());
        CachingAllocator.Block tmp = dx == null ? allocator.allocate(x.size() * 4L) : null;
        try {
            long dxAddress = dx == null ? tmp.address() : ptr(dx);
            Cudnn.check(Cudnn.cudnnBatchNormalizationBackward(cudnn(), Cudnn.CUDNN_BATCHNORM_SPATIAL, one, zero, one,
                    zero, xd.handle(), seg(x), xd.handle(), seg(dy), xd.handle(), seg(dxAddress),
                    perChannel(x.shape()).handle(), seg(gamma), seg(dgamma), seg(dbeta),
                    BatchNormSpec.DEFAULT.epsilon(), seg(saveMean), seg(saveInvStd)),
                    "cudnnBatchNormalizationBackward", "x " + x.shape());
        } finally {
            if (tmp != null) {
                allocator.release(tmp);
            }
        }
    }

    @Override
    public void geluForward(Tensor x, GeluApproximation approximation, Tensor y) {
        KernelChecks.geluForward(this, x, approximation, y);
        enter("geluForward");
        long n = x.size();
        launcher.kernel(approximation == GeluApproximation.NONE ? Kernel.GELU_EXACT_FORWARD : Kernel.GELU_TANH_FORWARD)
                .i64(n).ptr(ptr(x)).ptr(ptr(y)).launch(n);
    }

    @Override
    public void geluBackward(Tensor x, Tensor dy, GeluApproximation approximation, Tensor dx) {
        KernelChecks.geluBackward(this, x, dy, approximation, dx);
        enter("geluBackward");
        long n = x.size();
        launcher.kernel(approximation == GeluApproximation.NONE ? Kernel.GELU_EXACT_BACKWARD
                : Kernel.GELU_TANH_BACKWARD).i64(n).ptr(ptr(x)).ptr(ptr(dy)).ptr(ptr(dx)).launch(n);
    }

    /** One warp per (n, c) plane (see global_pool.cu). */
    @Override
    public void globalAvgPool2dForward(Tensor x, Tensor y) {
        KernelChecks.globalAvgPool2dForward(this, x, y);
        enter("globalAvgPool2dForward");
        Shape s = x.shape();
        int planes = s.dim(0) * s.dim(1);
        int warpsPerBlock = KernelLauncher.BLOCK / 32;
        launcher.kernel(Kernel.GLOBAL_AVG_POOL2D_FORWARD).i32(planes).i32(s.dim(2) * s.dim(3)).ptr(ptr(x)).ptr(ptr(y))
                .launchGrid((planes + warpsPerBlock - 1) / warpsPerBlock, KernelLauncher.BLOCK);
    }

    @Override
    public void globalAvgPool2dBackward(Tensor dy, Tensor dx) {
        KernelChecks.globalAvgPool2dBackward(this, dy, dx);
        enter("globalAvgPool2dBackward");
        long n = dx.size();
        launcher.kernel(Kernel.GLOBAL_AVG_POOL2D_BACKWARD).i64(n).i32(dx.shape().dim(2) * dx.shape().dim(3))
                .ptr(ptr(dy)).ptr(ptr(dx)).launch(n);
    }

    /** Per input, one strided block copy: N rows of C_i * inner floats into y at channel offset o_i (see concat.cu). */
    @Override
    public void concatChannels(List<Tensor> inputs, Tensor y) {
        int[] channels = KernelChecks.concatChannels(this, inputs, y);
        enter("concatChannels");
        long inner = y.shape().sizeFrom(2);
        long pitch = y.shape().dim(1) * inner;
        long offset = 0;
        for (int i = 0; i < channels.length; i++) {
            long block = channels[i] * inner;
            copyRows(y.shape().dim(0), block, block, pitch, ptr(inputs.get(i)), ptr(y) + 4 * offset * inner);
            offset += channels[i];
        }
    }

    @Override
    public void concatChannelsBackward(Tensor dy, List<Tensor> dInputs) {
        int[] channels = KernelChecks.concatChannelsBackward(this, dy, dInputs);
        enter("concatChannelsBackward");
        long inner = dy.shape().sizeFrom(2);
        long pitch = dy.shape().dim(1) * inner;
        long offset = 0;
        for (int i = 0; i < channels.length; i++) {
            long block = channels[i] * inner;
            if (dInputs.get(i) != null) {
                copyRows(dy.shape().dim(0), block, pitch, block, ptr(dy) + 4 * offset * inner, ptr(dInputs.get(i)));
            }
            offset += channels[i];
        }
    }

    private void copyRows(long rows, long block, long srcPitch, long dstPitch, long src, long dst) {
        launcher.kernel(Kernel.COPY_ROWS).i64(rows).i64(block).i64(srcPitch).i64(dstPitch).ptr(src).ptr(dst)
                .launch(rows * block);
    }

    // ---------------------------------------------------------------- lifetime

    private void closePlans() {
        RuntimeException failure = null;
        List<AutoCloseable> plans = new ArrayList<>(convolutions.values());
        plans.addAll(poolings.values());
        convolutions.clear();
        poolings.clear();
        for (int i = plans.size() - 1; i >= 0; i--) {
            try {
                plans.get(i).close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e instanceof RuntimeException r ? r : new IllegalStateException(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Whether {@link #close} ran: KernelChecks then rejects every kernel, as on the other backends. */
    @Override
    public boolean isClosed() {
        return closed;
    }

    /**
     * Waits for the device, then frees everything this backend owns, newest first: plans and
     * descriptors, modules, cuBLAS and cuDNN handles, pinned buffers, device memory (including blocks
     * of tensors still open: closing them later does nothing) and the stream. The primary context
     * stays retained for the process (see {@code CudaDevice}). Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Throwable failure = null;
        try {
            device.makeCurrent();
            stream.synchronize();
        } catch (RuntimeException e) {
            failure = e;
        }
        Throwable cleanup = closeOwned();
        if (failure == null) {
            failure = cleanup;
        } else if (cleanup != null) {
            failure.addSuppressed(cleanup);
        }
        if (failure instanceof RuntimeException r) {
            throw r;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        if (failure != null) {
            throw new IllegalStateException("closing the CUDA backend failed", failure);
        }
    }

    /** Closes every owned resource, newest first, even when some fail; returns the first failure (others suppressed). */
    private Throwable closeOwned() {
        Throwable failure = null;
        while (!owned.isEmpty()) {
            AutoCloseable resource = owned.pop();
            try {
                resource.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        return failure;
    }
}
