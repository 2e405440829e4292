package dev.ingot.data;

import dev.ingot.data.image.ImageDecoding;
import dev.ingot.data.image.UInt8Image;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImagePackTest {

    @Test
    void packedRecordsMatchTheFolderAndADamagedRecordIsNamed(@TempDir Path dir) throws IOException {
        Path root = dir.resolve("tree");
        for (int i = 0; i < 9; i++) {
            TestImages.write(root.resolve("train/c" + (i % 2) + "/" + i + ".png"),
                    TestImages.encode(TestImages.rgb(10 + i, 14, i), "png"));
        }
        TestImages.write(root.resolve("test/c1/x.png"), TestImages.encode(TestImages.rgb(12, 12, 5), "png"));
        ImageFolder.Splits splits = ImageFolder.open(root, 0, 0, BadImagePolicy.FAIL, m -> { });
        Map<String, ImageRecords> parts = new LinkedHashMap<>();
        parts.put("train", splits.train());
        parts.put("test", splits.validation());
        Path pack = dir.resolve("out/cifar.pack");
        ImageTransforms eight = ImageTransforms.evaluation(8);
        // 300-byte shards: several records per shard, several shards
        assertEquals(10, ImagePack.write(parts, pack, 3, eight, 300, m -> { }));
        assertTrue(ImagePack.isPack(pack));
        assertEquals(List.of("train", "test"), PackedImages.splits(pack));
        try (PackedImages packed = PackedImages.open(pack, "train"); ImageDecoding decoder = ImageDecoding.open()) {
            assertEquals(9, packed.size());
            assertEquals(List.of("c0", "c1"), packed.classes());
            for (int i = 0; i < 9; i++) {
                UInt8Image expected = eight.apply(splits.train().read(i, 3, 0, decoder), SplitMix64.of(0, 0, 0, 0));
                UInt8Image got = packed.read(i, 3, 0, decoder);
                assertArrayEquals(expected.pixels(), got.pixels(), "record " + i);
                assertEquals(splits.train().label(i), packed.label(i));
            }
            try (ImageLoader loader = ImageLoader.builder(packed, 3, 8, 8).batchSize(4).build()) {
                int n = 0;
                for (Batch b : loader.epoch(0)) {
                    n += b.size();
                }
                assertEquals(9, n);
            }
        }
        // flip one payload byte of the second record of the first train shard
        Path shard = pack.resolveSibling("cifar.pack.train-00000.shard");
        byte[] bytes = Files.readAllBytes(shard);
        int secondPayload = 8 + (16 + 8 * 8 * 3) + 16 + 5;
        bytes[secondPayload] ^= 0x40;
        Files.write(shard, bytes);
        try (PackedImages packed = PackedImages.open(pack, "train"); ImageDecoding decoder = ImageDecoding.open()) {
            CorruptDatasetException e = assertThrows(CorruptDatasetException.class, () -> packed.read(1, 3, 0, decoder));
            assertEquals(shard.toString(), e.file());
            assertTrue(e.getMessage().contains("record 1: CRC32C"), e.getMessage());
        }
        Files.write(shard, java.util.Arrays.copyOf(bytes, bytes.length - 3));
        CorruptDatasetException truncated = assertThrows(CorruptDatasetException.class,
                () -> PackedImages.open(pack, "train"));
        assertTrue(truncated.getMessage().contains("truncated?"), truncated.getMessage());
    }
}
