/**
 * Step 5 of the pipeline: benchmarking frozen encoders. SUPERB-style probes on per-layer pooled features,
 * the log-mel (fbank) baseline, per-task metrics, SUPERB-style normalised scores, paired bootstrap
 * confidence intervals, exact McNemar tests, and the score table. The study that runs them over the paper's
 * rows is {@code org.permerge.study}, one layer up.
 *
 * <p>May import: {@code org.permerge}, {@code org.permerge.io}, {@code org.permerge.checkpoint},
 * {@code org.permerge.model}, {@code org.permerge.audio}, {@code org.permerge.audio.features},
 * {@code org.permerge.audio.corpus}, {@code org.permerge.extract}, {@code org.permerge.correlate},
 * {@code org.permerge.permute}, {@code org.permerge.match}, {@code org.permerge.merge},
 * {@code org.permerge.bench.data}.
 */
package org.permerge.bench;
