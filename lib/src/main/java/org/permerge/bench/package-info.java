/**
 * Step 5 of the pipeline: benchmarking frozen encoders. SUPERB-style probes on per-layer pooled features,
 * the log-mel (fbank) baseline, per-task metrics, SUPERB-style normalised scores, paired bootstrap
 * confidence intervals, exact McNemar tests, and the results table.
 */
package org.permerge.bench;
