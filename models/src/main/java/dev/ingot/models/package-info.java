/**
 * The reference models: the Keras examples the project is measured against, rebuilt line for line
 * from {@link dev.ingot.nn} layers, and a registry that names each with the dataset it trains on.
 *
 * <p>Rules of this package: a reference model is exactly its Keras original (layers, sizes,
 * activations, 'valid' padding, Glorot-uniform/zero initialisation, Adam with learning rate 1e-3,
 * sparse categorical cross-entropy from logits, pixels in [0, 1]); anything that departs from the
 * original is a different model with a different name.
 */
package dev.ingot.models;
