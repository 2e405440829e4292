/**
 * Image decoding for the image pipeline: {@link dev.ingot.data.image.UInt8Image} (decoded HWC
 * bytes), libjpeg-turbo's TurboJPEG bound with FFM ({@link dev.ingot.data.image.TurboJpeg}, found
 * at run time) and the pure-Java {@code javax.imageio} fallback
 * ({@link dev.ingot.data.image.ImageIoDecoder}), chosen per worker by
 * {@link dev.ingot.data.image.ImageDecoding}.
 */
package dev.ingot.data.image;
