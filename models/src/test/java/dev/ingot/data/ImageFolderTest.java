package dev.ingot.data;

import dev.ingot.data.image.ImageDecoding;
import dev.ingot.data.image.TurboJpeg;
import dev.ingot.data.image.UInt8Image;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Image folders with real files, the odd ones included: each problem is reported with its file. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ImageFolderTest {

    private static void goodTree(Path root, int perClass) {
        for (int i = 0; i < perClass; i++) {
            TestImages.write(root.resolve("b_dog/" + i + ".jpg"), TestImages.jpeg(TestImages.rgb(12, 16, i)));
            TestImages.write(root.resolve("a_cat/" + i + ".png"), TestImages.encode(TestImages.rgb(12, 16, i + 7), "png"));
        }
    }

    private static ImageFolder scan(Path root, BadImagePolicy policy, List<String> warnings) {
        return ImageFolder.scan(root, "test", null, policy, warnings::add);
    }

    @Test
    void classesAreTheSortedSubfoldersAndNonImagesAreLeftOutWithAWarning(@TempDir Path root) {
        goodTree(root, 3);
        TestImages.write(root.resolve("a_cat/notes.txt"), "not an image".getBytes(StandardCharsets.UTF_8));
        TestImages.write(root.resolve("a_cat/.DS_Store"), new byte[]{1, 2, 3});
        List<String> warnings = new ArrayList<>();
        ImageFolder folder = scan(root, BadImagePolicy.FAIL, warnings);
        assertEquals(List.of("a_cat", "b_dog"), folder.classes());
        assertEquals(6, folder.size());
        assertEquals(0, folder.label(0));
        assertEquals(1, folder.label(5));
        assertTrue(folder.source(0).endsWith("a_cat/0.png"), folder.source(0));
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.getFirst().contains("ignored 2 file(s)") && warnings.getFirst().contains("notes.txt"),
                warnings.getFirst());
        try (ImageDecoding decoder = ImageDecoding.open()) {
            UInt8Image first = folder.read(0, 3, 0, decoder);
            assertEquals(12, first.height());
            assertEquals(16, first.width());
        }
    }

    @Test
    void symbolicallyLinkedClassFoldersAreFollowed(@TempDir Path dir) throws java.io.IOException {
        goodTree(dir.resolve("elsewhere"), 2);
        java.nio.file.Files.createDirectories(dir.resolve("root"));
        java.nio.file.Files.createSymbolicLink(dir.resolve("root/a_cat"), dir.resolve("elsewhere/a_cat"));
        java.nio.file.Files.createSymbolicLink(dir.resolve("root/b_dog"), dir.resolve("elsewhere/b_dog"));
        ImageFolder folder = scan(dir.resolve("root"), BadImagePolicy.FAIL, new ArrayList<>());
        assertEquals(4, folder.size());
        assertEquals(List.of("a_cat", "b_dog"), folder.classes());
    }

    @Test
    void aZeroByteFileFailsTheScanByNameOrIsSkippedWithAWarning(@TempDir Path root) {
        goodTree(root, 2);
        Path empty = TestImages.write(root.resolve("b_dog/empty.jpg"), new byte[0]);
        UnreadableImageException e = assertThrows(UnreadableImageException.class,
                () -> scan(root, BadImagePolicy.FAIL, new ArrayList<>()));
        assertEquals(empty.toString(), e.source());
        assertTrue(e.getMessage().contains("empty (0 bytes)"), e.getMessage());
        List<String> warnings = new ArrayList<>();
        ImageFolder skipped = scan(root, BadImagePolicy.SKIP, warnings);
        assertEquals(4, skipped.size());
        assertTrue(warnings.getFirst().contains(empty.toString()), warnings.toString());
    }

    @Test
    void aTruncatedJpegIsAnErrorNamingTheFileWithEitherDecoder(@TempDir Path root) {
        goodTree(root, 1);
        byte[] whole = TestImages.jpeg(TestImages.rgb(256, 256, 3));
        Path cut = TestImages.write(root.resolve("b_dog/cut.jpg"), Arrays.copyOf(whole, whole.length / 2));
        ImageFolder folder = scan(root, BadImagePolicy.FAIL, new ArrayList<>());
        int index = indexOf(folder, cut);
        for (ImageDecoding decoder : List.of(ImageDecoding.open(), ImageDecoding.imageIoOnly())) {
            try (decoder) {
                UnreadableImageException e = assertThrows(UnreadableImageException.class,
                        () -> folder.read(index, 3, 0, decoder));
                assertEquals(cut.toString(), e.source());
                // TurboJPEG: "Premature end of JPEG file"; javax.imageio: "Truncated File - Missing EOI marker"
                assertTrue(e.getMessage().contains("damaged or truncated"), e.getMessage());
            }
        }
    }

    @Test
    void aTextFileNamedJpgIsReportedAsNotAnImage(@TempDir Path root) {
        goodTree(root, 1);
        Path fake = TestImages.write(root.resolve("a_cat/fake.jpg"), "hello, not a JPEG".getBytes(StandardCharsets.UTF_8));
        ImageFolder folder = scan(root, BadImagePolicy.FAIL, new ArrayList<>());
        try (ImageDecoding decoder = ImageDecoding.open()) {
            UnreadableImageException e = assertThrows(UnreadableImageException.class,
                    () -> folder.read(indexOf(folder, fake), 3, 0, decoder));
            assertTrue(e.getMessage().startsWith("cannot use image " + fake + ": not an image javax.imageio can read"),
                    e.getMessage());
        }
    }

    @Test
    void greyImagesBecomeRgbAndSixteenBitPngsAreScaledNotClipped(@TempDir Path root) {
        goodTree(root, 1);
        Path greyJpeg = TestImages.write(root.resolve("a_cat/grey.jpg"), TestImages.jpeg(TestImages.grey(16, 16)));
        Path greyPng = TestImages.write(root.resolve("a_cat/grey.png"), TestImages.encode(TestImages.grey(16, 16), "png"));
        Path deep = TestImages.write(root.resolve("a_cat/deep.png"), TestImages.encode(TestImages.grey16(16, 16), "png"));
        ImageFolder folder = scan(root, BadImagePolicy.FAIL, new ArrayList<>());
        try (ImageDecoding decoder = ImageDecoding.open()) {
            for (Path p : List.of(greyJpeg, greyPng, deep)) {
                UInt8Image rgb = folder.read(indexOf(folder, p), 3, 0, decoder);
                assertEquals(3, rgb.channels());
                for (int y = 0; y < 16; y++) {
                    for (int x = 0; x < 16; x++) {
                        assertEquals(rgb.at(y, x, 0), rgb.at(y, x, 1), p + " at " + y + "," + x);
                        assertEquals(rgb.at(y, x, 0), rgb.at(y, x, 2), p + " at " + y + "," + x);
                    }
                }
            }
            UInt8Image png = folder.read(indexOf(folder, greyPng), 1, 0, decoder);
            UInt8Image sixteen = folder.read(indexOf(folder, deep), 1, 0, decoder);
            assertEquals(0, sixteen.at(0, 0, 0));
            assertEquals(255, sixteen.at(15, 15, 0));
            for (int y = 0; y < 16; y++) {
                for (int x = 0; x < 16; x++) {
                    // same gradient at 8 and 16 bits: equal within the rounding of the two quantisations
                    assertTrue(Math.abs(png.at(y, x, 0) - sixteen.at(y, x, 0)) <= 1, y + "," + x);
                }
            }
        }
    }

    @Test
    void everyFormatJavaxImageioWritesIsReadWithTheSamePixels(@TempDir Path root) {
        goodTree(root, 1);
        java.awt.image.BufferedImage rgb = TestImages.rgb(9, 11, 4);
        java.awt.image.BufferedImage argb = new java.awt.image.BufferedImage(11, 9, java.awt.image.BufferedImage.TYPE_INT_ARGB);
        java.awt.image.BufferedImage palette = new java.awt.image.BufferedImage(11, 9,
                java.awt.image.BufferedImage.TYPE_BYTE_INDEXED);
        java.awt.image.BufferedImage rgb16 = new java.awt.image.BufferedImage(
                new java.awt.image.ComponentColorModel(java.awt.color.ColorSpace.getInstance(java.awt.color.ColorSpace.CS_sRGB),
                        false, false, java.awt.Transparency.OPAQUE, java.awt.image.DataBuffer.TYPE_USHORT),
                java.awt.image.Raster.createInterleavedRaster(java.awt.image.DataBuffer.TYPE_USHORT, 11, 9, 3, null),
                false, null);
        for (int y = 0; y < 9; y++) {
            for (int x = 0; x < 11; x++) {
                int p = rgb.getRGB(x, y);
                argb.setRGB(x, y, 0x80000000 | (p & 0xffffff));   // half transparent: alpha is dropped, not blended
                palette.setRGB(x, y, (y < 5 ? 0xff0000 : 0x0000ff));
                for (int c = 0; c < 3; c++) {
                    rgb16.getRaster().setSample(x, y, c, ((p >>> (16 - 8 * c)) & 0xff) * 257);
                }
            }
        }
        Path png = TestImages.write(root.resolve("a_cat/rgb.png"), TestImages.encode(rgb, "png"));
        Path bmp = TestImages.write(root.resolve("a_cat/rgb.bmp"), TestImages.encode(rgb, "bmp"));
        Path tif = TestImages.write(root.resolve("a_cat/rgb.tif"), TestImages.encode(rgb, "tiff"));
        Path alpha = TestImages.write(root.resolve("a_cat/alpha.png"), TestImages.encode(argb, "png"));
        Path deep = TestImages.write(root.resolve("a_cat/rgb16.png"), TestImages.encode(rgb16, "png"));
        Path gif = TestImages.write(root.resolve("a_cat/palette.gif"), TestImages.encode(palette, "gif"));
        ImageFolder folder = scan(root, BadImagePolicy.FAIL, new ArrayList<>());
        try (ImageDecoding decoder = ImageDecoding.open()) {
            for (Path p : List.of(png, bmp, tif, alpha, deep)) {
                UInt8Image image = folder.read(indexOf(folder, p), 3, 0, decoder);
                for (int y = 0; y < 9; y++) {
                    for (int x = 0; x < 11; x++) {
                        int expected = rgb.getRGB(x, y);
                        for (int c = 0; c < 3; c++) {
                            assertEquals((expected >>> (16 - 8 * c)) & 0xff, image.at(y, x, c), p + " at " + y + "," + x + "," + c);
                        }
                    }
                }
            }
            UInt8Image g = folder.read(indexOf(folder, gif), 3, 0, decoder);
            assertEquals(255, g.at(0, 0, 0));
            assertEquals(255, g.at(8, 0, 2));
        }
    }

    @Test
    void cmykJpegsDecodeWithTurboJpegAndAreAClearErrorWithout(@TempDir Path root) {
        goodTree(root, 1);
        // inverted (Adobe) CMYK: C=255-0, M=255-255, Y=255-255, K=255 (no black): pure red in RGB
        Path cmyk = TestImages.write(root.resolve("a_cat/print.jpg"), TestImages.cmykJpeg(16, 16, 255, 0, 0, 255));
        ImageFolder folder = scan(root, BadImagePolicy.FAIL, new ArrayList<>());
        int index = indexOf(folder, cmyk);
        try (ImageDecoding fallback = ImageDecoding.imageIoOnly()) {
            UnreadableImageException e = assertThrows(UnreadableImageException.class,
                    () -> folder.read(index, 3, 0, fallback));
            assertEquals(cmyk.toString(), e.source());
            assertTrue(e.getMessage().contains("javax.imageio cannot decode it") || e.getMessage().contains("CMYK"),
                    e.getMessage());
        }
        if (TurboJpeg.available()) {
            try (ImageDecoding turbo = ImageDecoding.open()) {
                UInt8Image rgb = folder.read(index, 3, 0, turbo);
                assertTrue(rgb.at(8, 8, 0) > 240 && rgb.at(8, 8, 1) < 15 && rgb.at(8, 8, 2) < 15,
                        "CMYK red decoded to " + rgb.at(8, 8, 0) + "," + rgb.at(8, 8, 1) + "," + rgb.at(8, 8, 2));
            }
        }
    }

    @Test
    void theLoaderFailsOnABadFileByNameOrSkipsItToTheNextReadableOne(@TempDir Path root) {
        goodTree(root, 4);
        byte[] whole = TestImages.jpeg(TestImages.rgb(12, 16, 1));
        Path cut = TestImages.write(root.resolve("b_dog/2a-cut.jpg"), Arrays.copyOf(whole, whole.length - 40));
        ImageFolder folder = scan(root, BadImagePolicy.FAIL, new ArrayList<>());
        try (ImageLoader loader = ImageLoader.builder(folder, 3, 12, 16).batchSize(3).shuffle(false).build();
             ImageLoader.Epoch epoch = loader.epoch(0)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> {
                for (Batch ignored : epoch) {
                    // the third batch holds the cut file
                }
            });
            UnreadableImageException cause = assertInstanceOf(UnreadableImageException.class, e.getCause());
            assertEquals(cut.toString(), cause.source());
            assertTrue(e.getMessage().contains(cut.toString()), e.getMessage());
        }
        List<String> warnings = new ArrayList<>();
        try (ImageLoader loader = ImageLoader.builder(folder, 3, 12, 16).batchSize(3).shuffle(false)
                .badImages(BadImagePolicy.SKIP).warnings(warnings::add).workers(3).build()) {
            int images = 0;
            for (Batch batch : loader.epoch(0)) {
                images += batch.size();
            }
            assertEquals(9, images);
            assertEquals(1, warnings.size(), warnings.toString());
            assertTrue(warnings.getFirst().contains(cut.toString()), warnings.getFirst());
        }
    }

    @Test
    void trainAndValFoldersAreTheSplitsAndOtherwiseASeededSplitIsTaken(@TempDir Path root) {
        goodTree(root.resolve("split/train"), 3);
        TestImages.write(root.resolve("split/val/b_dog/0.jpg"), TestImages.jpeg(TestImages.rgb(12, 16, 9)));
        ImageFolder.Splits splits = ImageFolder.open(root.resolve("split"), 0.5, 1, BadImagePolicy.FAIL, m -> { });
        assertEquals(6, splits.train().size());
        assertEquals(1, splits.validation().size());
        assertEquals(List.of("a_cat", "b_dog"), splits.validation().classes());
        assertEquals(1, splits.validation().label(0));

        goodTree(root.resolve("flat"), 10);
        ImageFolder.Splits a = ImageFolder.open(root.resolve("flat"), 0.2, 7, BadImagePolicy.FAIL, m -> { });
        ImageFolder.Splits b = ImageFolder.open(root.resolve("flat"), 0.2, 7, BadImagePolicy.FAIL, m -> { });
        assertEquals(16, a.train().size());
        assertEquals(4, a.validation().size());
        Set<String> train = new HashSet<>();
        for (int i = 0; i < a.train().size(); i++) {
            train.add(a.train().source(i));
            assertEquals(a.train().source(i), b.train().source(i));
        }
        for (int i = 0; i < a.validation().size(); i++) {
            assertTrue(!train.contains(a.validation().source(i)), "validation image also in training");
        }
        assertNull(ImageFolder.open(root.resolve("flat"), 0, 7, BadImagePolicy.FAIL, m -> { }).validation());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> ImageFolder.open(root.resolve("nowhere"), 0, 7, BadImagePolicy.FAIL, m -> { }));
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
    }

    private static int indexOf(ImageFolder folder, Path file) {
        for (int i = 0; i < folder.size(); i++) {
            if (folder.file(i).equals(file)) {
                return i;
            }
        }
        throw new AssertionError(file + " not in " + folder);
    }
}
