package org.permerge.audio.corpus;

import java.nio.file.Path;

/**
 * How a corpus is built: where, from which seed, how many labeled and calibration clips, on how many threads.
 *
 * @param out              output folder (clips under {@code clips/}, the manifest as {@code manifest.jsonl})
 * @param seed             master seed; the corpus is a function of it and the tool versions
 * @param clips            labeled clips (spread over the train/dev/test splits of every task)
 * @param calibrationClips unlabeled clips for the correlation step, drawn from training-side factors only
 * @param threads          worker threads (synthesiser processes run concurrently up to this)
 */
public record CorpusOptions(Path out, long seed, int clips, int calibrationClips, int threads) {
    public CorpusOptions {
        if (clips < 1) throw new IllegalArgumentException("need at least one labeled clip, got " + clips);
        if (calibrationClips < 0) throw new IllegalArgumentException("calibration clips must be >= 0, got " + calibrationClips);
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }

    /** Defaults: seed 1, 2000 labeled clips, one eighth as many calibration clips, all available cores. */
    public static CorpusOptions defaults(Path out) {
        return new CorpusOptions(out, 1, 2000, 250, Runtime.getRuntime().availableProcessors());
    }

    /** The same build into another folder. */
    public CorpusOptions withOut(Path folder) {
        return new CorpusOptions(folder, seed, clips, calibrationClips, threads);
    }

    public CorpusOptions withClips(int n) {
        return new CorpusOptions(out, seed, n, Math.max(1, n / 8), threads);
    }
}
