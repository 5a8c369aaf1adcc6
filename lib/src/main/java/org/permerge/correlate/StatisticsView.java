package org.permerge.correlate;

import org.permerge.model.EncoderConfig;

import java.util.Map;

/**
 * Read access to a calibration run's statistics, one space at a time: either {@link AlignmentStatistics} in
 * memory ({@link #of(AlignmentStatistics)}) or a statistics file read lazily ({@code org.permerge.merge.StatisticsFile}), so
 * that merging base-size models never needs all (about 2 GB of) co-moments at once.
 */
public interface StatisticsView {
    EncoderConfig configA();

    EncoderConfig configB();

    /** Correlation statistics of {@code cnn.i}, {@code ffn.L} or {@code attn.L}. */
    CrossCorrelation correlation(String space);

    /** Query-projection statistics of layer L. */
    CrossCorrelation query(int layer);

    /** Key-projection statistics of layer L. */
    CrossCorrelation key(int layer);

    /** The residual stream's statistics, pooled over hidden states as asked. */
    CrossCorrelation residual(AlignmentStatistics.ResidualPooling pooling);

    /** Pre-activation cross statistics of {@code ffn.L} / {@code attn.L} for REPAIR, or null when not kept. */
    CrossCorrelation preActivation(String space);

    /** Per-unit pre-activation statistics of model A (true) or B (false). */
    UnitStatistics preActivationUnits(String space, boolean modelA);

    /** Frames behind each space. */
    Map<String, Long> framesPerSpace();

    /** Provenance of the calibration run as metadata entries (models, manifest and checksum, ...). */
    Map<String, String> provenance();

    /** Provenance of the calibration run as a typed record. */
    StatisticsProvenance origin();

    /** A view of in-memory statistics. */
    static StatisticsView of(AlignmentStatistics s) {
        return new StatisticsView() {
            public EncoderConfig configA() {
                return s.configA();
            }

            public EncoderConfig configB() {
                return s.configB();
            }

            public CrossCorrelation correlation(String space) {
                return s.correlation(space);
            }

            public CrossCorrelation query(int layer) {
                return s.query(layer);
            }

            public CrossCorrelation key(int layer) {
                return s.key(layer);
            }

            public CrossCorrelation residual(AlignmentStatistics.ResidualPooling pooling) {
                return s.residual(pooling);
            }

            public CrossCorrelation preActivation(String space) {
                return s.preActivation(space);
            }

            public UnitStatistics preActivationUnits(String space, boolean modelA) {
                return s.preActivationUnits(space, modelA);
            }

            public Map<String, Long> framesPerSpace() {
                return s.framesPerSpace();
            }

            public Map<String, String> provenance() {
                return s.provenance();
            }

            public StatisticsProvenance origin() {
                return s.origin();
            }
        };
    }
}
