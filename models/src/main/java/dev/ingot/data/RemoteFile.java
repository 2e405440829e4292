package dev.ingot.data;

import java.util.HexFormat;
import java.util.Locale;

/**
 * One file of a dataset as its publisher distributes it, with the published checksum.
 *
 * @param name      the file name, the same on the server and in the data folder
 * @param algorithm the checksum's {@link java.security.MessageDigest} name: {@code "SHA-256"} or {@code "MD5"}
 * @param checksum  the expected digest, lower-case hex
 * @param bytes     the file's size as published, for the progress bar when the server sends no length
 *                  (never checked: the checksum is); 0 when unknown
 */
public record RemoteFile(String name, String algorithm, String checksum, long bytes) {
    public RemoteFile {
        if (name == null || name.isBlank() || name.contains("/") || name.contains("\\")) {
            throw new IllegalArgumentException("RemoteFile: name must be a plain file name, got '" + name + "'");
        }
        if (!"SHA-256".equals(algorithm) && !"MD5".equals(algorithm)) {
            throw new IllegalArgumentException("RemoteFile " + name + ": algorithm must be SHA-256 or MD5, got " + algorithm);
        }
        int hexDigits = "SHA-256".equals(algorithm) ? 64 : 32;
        if (checksum == null || checksum.length() != hexDigits || !checksum.chars().allMatch(HexFormat::isHexDigit)) {
            throw new IllegalArgumentException("RemoteFile " + name + ": a " + algorithm + " checksum is " + hexDigits
                    + " hex digits, got '" + checksum + "'");
        }
        if (bytes < 0) {
            throw new IllegalArgumentException("RemoteFile " + name + ": bytes must be >= 0, got " + bytes);
        }
        checksum = checksum.toLowerCase(Locale.ROOT);
    }

    /** "SHA-256 440fcabf…" as shown in messages. */
    public String describeChecksum() {
        return algorithm + " " + checksum;
    }
}
