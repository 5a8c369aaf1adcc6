package org.permerge.correlate;

import org.permerge.Version;
import org.permerge.audio.Manifest;
import org.permerge.model.EncoderCheckpoint;
import org.permerge.extract.ExtractionSummary;
import org.permerge.extract.PairedExtraction;
import org.permerge.model.EncoderDevice;
import org.permerge.model.HubertEncoder;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiFunction;

/**
 * Steps 1–2 as one call, the single statistics path of the study, {@code permerge stats}, {@code permerge merge
 * --calibration} and the planted pair: models A and B run over the same calibration clips, each clip resampled to
 * each model's own rate where they differ, and their paired activations accumulate into
 * {@link AlignmentStatistics} whose provenance records both models (reference and weight hash), the clips and the
 * preprocessing the same way for every caller.
 */
public final class Calibration {
    private Calibration() {}

    /**
     * How to collect.
     *
     * @param preActivation   how much FFN pre-activation REPAIR keeps
     * @param maxBatchSeconds padded audio per forward pass
     * @param progress        show a progress bar on the terminal
     * @param provenance      further provenance by key: the manifest's path, split and shard
     *                        ({@link StatisticsProvenance#KEYS}), the writer, extras such as a study name
     * @param device          where both encoders run: {@link EncoderDevice} names it (auto, cpu, gpu); the
     *                        statistics' co-moments run on OpenBLAS on the host either way
     */
    public record Options(AlignmentStatistics.PreActivation preActivation, double maxBatchSeconds, boolean progress,
                          Map<String, String> provenance, String device) {
        public Options {
            Objects.requireNonNull(preActivation, "preActivation");
            if (!(maxBatchSeconds > 0)) throw new IllegalArgumentException("maxBatchSeconds must be > 0, got " + maxBatchSeconds);
            provenance = Map.copyOf(provenance);
            Objects.requireNonNull(device, "device");
        }

        /** Correlation pre-activations, 30 s batches, no progress bar, nothing more recorded, the best device. */
        public static Options defaults() {
            return new Options(AlignmentStatistics.PreActivation.CORRELATION, 30, false, Map.of(), "auto");
        }

        public Options withPreActivation(AlignmentStatistics.PreActivation mode) {
            return new Options(mode, maxBatchSeconds, progress, provenance, device);
        }

        public Options withMaxBatchSeconds(double seconds) {
            return new Options(preActivation, seconds, progress, provenance, device);
        }

        public Options withProgress(boolean show) {
            return new Options(preActivation, maxBatchSeconds, show, provenance, device);
        }

        /** Adds a provenance entry. */
        public Options withProvenance(String key, String value) {
            Map<String, String> p = new LinkedHashMap<>(provenance);
            p.put(key, value);
            return new Options(preActivation, maxBatchSeconds, progress, p, device);
        }

        /** The encoders' device by name ({@link EncoderDevice}: auto, cpu or gpu). */
        public Options withDevice(String name) {
            EncoderDevice.resolve(name);
            return new Options(preActivation, maxBatchSeconds, progress, provenance, name);
        }
    }

    /** The statistics and what the extraction saw. */
    public record Collected(AlignmentStatistics statistics, ExtractionSummary summary) {}

    /**
     * Collects over a manifest's clips (all of them: take a split or shard first). The manifest's checksum and
     * the clip count are recorded; its path, split and shard come from the options (defaults: the manifest's
     * description, split {@code all}, shard {@code 0/1} of these clips).
     */
    public static Collected collect(EncoderCheckpoint a, EncoderCheckpoint b, Manifest clips, Options options) {
        if (clips.size() == 0) throw new IllegalArgumentException("no calibration clips to collect statistics over");
        Map<String, String> p = new LinkedHashMap<>();
        p.put("calibration.sha256", clips.checksum());
        p.put("calibration.split", "all");
        p.put("calibration.shards", "0/1");
        p.put("calibration.split_clips", Integer.toString(clips.size()));
        p.putAll(options.provenance());
        p.put("calibration.clips", Integer.toString(clips.size()));
        return collect(a, b, options, p, (e, s) -> e.run(clips, s));
    }

    /**
     * Collects over clips held in memory, all at {@code sampleRate}; the clips' content hash stands in for the
     * manifest checksum.
     */
    public static Collected collect(EncoderCheckpoint a, EncoderCheckpoint b, List<float[]> clips, int sampleRate, Options options) {
        if (clips.isEmpty()) throw new IllegalArgumentException("no calibration clips to collect statistics over");
        Map<String, String> p = new LinkedHashMap<>();
        p.put("calibration.manifest", clips.size() + " clips in memory at " + sampleRate + " Hz");
        p.put("calibration.sha256", clipsHash(clips, sampleRate));
        p.put("calibration.split", "all");
        p.put("calibration.shards", "0/1");
        p.put("calibration.split_clips", Integer.toString(clips.size()));
        p.putAll(options.provenance());
        p.put("calibration.clips", Integer.toString(clips.size()));
        return collect(a, b, options, p, (e, s) -> e.run(clips, sampleRate, s));
    }

    private static Collected collect(EncoderCheckpoint a, EncoderCheckpoint b, Options options, Map<String, String> provenance,
                                     BiFunction<PairedExtraction, AlignmentStatistics, ExtractionSummary> body) {
        String hashA = a.inferenceHash();
        String hashB = b.inferenceHash();
        Map<String, String> p = new LinkedHashMap<>();
        p.put("model.A", String.valueOf(a.source()));
        p.put("model.A.sha256", hashA);
        p.put("model.B", String.valueOf(b.source()));
        p.put("model.B.sha256", hashB);
        p.put("preprocessor.A", String.valueOf(a.preprocessor()));
        p.put("preprocessor.B", String.valueOf(b.preprocessor()));
        p.put("calibration.resample", "true");
        p.put("created_by", "permerge " + Version.VERSION);
        p.putAll(provenance);
        AlignmentStatistics stats = AlignmentStatistics.builder().setConfigA(a.config()).setConfigB(b.config())
                .optPreActivation(options.preActivation()).optProvenance(p).build();
        ExtractionSummary summary;
        ai.djl.Device device = EncoderDevice.resolve(options.device());
        try (HubertEncoder ea = HubertEncoder.create(a.config(), a.weights(), device);
             HubertEncoder eb = HubertEncoder.create(b.config(), b.weights(), device)) {
            // The study's rule for every caller: each model hears the clips at its own sampling rate.
            PairedExtraction extraction = PairedExtraction.builder().setModelA(ea, a.preprocessor()).setModelB(eb, b.preprocessor())
                    .optMaxBatchSeconds(options.maxBatchSeconds()).optResample(true).optProgress(options.progress()).build();
            summary = body.apply(extraction, stats);
        }
        return new Collected(stats, summary);
    }

    /** sha256 over the sampling rate and every clip's length and samples. */
    static String clipsHash(List<float[]> clips, int sampleRate) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        md.update(ByteBuffer.allocate(4).putInt(sampleRate).array());
        for (float[] x : clips) {
            ByteBuffer buf = ByteBuffer.allocate(4 + 4 * x.length).order(ByteOrder.LITTLE_ENDIAN);
            buf.putInt(x.length).asFloatBuffer().put(x);
            md.update(buf.array());
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
