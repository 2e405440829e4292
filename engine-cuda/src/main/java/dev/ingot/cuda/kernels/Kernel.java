package dev.ingot.cuda.kernels;

import java.util.List;

import static dev.ingot.cuda.kernels.Kernel.Arg.FLOAT;
import static dev.ingot.cuda.kernels.Kernel.Arg.INT;
import static dev.ingot.cuda.kernels.Kernel.Arg.LONG;
import static dev.ingot.cuda.kernels.Kernel.Arg.POINTER;

/**
 * Every kernel of ours: the {@code .cu} resource it lives in, its {@code extern "C"} name, and its
 * parameters as the launcher packs them. A test reads each {@code .cu} file and checks these
 * signatures against the C parameter lists, so a Java call and its kernel cannot drift apart.
 */
public enum Kernel {
    ADD("elementwise", "add_f32", LONG, POINTER, POINTER, POINTER),
    MULTIPLY("elementwise", "multiply_f32", LONG, POINTER, POINTER, POINTER),
    SCALE("elementwise", "scale_f32", LONG, POINTER, FLOAT, POINTER),
    AXPY("elementwise", "axpy_f32", LONG, FLOAT, POINTER, POINTER),
    BIAS_ADD("elementwise", "bias_add_f32", LONG, INT, LONG, POINTER, POINTER, POINTER),
    SUM_OVER_BATCH("elementwise", "sum_over_batch_f32", INT, LONG, POINTER, POINTER),
    ADAM_STEP("optimizers", "adam_step_f32", LONG, POINTER, POINTER, POINTER, POINTER, FLOAT, FLOAT, FLOAT, FLOAT),
    SGD_STEP("optimizers", "sgd_step_f32", LONG, POINTER, POINTER, FLOAT),
    SGD_MOMENTUM_STEP("optimizers", "sgd_momentum_step_f32", LONG, POINTER, POINTER, POINTER, FLOAT, FLOAT),
    SGD_NESTEROV_STEP("optimizers", "sgd_nesterov_step_f32", LONG, POINTER, POINTER, POINTER, FLOAT, FLOAT),
    SGD_DECAY_STEP("optimizers", "sgd_decay_step_f32", LONG, POINTER, POINTER, FLOAT, FLOAT, FLOAT),
    SGD_MOMENTUM_DECAY_STEP("optimizers", "sgd_momentum_decay_step_f32", LONG, POINTER, POINTER, POINTER, FLOAT, FLOAT,
            FLOAT, FLOAT, INT),
    ADAM_DECAY_STEP("optimizers", "adam_decay_step_f32", LONG, POINTER, POINTER, POINTER, POINTER, FLOAT, FLOAT, FLOAT,
            FLOAT, FLOAT, FLOAT),
    DROPOUT_FORWARD("dropout", "dropout_forward_f32", LONG, POINTER, POINTER, POINTER, LONG, FLOAT, FLOAT),
    SOFTMAX_CROSS_ENTROPY_ROWS("loss", "softmax_cross_entropy_rows_f32", INT, INT, POINTER, POINTER, POINTER, POINTER),
    MEAN("loss", "mean_f32", INT, POINTER, POINTER),
    SOFTMAX_CROSS_ENTROPY_SMOOTHED_ROWS("loss", "softmax_cross_entropy_smoothed_rows_f32", INT, INT, POINTER, POINTER,
            POINTER, FLOAT, FLOAT, POINTER, POINTER, POINTER),
    WEIGHTED_MEAN("loss", "weighted_mean_f32", INT, POINTER, POINTER, POINTER, POINTER),
    SCALE_BY_DEVICE_SCALAR("loss", "scale_by_device_scalar_f32", LONG, POINTER, POINTER),
    ARGMAX_ROWS("classification", "argmax_rows_f32", INT, INT, POINTER, POINTER),
    COUNT_CORRECT("classification", "count_correct_f32", INT, INT, POINTER, POINTER, POINTER),
    FIRST_LABEL_OUT_OF_RANGE("classification", "first_label_out_of_range", INT, POINTER, INT, POINTER),
    MAX_POOL2D_BACKWARD("pooling", "max_pool2d_backward_f32", LONG, INT, INT, INT, INT, INT, INT, INT, INT, INT, INT,
            POINTER, POINTER, POINTER),
    AVG_POOL2D_BACKWARD("pooling", "avg_pool2d_backward_f32", LONG, INT, INT, INT, INT, INT, INT, INT, INT, INT, INT,
            INT, POINTER, POINTER),
    GLOBAL_AVG_POOL2D_FORWARD("global_pool", "global_avg_pool2d_forward_f32", INT, INT, POINTER, POINTER),
    GLOBAL_AVG_POOL2D_BACKWARD("global_pool", "global_avg_pool2d_backward_f32", LONG, INT, POINTER, POINTER),
    GELU_EXACT_FORWARD("gelu", "gelu_exact_forward_f32", LONG, POINTER, POINTER),
    GELU_EXACT_BACKWARD("gelu", "gelu_exact_backward_f32", LONG, POINTER, POINTER, POINTER),
    GELU_TANH_FORWARD("gelu", "gelu_tanh_forward_f32", LONG, POINTER, POINTER),
    GELU_TANH_BACKWARD("gelu", "gelu_tanh_backward_f32", LONG, POINTER, POINTER, POINTER),
    COPY_ROWS("concat", "copy_rows_f32", LONG, LONG, LONG, LONG, POINTER, POINTER),
    IMAGES_FROM_BYTES("images", "images_from_bytes_f32", LONG, INT, LONG, INT, POINTER, POINTER, POINTER);

    /** How a parameter is passed: its C type's size decides the bytes {@code cuLaunchKernel} copies. */
    public enum Arg {
        /** {@code int} or {@code unsigned int}: 4 bytes. */
        INT(4),
        /** {@code long long} or {@code unsigned long long}: 8 bytes. */
        LONG(8),
        /** {@code float}: 4 bytes. */
        FLOAT(4),
        /** Any {@code T*} (a device pointer): 8 bytes. */
        POINTER(8);

        final int bytes;

        Arg(int bytes) {
            this.bytes = bytes;
        }
    }

    private final String module;
    private final String function;
    private final List<Arg> args;

    Kernel(String module, String function, Arg... args) {
        this.module = module;
        this.function = function;
        this.args = List.of(args);
    }

    /** The resource {@code dev/ingot/cuda/kernels/<module>.cu}. */
    public String module() {
        return module;
    }

    /** The {@code extern "C"} function name. */
    public String function() {
        return function;
    }

    public List<Arg> args() {
        return args;
    }
}
