package org.permerge.cli;

import org.permerge.checkpoint.Preprocessor;
import org.permerge.correlate.AlignmentStatistics;
import org.permerge.correlate.Calibration;
import org.permerge.correlate.StatisticsPrecision;
import org.permerge.extract.ExtractionSummary;
import org.permerge.extract.PairedExtraction;
import org.permerge.extract.PairedTapConsumer;
import org.permerge.io.Blas;
import org.permerge.model.EncoderCheckpoint;
import org.permerge.model.EncoderConfig;
import org.permerge.model.HubertEncoder;
import org.permerge.permute.RandomWeights;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * Times the statistics pass ({@code stats}: both models forward over the clips, every space's co-moments) end to
 * end at the paper's model size, two random HuBERT-Base-shaped checkpoints over synthetic clips, once per
 * co-moment precision, and extrapolates each to the paper's calibration set (5 000 LibriSpeech + 5 000
 * Music4All clips, about 59 h of audio). Random weights cost the same arithmetic as trained ones.
 */
@Command(name = "bench-paper-scale", mixinStandardHelpOptions = true,
        description = {"Time the statistics pass (both encoders forward + every space's co-moments) at HuBERT Base size",
                "on synthetic clips, per co-moment precision; report audio s/s and frames/s and extrapolate to the paper's",
                "calibration (5000 + 5000 clips, ~59 h)."})
public final class PaperScaleBenchCommand implements Callable<Integer> {
    @Option(names = "--clips", defaultValue = "8", description = "synthetic clips per timed pass (default ${DEFAULT-VALUE})")
    int clips;

    @Option(names = "--clip-seconds", defaultValue = "10", description = "length of each clip (default ${DEFAULT-VALUE})")
    double clipSeconds;

    @Option(names = "--precisions", split = ",", defaultValue = "float64,float32",
            description = "co-moment precisions timed, in this order (default ${DEFAULT-VALUE}: before, then after)")
    List<String> precisions;

    @Option(names = "--max-batch-seconds", defaultValue = "30", description = "padded audio per forward pass, as stats (default ${DEFAULT-VALUE})")
    double maxBatchSeconds;

    @Option(names = "--config", description = "architecture config.json (default: HuBERT Base from the reference fixtures)")
    Path config;

    @Option(names = "--paper-hours", defaultValue = "59", description = "audio in the paper's calibration set, hours (default ${DEFAULT-VALUE})")
    double paperHours;

    @Option(names = "--seed", defaultValue = "1", description = "seed of model A's weights (B: seed + 1) and of the clips")
    long seed;

    @Option(names = "--device", defaultValue = "auto", description = "where both encoders run: "
            + org.permerge.model.EncoderDevice.NAMES + " (default ${DEFAULT-VALUE})")
    String device;

    @Override
    public Integer call() {
        if (clips < 1) throw new IllegalArgumentException("--clips must be ≥ 1, got " + clips);
        if (!(clipSeconds > 0)) throw new IllegalArgumentException("--clip-seconds must be > 0, got " + clipSeconds);
        List<StatisticsPrecision> order = new ArrayList<>();
        for (String p : precisions) order.add(StatisticsPrecision.parse(p));
        EncoderConfig c = EncoderConfig.read(config != null ? config : EncoderBenchCommand.defaultConfig());
        EncoderCheckpoint a = EncoderCheckpoint.of(c, RandomWeights.create(c, seed), Preprocessor.DEFAULT);
        EncoderCheckpoint b = EncoderCheckpoint.of(c, RandomWeights.create(c, seed + 1), Preprocessor.DEFAULT);
        int rate = 16_000;
        List<float[]> audio = syntheticClips(clips, (int) Math.round(clipSeconds * rate), rate, seed);
        System.out.printf(Locale.ROOT, "bench-paper-scale: %s, two random checkpoints; %d synthetic clips × %.1f s at %d Hz;"
                        + " %d cores, OpenBLAS %d threads, encoders on %s%n", c, clips, clipSeconds, rate,
                Runtime.getRuntime().availableProcessors(), Blas.threads(), device);
        // Untimed: loads the engine, compiles the hot loops and sizes the statistics' buffers.
        java.util.Set<String> taps = new java.util.HashSet<>();
        for (StatisticsPrecision p : order) taps.addAll(run(a, b, audio.subList(0, 1), rate, p).statistics().taps());
        // Only each run's summary and a few spaces' correlations are kept: a run's whole statistics (GBs at this
        // size) held through the next run would slow that one down.
        Map<StatisticsPrecision, ExtractionSummary> summaries = new LinkedHashMap<>();
        Map<StatisticsPrecision, Map<String, double[]>> samples = new LinkedHashMap<>();
        System.out.printf("%-12s %8s %9s %10s %11s %16s%n", "precision", "wall [s]", "audio [s]", "audio s/s", "frames/s",
                "paper-scale [h]");
        // The floor: both encoders over the same clips handing over the same taps, with no statistics computed.
        ExtractionSummary floor = forwardOnly(a, b, audio, rate, taps);
        System.out.printf(Locale.ROOT, "%-12s %8.3f %9.2f %10.3f %11.1f %16.1f%n", "forward-only", floor.wallSeconds(),
                floor.audioSeconds(), floor.audioSeconds() / floor.wallSeconds(), floor.frames() / floor.wallSeconds(),
                paperHours / (floor.audioSeconds() / floor.wallSeconds()));
        for (StatisticsPrecision p : order) {
            Calibration.Collected r = run(a, b, audio, rate, p);
            ExtractionSummary s = r.summary();
            summaries.put(p, s);
            samples.put(p, sampledCorrelations(r.statistics(), c));
            double audioPerSecond = s.audioSeconds() / s.wallSeconds();
            System.out.printf(Locale.ROOT, "%-12s %8.3f %9.2f %10.3f %11.1f %16.1f%n", p.key(), s.wallSeconds(), s.audioSeconds(),
                    audioPerSecond, s.frames() / s.wallSeconds(), paperHours / audioPerSecond);
        }
        for (StatisticsPrecision p : order) {
            double statistics = summaries.get(p).wallSeconds() - floor.wallSeconds();
            System.out.printf(Locale.ROOT, "statistics %s beyond the forward passes: %.2f s, %.0f%% of its pass; paper-scale %.1f h%n",
                    p.key(), statistics, 100 * statistics / summaries.get(p).wallSeconds(),
                    paperHours * statistics / floor.audioSeconds());
        }
        if (summaries.size() == 2) {
            ExtractionSummary first = summaries.get(order.get(0));
            ExtractionSummary second = summaries.get(order.get(1));
            Map<String, double[]> x = samples.get(order.get(0));
            Map<String, double[]> y = samples.get(order.get(1));
            double worst = 0;
            for (String space : x.keySet()) {
                for (int k = 0; k < x.get(space).length; k++) worst = Math.max(worst, Math.abs(x.get(space)[k] - y.get(space)[k]));
            }
            System.out.printf(Locale.ROOT, "ratio %s/%s wall time: %.2fx; max |Δρ| over %s: %.2e%n", order.get(0).key(),
                    order.get(1).key(), first.wallSeconds() / second.wallSeconds(), String.join(", ", x.keySet()), worst);
        }
        System.out.printf(Locale.ROOT, "paper-scale: %.0f h of calibration audio (5000 LibriSpeech + 5000 Music4All clips) at the"
                + " measured audio s/s, both models forward and every space's statistics.%n", paperHours);
        return 0;
    }

