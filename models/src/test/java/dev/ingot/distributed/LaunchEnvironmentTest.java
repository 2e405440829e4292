package dev.ingot.distributed;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LaunchEnvironmentTest {
    @Test
    void readsOpenMpiSlurmAndPmi() {
        LaunchEnvironment ompi = LaunchEnvironment.of(Map.of("OMPI_COMM_WORLD_RANK", "1", "OMPI_COMM_WORLD_SIZE", "4",
                "OMPI_COMM_WORLD_LOCAL_RANK", "1"));
        assertEquals(1, ompi.rank().getAsInt());
        assertEquals(4, ompi.size().getAsInt());
        ompi.requireAgreesWith(1, 4);
        LaunchEnvironment slurm = LaunchEnvironment.of(Map.of("SLURM_PROCID", "3", "SLURM_NTASKS", "8",
                "SLURM_LOCALID", "1", "SLURM_STEP_ID", "0"));
        assertEquals("srun (Slurm)", slurm.launcher());
        assertEquals(1, slurm.localRank().getAsInt());
        LaunchEnvironment pmi = LaunchEnvironment.of(Map.of("PMI_RANK", "0", "PMI_SIZE", "2"));
        assertEquals(2, pmi.size().getAsInt());
        LaunchEnvironment none = LaunchEnvironment.of(Map.of());
        none.requireAgreesWith(0, 1);
        assertTrue(none.localRank().isEmpty());
    }

    @Test
    void aLaunchMpiDidNotSeeIsRefusedWithTheFix() {
        LaunchEnvironment slurm = LaunchEnvironment.of(Map.of("SLURM_PROCID", "2", "SLURM_NTASKS", "4",
                "SLURM_STEP_ID", "0"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> slurm.requireAgreesWith(0, 1));
        assertTrue(e.getMessage().contains("srun (Slurm) started this process as rank 2 of 4 but MPI sees rank 0 of 1")
                && e.getMessage().contains("srun --mpi=pmix"), e.getMessage());
        assertThrows(IllegalStateException.class,
                () -> LaunchEnvironment.of(Map.of("PMI_RANK", "zero")));
    }
}
