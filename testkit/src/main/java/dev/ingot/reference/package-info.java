/**
 * The reference backend: the specification of every kernel, written as plain code.
 *
 * <p>Rules of this package: obviousness over speed. Every kernel is a set of nested loops in the
 * order of its formula (quoted in a comment above it), accumulates in {@code double}, runs on the
 * calling thread, and rounds to float only when it stores a result. No blocking, no vectors, no
 * threads, no caches: when a fast backend and this one disagree, this one is right unless its
 * formula is. It checks arguments with the same {@link dev.ingot.core.KernelChecks} as every
 * backend, and it is deliberately <em>not</em> registered with {@link java.util.ServiceLoader}:
 * {@code Backends.best()} must never pick the oracle; tests construct it directly.
 */
package dev.ingot.reference;
