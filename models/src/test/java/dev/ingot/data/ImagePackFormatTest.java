package dev.ingot.data;

import dev.ingot.data.image.ImageDecoding;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pack format's versions (issue 19): format 2 checksums the manifest and every record's
 * header, format 1 is still read, and damage to a version number cannot switch a check off.
 */
class ImagePackFormatTest {
    @TempDir
    Path dir;

    private Path pack() throws IOException {
        Path root = dir.resolve("tree");
        for (int i = 0; i < 6; i++) {
            TestImages.write(root.resolve("train/c" + (i % 3) + "/" + i + ".png"),
                    TestImages.encode(TestImages.rgb(8, 8, i), "png"));
        }
        TestImages.write(root.resolve("test/c1/x.png"), TestImages.encode(TestImages.rgb(8, 8, 9), "png"));
        ImageFolder.Splits splits = ImageFolder.open(root, 0, 0, BadImagePolicy.FAIL, m -> { });
        Map<String, ImageRecords> parts = new LinkedHashMap<>();
        parts.put("train", splits.train());
        parts.put("test", splits.validation());
        Path manifest = dir.resolve("out/p.pack");
        ImagePack.write(parts, manifest, 3, ImageTransforms.none(), 1 << 20, m -> { });
        return manifest;
    }

    private static Path shard(Path manifest) {
        return manifest.resolveSibling("p.pack.train-00000.shard");
    }

    /** Labels and pixels of every record of every split. */
    private static List<String> contents(Path manifest) {
        List<String> out = new ArrayList<>();
        try (ImageDecoding decoder = ImageDecoding.open()) {
            for (String split : PackedImages.splits(manifest)) {
                try (PackedImages p = PackedImages.open(manifest, split)) {
                    for (int i = 0; i < p.size(); i++) {
                        out.add(split + " " + p.classes() + " " + p.label(i) + " "
                                + java.util.Arrays.toString(p.read(i, 3, 0, decoder).pixels()));
                    }
                }
            }
        }
        return out;
    }

    /** Offsets of a shard's records, from its index at the end. */
    private static long[] offsets(byte[] shard) {
        ByteBuffer b = ByteBuffer.wrap(shard).order(ByteOrder.LITTLE_ENDIAN);
        int n = b.getInt(shard.length - 12);
        long[] o = new long[n];
        for (int r = 0; r < n; r++) {
            o[r] = b.getLong(shard.length - 12 - 8 * n + 8 * r);
        }
        return o;
    }

    /** Rewrites a format-2 pack as format 1 would have written it. */
    private static void toFormat1(Path manifest) throws IOException {
        String text = Files.readString(manifest);
        text = text.replace(ImagePack.MANIFEST_MAGIC, ImagePack.MANIFEST_MAGIC_1);
        text = text.substring(0, text.indexOf(ImagePack.MANIFEST_CHECKSUM));
        Files.writeString(manifest, text);
        try (var shards = Files.list(manifest.getParent())) {
            for (Path s : shards.filter(p -> p.toString().endsWith(".shard")).toList()) {
                byte[] bytes = Files.readAllBytes(s);
                ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
                b.putLong(0, ImagePack.SHARD_MAGIC_1);
                for (long at : offsets(bytes)) {
                    CRC32C crc = new CRC32C();
                    crc.update(bytes, (int) at + ImagePack.RECORD_HEADER, b.getInt((int) at));
                    b.putInt((int) at + 4, (int) crc.getValue());
                }
                Files.write(s, bytes);
            }
        }
    }

    @Test
    void format2ChecksumsTheManifestAndEveryRecordHeader() throws IOException {
        Path manifest = pack();
        assertEquals(2, ImagePack.Manifest.read(manifest).format());
        List<String> clean = contents(manifest);
        assertEquals(7, clean.size());

        // A label changed to another valid one: format 1 served it; format 2's CRC covers it.
        byte[] shard = Files.readAllBytes(shard(manifest));
        long second = offsets(shard)[1];
        shard[(int) second + 8] ^= 1;
        Files.write(shard(manifest), shard);
        CorruptDatasetException label = assertThrows(CorruptDatasetException.class, () -> contents(manifest));
        assertTrue(label.getMessage().contains("record 1: CRC32C") && label.file().equals(shard(manifest).toString()),
                label.getMessage());
        shard[(int) second + 8] ^= 1;
        Files.write(shard(manifest), shard);
        assertEquals(clean, contents(manifest));

        // A class name changed in the manifest.
        String text = Files.readString(manifest);
        Files.writeString(manifest, text.replace("class c2", "class c3"));
        CorruptDatasetException name = assertThrows(CorruptDatasetException.class, () -> PackedImages.splits(manifest));
        assertTrue(name.getMessage().contains("CRC32C") && name.getMessage().contains("byte offset "), name.getMessage());

        // A version number damaged to 1: the format-1 reader refuses the checksum line.
        Files.writeString(manifest, text.replace(ImagePack.MANIFEST_MAGIC, ImagePack.MANIFEST_MAGIC_1));
        CorruptDatasetException downgraded = assertThrows(CorruptDatasetException.class, () -> PackedImages.splits(manifest));
        assertTrue(downgraded.getMessage().contains("unexpected line 'crc32c "), downgraded.getMessage());
        Files.writeString(manifest, text);

        // A shard magic damaged to INGOTPK1: its records fail the payload-only CRC.
        ByteBuffer.wrap(shard).order(ByteOrder.LITTLE_ENDIAN).putLong(0, ImagePack.SHARD_MAGIC_1);
        Files.write(shard(manifest), shard);
        assertThrows(CorruptDatasetException.class, () -> contents(manifest));
    }

    @Test
    void format1PacksAreStillRead() throws IOException {
        Path manifest = pack();
        List<String> clean = contents(manifest);
        toFormat1(manifest);
        assertEquals(1, ImagePack.Manifest.read(manifest).format());
        assertEquals(clean, contents(manifest));
        assertTrue(ImagePack.isPack(manifest));
        // A damaged record count is still a typed error naming the manifest's byte offset.
        String text = Files.readString(manifest);
        Files.writeString(manifest, text.replace("shard train p.pack.train-00000.shard 6", "shard train p.pack.train-00000.shard x"));
        CorruptDatasetException count = assertThrows(CorruptDatasetException.class, () -> PackedImages.splits(manifest));
        assertEquals(manifest.toString(), count.file());
        assertEquals(text.indexOf("shard train"), count.offset());
        assertTrue(new String(Files.readAllBytes(manifest), StandardCharsets.UTF_8).startsWith(ImagePack.MANIFEST_MAGIC_1));
    }
}
