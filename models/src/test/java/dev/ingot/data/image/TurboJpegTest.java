package dev.ingot.data.image;

import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** TurboJPEG through FFM against javax.imageio on real JPEGs; skipped (with the reason) where the library is absent. */
class TurboJpegTest {

    static byte[] jpeg(int h, int w) throws IOException {
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                image.setRGB(x, y, ((x * 255 / (w - 1)) << 16) | ((y * 255 / (h - 1)) << 8) | 100);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "jpg", out);
        return out.toByteArray();
    }

    private static void requireTurbo() {
        System.out.println("TurboJPEG " + TurboJpeg.status());
        assumeTrue(TurboJpeg.available(), "TurboJPEG " + TurboJpeg.status());
    }

    @Test
    void decodesLikeImageIo() throws IOException {
        requireTurbo();
        byte[] bytes = jpeg(48, 64);
        UInt8Image reference = ImageIoDecoder.decode(bytes, 3);
        try (TurboJpeg turbo = TurboJpeg.open()) {
            UInt8Image fast = turbo.decode(bytes, 3, 0);
            assertEquals(48, fast.height());
            assertEquals(64, fast.width());
            int maxDiff = 0;
            for (int i = 0; i < fast.pixels().length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs((fast.pixels()[i] & 0xff) - (reference.pixels()[i] & 0xff)));
            }
            // Both are libjpeg with the accurate integer DCT and fancy upsampling; the JDK's copy is
            // libjpeg 6b, so rounding may differ by a level or two, never more.
            assertTrue(maxDiff <= 3, "TurboJPEG and javax.imageio differ by " + maxDiff + " levels");
            UInt8Image grey = turbo.decode(bytes, 1, 0);
            assertEquals(1, grey.channels());
        }
    }

    @Test
    void decodesToTheSmallestScaleThatKeepsTheRequestedSide() throws IOException {
        requireTurbo();
        byte[] bytes = jpeg(224, 300);
        try (TurboJpeg turbo = TurboJpeg.open()) {
            assertEquals(224, turbo.decode(bytes, 3, 0).height());
            UInt8Image quarter = turbo.decode(bytes, 3, 56);   // 1/4 gives exactly 56 x 75
            assertEquals(56, quarter.height());
            assertEquals(75, quarter.width());
            UInt8Image eighth = turbo.decode(bytes, 3, 20);    // 1/8: 28 x 38
            assertEquals(28, eighth.height());
            UInt8Image between = turbo.decode(bytes, 3, 57);   // needs more than 1/4: 3/8 -> 84
            assertEquals(84, between.height());
        }
    }

    @Test
    void truncatedAndGarbledJpegsAreErrorsNotGreyImages() throws IOException {
        requireTurbo();
        byte[] bytes = jpeg(256, 256);
        try (TurboJpeg turbo = TurboJpeg.open()) {
            ImageDecodeException truncated = assertThrows(ImageDecodeException.class,
                    () -> turbo.decode(Arrays.copyOf(bytes, bytes.length / 2), 3, 0));
            assertTrue(truncated.getMessage().contains("Premature end of JPEG file"), truncated.getMessage());
            byte[] header = Arrays.copyOf(bytes, 10);
            ImageDecodeException noHeader = assertThrows(ImageDecodeException.class, () -> turbo.decode(header, 3, 0));
            assertTrue(noHeader.getMessage().startsWith("TurboJPEG "), noHeader.getMessage());
            assertThrows(ImageDecodeException.class, () -> turbo.decode(new byte[0], 3, 0));
        }
    }

    @Test
    void statusNamesTheLibraryOrTheReason() {
        String status = TurboJpeg.status();
        assertTrue(status.startsWith("available: ") && status.contains("libturbojpeg")
                || status.startsWith("unavailable because "), status);
    }
}
