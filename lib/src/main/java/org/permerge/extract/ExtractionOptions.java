package org.permerge.extract;

import org.permerge.io.Progress;

/**
 * The options both extractions share, as a base for their builders: batch size in seconds of padded audio,
 * whether clips at another rate are resampled, whether a progress bar is shown.
 *
 * @param <B> the concrete builder, returned by every {@code opt…} method for chaining
 */
public abstract class ExtractionOptions<B extends ExtractionOptions<B>> {
    double maxBatchSeconds;
    boolean resample;
    Progress progress = Progress.standard();

    ExtractionOptions(double defaultBatchSeconds) {
        this.maxBatchSeconds = defaultBatchSeconds;
    }

    abstract B self();

    /** Padded audio per forward pass (clips × longest clip). */
    public B optMaxBatchSeconds(double seconds) {
        if (!(seconds > 0)) throw new IllegalArgumentException("max batch seconds must be positive, got " + seconds);
        this.maxBatchSeconds = seconds;
        return self();
    }

    /** Resample clips to each model's rate when they differ (default false: a rate mismatch is an error). */
    public B optResample(boolean resample) {
        this.resample = resample;
        return self();
    }

    /** Show a progress bar (default true): {@link Progress#standard()}, or none. */
    public B optProgress(boolean progress) {
        this.progress = progress ? Progress.standard() : null;
        return self();
    }

    /** Where to report progress; {@code null} reports none. */
    public B optProgress(Progress progress) {
        this.progress = progress;
        return self();
    }
}
