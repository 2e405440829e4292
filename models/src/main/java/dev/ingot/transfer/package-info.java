/**
 * Transfer learning and deployment: networks by architecture name, PyTorch weights in
 * ({@link dev.ingot.nn.checkpoint.PyTorchWeights}), prediction on image files and pixel buffers
 * ({@link dev.ingot.transfer.Predictor}), and the models the {@code predict}, {@code finetune} and
 * {@code export} commands load.
 */
package dev.ingot.transfer;
