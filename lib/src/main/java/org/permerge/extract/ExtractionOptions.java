package org.permerge.extract;

/**
 * The options both extractions share, as a base for their builders: batch size in seconds of padded audio,
 * whether clips at another rate are resampled, whether a progress bar is shown.
 *
 * @param <B> the concrete builder, returned by every {@code opt…} method for chaining
 */
public abstract class ExtractionOptions<B extends ExtractionOptions<B>> {
    double maxBatchSeconds;
    boolean resample;
    boolean progress = true;

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

    /** Show a progress bar (default true). */
    public B optProgress(boolean progress) {
        this.progress = progress;
        return self();
    }
}
