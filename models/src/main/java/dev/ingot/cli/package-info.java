/**
 * The {@code ingot} command line (picocli): {@code train}, {@code evaluate}, {@code demo},
 * {@code doctor}.
 *
 * <p>Rules of this package: commands only parse options, wire the engine's parts together and
 * print; the work happens in {@link dev.ingot.nn}, {@link dev.ingot.data} and the backends. Every
 * file a command writes (checkpoint, metrics, plots) is written to a temporary file and renamed into
 * place, so an interrupted run never leaves a torn file. Mistakes a user can fix end with one line
 * on standard error and exit status 1, never a stack trace (unless {@code INGOT_DEBUG} is set).
 */
package dev.ingot.cli;
