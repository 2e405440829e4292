/**
 * Collective communication between the processes (ranks) of one data-parallel run: the
 * {@link dev.ingot.core.collective.Collective} contract that the in-process (threads), MPI (Open MPI
 * through FFM, in {@code models}) and NCCL (through FFM, in {@code engine-cuda}) implementations
 * share. Like the rest of {@code engine-core}: no native code and no dependencies here.
 */
package dev.ingot.core.collective;
