package dev.ingot.cli;

import dev.ingot.data.BadImagePolicy;
import dev.ingot.data.ImageFolder;
import dev.ingot.data.ImagePack;
import dev.ingot.data.ImageRecords;
import dev.ingot.data.ImageTransforms;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code ingot pack DIR --output FILE}: an image folder decoded once into memory-mapped, checksummed shards. */
@Command(name = "pack", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Decode an image folder once into packed uint8 shards (memory-mapped, every record CRC32C-checked)"
                + " that `ingot train --dataset FILE` reads without decoding.")
final class PackCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "image folder: DIR/<class>/<image>, or DIR/train and DIR/val|test")
    Path folder;

    @Option(names = "--output", required = true, paramLabel = "FILE", description = "the pack's manifest; shards go beside it")
    Path output;

    @Option(names = "--image-size", paramLabel = "N",
            description = "store images resized (shorter side) and centre-cropped to N x N (default: as decoded)")
    Integer imageSize;

    @Option(names = "--channels", paramLabel = "C", defaultValue = "3", description = "1 (grey) or 3 (RGB, default)")
    int channels;

    @Option(names = "--shard-mib", paramLabel = "M", defaultValue = "1024", description = "shard size in MiB (default 1024)")
    long shardMib;

    @Option(names = "--bad-images", paramLabel = "fail|skip", defaultValue = "fail",
            description = "stop at an unreadable image (default), or leave it out with a warning")
    String badImages;

    @Override
    public Integer call() throws IOException {
        long start = System.nanoTime();
        BadImagePolicy policy = ImageDatasetOptions.BAD_IMAGES.parse(badImages);
        ImageFolder.Splits splits = ImageFolder.open(folder, 0, 0, policy, m -> System.err.println("warning: " + m));
        Map<String, ImageRecords> parts = new LinkedHashMap<>();
        boolean split = folder.resolve("train").toFile().isDirectory();
        parts.put(split ? "train" : "all", splits.train());
        if (splits.validation() != null) {
            String name = splits.validation().name();
            parts.put(name.substring(name.lastIndexOf('/') + 1), splits.validation());
        }
        ImageTransforms transforms = imageSize == null ? ImageTransforms.none() : ImageTransforms.evaluation(imageSize);
        long n = ImagePack.write(parts, output, channels, transforms, shardMib << 20, System.out::println);
        System.out.printf(Locale.ROOT, "packed %,d images (%s) into %s in %.1f s%n", n, String.join(", ", parts.keySet()),
                output, (System.nanoTime() - start) / 1e9);
        return 0;
    }
}
