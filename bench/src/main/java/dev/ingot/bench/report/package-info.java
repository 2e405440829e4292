/**
 * The benchmark report: reads JMH result files, the Python reference results and the machine
 * description, and writes one Markdown table set. Rules: every figure is derived from a measured time
 * and a work count in {@link dev.ingot.bench.report.Workloads} (which uses the same shapes as the
 * benchmarks); nothing here measures anything; a file that cannot be read is an error naming it.
 */
package dev.ingot.bench.report;
