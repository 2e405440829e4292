/**
 * Checkpoints: the weights, optimizer state and training position of a run, in the
 * <a href="https://huggingface.co/docs/safetensors">safetensors</a> format.
 *
 * <p>Rules of this package:
 * <ul>
 *   <li>Files are plain safetensors (an 8-byte little-endian header length, a JSON header with
 *       {@code dtype}, {@code shape} and {@code data_offsets} per tensor and a {@code __metadata__}
 *       string map, then the tensors' bytes in header order), readable by the Python
 *       {@code safetensors} package. Everything ours beyond the tensors is metadata, under keys
 *       starting with {@code ingot.}.</li>
 *   <li>Writes are atomic: a temporary file in the target's folder, fsync, then a rename over the
 *       target. A crash at any point leaves either the old checkpoint or the new one, never a
 *       mixture; a failed write removes its temporary file.</li>
 *   <li>Reads trust nothing: every length, offset, shape and dtype is checked against the file,
 *       and each tensor's bytes against a CRC-32 stored in the metadata. A bad file is a
 *       {@link dev.ingot.nn.checkpoint.CorruptCheckpointException} naming the file and the byte
 *       offset where it went wrong.</li>
 * </ul>
 */
package dev.ingot.nn.checkpoint;
