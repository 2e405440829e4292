package dev.ingot.cli;

import dev.ingot.core.Backends;
import dev.ingot.distributed.DistributedTraining;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** Prints every backend's availability, the reasons when unavailable, and its library paths and versions. */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = "Print which backends can run here, and why not; for CUDA, the libraries, versions and device.")
final class DoctorCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        System.out.print(Backends.report());
        System.out.print(DistributedTraining.report());
        System.out.println("JPEG decoding (ingot train --dataset): TurboJPEG " + dev.ingot.data.image.TurboJpeg.status());
        return 0;
    }
}
