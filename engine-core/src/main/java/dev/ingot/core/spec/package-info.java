/**
 * Op specifications: plain records for the hyper-parameters of each kernel family ({@link
 * dev.ingot.core.spec.Conv2dSpec}, {@link dev.ingot.core.spec.Pool2dSpec}, {@link
 * dev.ingot.core.spec.AdamSpec}, ...) and the derived, validated geometries that backends key
 * their per-shape plans on. Every spec validates itself when constructed; every geometry's
 * {@code of} method rejects impossible shapes with a message naming the op and the shapes.
 */
package dev.ingot.core.spec;
