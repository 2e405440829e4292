package dev.ingot.data.image;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Decodes whatever {@code javax.imageio} reads (JPEG, PNG, BMP, GIF, WBMP, TIFF) into a
 * {@link UInt8Image}: the pure-Java fallback when TurboJPEG is absent, and the codec of every
 * non-JPEG file. Stateless and thread-safe.
 *
 * <p>Conversions follow Pillow's {@code Image.convert}, which torchvision's {@code ImageFolder}
 * applies ({@code convert('RGB')}): grey is replicated to RGB, alpha is dropped (not composited),
 * palettes are expanded, and RGB to grey is ITU-R 601 luma {@code (299 R + 587 G + 114 B) / 1000}.
 * 16-bit samples are scaled to 8 bits ({@code round(v * 255 / 65535)}) rather than clipped as
 * Pillow does, which would turn most 16-bit photographs white. Samples are taken as stored, never
 * through Java's colour management: {@code getRGB} would treat a grey PNG as linear and brighten it.
 */
public final class ImageIoDecoder {
    static {
        ImageIO.setUseCache(false);   // no temporary files per image: decode from memory only
    }

    private ImageIoDecoder() {
    }

    /** Decodes {@code encoded} to {@code channels} (1 or 3) channels at full size. */
    public static UInt8Image decode(byte[] encoded, int channels) throws ImageDecodeException {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("ImageIoDecoder: channels must be 1 or 3, got " + channels);
        }
        if (encoded.length == 0) {
            throw new ImageDecodeException("the file is empty (0 bytes)");
        }
        BufferedImage image;
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(encoded))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new ImageDecodeException("not an image javax.imageio can read (first bytes " + firstBytes(encoded)
                        + "; formats: " + String.join(", ", ImageIO.getReaderFormatNames()) + ")");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                List<String> warnings = new ArrayList<>();
                reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
                image = reader.read(0);
                if (!warnings.isEmpty()) {
                    // "Premature end of JPEG file": a truncated image, decoded grey below the cut.
                    throw new ImageDecodeException("javax.imageio warns (the data is damaged or truncated): "
                            + String.join("; ", warnings));
                }
            } finally {
                reader.dispose();
            }
        } catch (ImageDecodeException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // IIOException ("Unsupported Image Type" for CMYK JPEG, "Premature end of JPEG file"), or
            // the runtime exceptions some readers throw on damaged data (IndexOutOfBounds, NegativeArraySize).
            throw new ImageDecodeException("javax.imageio cannot decode it: " + e, e);
        }
        if (image == null) {
            throw new ImageDecodeException("javax.imageio returned no image");
        }
        return toUInt8(image, channels);
    }

    static UInt8Image toUInt8(BufferedImage image, int channels) throws ImageDecodeException {
        int h = image.getHeight();
        int w = image.getWidth();
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(h, w), channels)];
        Raster raster = image.getRaster();
        ColorModel cm = image.getColorModel();
        int type = image.getType();
        if (type == BufferedImage.TYPE_3BYTE_BGR && raster.getDataBuffer() instanceof DataBufferByte buffer
                && buffer.getNumBanks() == 1 && raster.getParent() == null) {
            byte[] bgr = buffer.getData();
            for (int p = 0, n = h * w; p < n; p++) {
                int b = bgr[3 * p] & 0xff, g = bgr[3 * p + 1] & 0xff, r = bgr[3 * p + 2] & 0xff;
                putRgb(out, p, channels, r, g, b);
            }
            return new UInt8Image(h, w, channels, out);
        }
        int colourBands = cm.getNumColorComponents();
        int spaceType = cm.getColorSpace().getType();
        boolean direct = !(cm instanceof IndexColorModel)
                && ((colourBands == 3 && spaceType == ColorSpace.TYPE_RGB) || (colourBands == 1 && spaceType == ColorSpace.TYPE_GRAY));
        if (!direct) {
            if (spaceType == ColorSpace.TYPE_CMYK) {
                throw new ImageDecodeException("CMYK images are not supported by javax.imageio; convert it to RGB");
            }
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                image.getRGB(0, y, w, 1, row, 0, w);
                for (int x = 0; x < w; x++) {
                    int argb = row[x];
                    putRgb(out, y * w + x, channels, (argb >>> 16) & 0xff, (argb >>> 8) & 0xff, argb & 0xff);
                }
            }
            return new UInt8Image(h, w, channels, out);
        }
        int bands = raster.getNumBands();
        int bits = raster.getSampleModel().getSampleSize(0);
        if (bits != 8 && bits != 16) {
            throw new ImageDecodeException("samples of " + bits + " bits are not supported (8 or 16)");
        }
        int[] row = new int[w * bands];
        for (int y = 0; y < h; y++) {
            raster.getPixels(0, y, w, 1, row);
            for (int x = 0; x < w; x++) {
                int base = x * bands;
                if (colourBands == 1) {
                    int v = bits == 16 ? to8(row[base]) : row[base];
                    putRgb(out, y * w + x, channels, v, v, v);
                } else {
                    int r = row[base], g = row[base + 1], b = row[base + 2];
                    if (bits == 16) {
                        r = to8(r);
                        g = to8(g);
                        b = to8(b);
                    }
                    putRgb(out, y * w + x, channels, r, g, b);
                }
            }
        }
        return new UInt8Image(h, w, channels, out);
    }

    private static int to8(int sixteen) {
        return (sixteen * 255 + 32767) / 65535;
    }

    private static void putRgb(byte[] out, int pixel, int channels, int r, int g, int b) {
        if (channels == 3) {
            out[3 * pixel] = (byte) r;
            out[3 * pixel + 1] = (byte) g;
            out[3 * pixel + 2] = (byte) b;
        } else if (r == g && g == b) {
            out[pixel] = (byte) r;
        } else {
            out[pixel] = (byte) ((r * 299 + g * 587 + b * 114 + 500) / 1000);
        }
    }

    static String firstBytes(byte[] bytes) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(8, bytes.length); i++) {
            s.append(String.format("%02x", bytes[i] & 0xff));
        }
        return s.toString();
    }
}