    private Calibration.Collected run(EncoderCheckpoint a, EncoderCheckpoint b, List<float[]> audio, int rate, StatisticsPrecision p) {
        Calibration.Options options = Calibration.Options.defaults().withMaxBatchSeconds(maxBatchSeconds).withProgress(true).withDevice(device)
                .withProvenance("statistics.precision", p.key()).withProvenance("created_by", "permerge bench-paper-scale");
        return Calibration.collect(a, b, audio, rate, options);
    }

    private ExtractionSummary forwardOnly(EncoderCheckpoint a, EncoderCheckpoint b, List<float[]> audio, int rate,
                                          java.util.Set<String> taps) {
        ai.djl.Device d = org.permerge.model.EncoderDevice.resolve(device);
        try (HubertEncoder ea = HubertEncoder.create(a.config(), a.weights(), d);
             HubertEncoder eb = HubertEncoder.create(b.config(), b.weights(), d)) {
            PairedExtraction extraction = PairedExtraction.builder().setModelA(ea, a.preprocessor()).setModelB(eb, b.preprocessor())
                    .optMaxBatchSeconds(maxBatchSeconds).optResample(true).optProgress(true).build();
            return extraction.run(audio, rate, new PairedTapConsumer() {
                @Override
                public void accept(String tap, ai.djl.ndarray.NDArray x, ai.djl.ndarray.NDArray y) {
                    // the floor: the taps are handed over and dropped
                }

                @Override
                public boolean wants(String tap) {
                    return taps.contains(tap);
                }
            });
        }
    }

    /** The correlations of the first CNN space, the first attention space and the last FFN space. */
    static Map<String, double[]> sampledCorrelations(AlignmentStatistics statistics, EncoderConfig c) {
        Map<String, double[]> out = new LinkedHashMap<>();
        for (String space : List.of("cnn.0", "attn.0", "ffn." + (c.numHiddenLayers() - 1))) {
            out.put(space, statistics.correlation(space).correlation());
        }
        return out;
    }

    /**
     * Speech-like synthetic clips: a voiced source (harmonics of a gliding pitch, syllable-rate amplitude envelope)
     * plus a little noise, each clip its own pitch and rhythm; the encoders' cost does not depend on the content.
     */
    static List<float[]> syntheticClips(int count, int samples, int rate, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<float[]> out = new ArrayList<>();
        for (int c = 0; c < count; c++) {
            float[] x = new float[samples];
            double f0 = 90 + 120 * rng.nextDouble();
            double syllables = 3 + 3 * rng.nextDouble();
            double phase = 0;
            for (int t = 0; t < samples; t++) {
                double time = (double) t / rate;
                double pitch = f0 * (1 + 0.1 * Math.sin(2 * Math.PI * 0.7 * time));
                phase += 2 * Math.PI * pitch / rate;
                double voiced = 0;
                for (int h = 1; h <= 8; h++) voiced += Math.sin(h * phase) / h;
                double envelope = 0.5 + 0.5 * Math.sin(2 * Math.PI * syllables * time);
                x[t] = (float) (0.1 * envelope * voiced + 0.01 * (rng.nextDouble() * 2 - 1));
            }
            out.add(x);
        }
        return out;
    }
}
