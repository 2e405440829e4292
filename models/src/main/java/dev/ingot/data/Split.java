package dev.ingot.data;

/** Which part of a dataset: the images a model learns from, or the held-out images it is scored on. */
public enum Split {
    TRAIN,
    TEST;

    /** {@code "train"} or {@code "test"}, as used in dataset names ({@code "mnist-train"}). */
    public String label() {
        return this == TRAIN ? "train" : "test";
    }
}
