/**
 * The backend-parity suite: every kernel of every backend that {@code Backends.providers()} finds,
 * against the {@link dev.ingot.reference.ReferenceBackend}, plus the gradient checks and the bad-input
 * rejections. Each kernel is described once, as an {@link dev.ingot.parity.OpInfo} record of the
 * {@link dev.ingot.parity.OpTable}; the generic suites ({@code OpParityTest}, {@code OpGradientCheckTest},
 * {@code OpBadInputTest}) run every record on every backend.
 *
 * <p>Rules of this package:
 * <ul>
 *   <li>A kernel's cases, call, tolerance, error inputs and gradient relation live in its record and
 *       nowhere else; no test class is written per kernel.</li>
 *   <li>Test classes never name a backend: they take a {@link dev.ingot.parity.BackendUnderTest}
 *       from {@link dev.ingot.parity.ParityCases}, so a new backend is tested without new test code;
 *       one that cannot run here is skipped with its probe's reason.</li>
 *   <li>Inputs are seeded from the case's name ({@link dev.ingot.parity.SeededInputs}); the backend and
 *       the reference see the same values.</li>
 *   <li>Every tolerance lives in {@link dev.ingot.parity.Tolerances} with its reason; a tolerance is
 *       never widened to make a kernel pass.</li>
 *   <li>Every comparison that ran, was skipped or failed is counted in the
 *       {@link dev.ingot.parity.ParityLedger}; the run ends with its summary line.</li>
 *   <li>Each test runs in a {@link dev.ingot.core.TensorScope} and must leave every backend's
 *       {@code bytesInUse()} as it found it ({@link dev.ingot.parity.ParityBackends}).</li>
 * </ul>
 */
package dev.ingot.parity;
