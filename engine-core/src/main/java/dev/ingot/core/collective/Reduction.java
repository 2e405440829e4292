package dev.ingot.core.collective;

/** How an all-reduce combines the ranks' values, element by element. */
public enum Reduction {
    /** The sum over ranks. */
    SUM,
    /** The sum over ranks divided by the number of ranks (computed as the sum times 1/size). */
    AVERAGE
}
