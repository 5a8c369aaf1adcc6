package org.permerge.pretrain;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import org.permerge.checkpoint.ModelHash;
import org.permerge.checkpoint.Provenance;
import org.permerge.io.AtomicFiles;
import org.permerge.model.EncoderCheckpoint;
import org.permerge.checkpoint.Preprocessor;
import org.permerge.checkpoint.StateDict;
import org.permerge.model.HubertEncoder;
import org.permerge.model.EncoderConfig;

import java.io.PrintStream;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One pretraining run from clips to a saved checkpoint: pad the clips to the crop length, label their
 * frames with k-means per codebook, initialise the encoder from the seed, train by masked prediction,
 * and write a Hugging Face folder with provenance, the loss curve and a description of the targets.
 */
public final class Pretraining {
    /** The mini encoders' audio rate. */
    public static final int SAMPLE_RATE = 16_000;
    /** The mini encoders normalise each clip to zero mean and unit variance, as wav2vec 2.0-family base models fed raw audio do. */
    public static final Preprocessor PREPROCESSOR = new Preprocessor(SAMPLE_RATE, true);

    /** What a run produced. */
    public record Result(Path checkpoint, LossCurve curve, long parameters, double targetSeconds, double trainSeconds,
                         double stepsPerSecond, List<String> targetSummaries) {}

    private Pretraining() {}

    /**
     * @param clips       16 kHz mono clips (any length; shorter than the crop → zero-padded at the end)
     * @param codebooks   target streams, each with its own prediction head
     * @param provenance  recorded with the checkpoint, completed with the run's settings and outcome
     */
    public static Result run(EncoderConfig config, List<float[]> clips, List<TargetCodebook> codebooks, PretrainSettings settings,
                             Path out, Map<String, String> provenance, PrintStream log, boolean progressBar) {
        return run(config, clips, codebooks, settings, out, provenance, log, progressBar, Double.POSITIVE_INFINITY);
    }

    /** As {@link #run(EncoderConfig, List, List, PretrainSettings, Path, Map, PrintStream, boolean)}, stopping training after {@code maxTrainSeconds}. */
    public static Result run(EncoderConfig config, List<float[]> clips, List<TargetCodebook> codebooks, PretrainSettings settings,
                             Path out, Map<String, String> provenance, PrintStream log, boolean progressBar, double maxTrainSeconds) {
        return run(config, null, clips, codebooks, settings, out, provenance, log, progressBar, maxTrainSeconds);
    }

    /**
     * As above, continuing from {@code initial} weights (same config) instead of a fresh initialisation when
     * it is not null: a second round of the same objective with a new warmup and decay.
     */
    public static Result run(EncoderConfig config, StateDict initial, List<float[]> clips, List<TargetCodebook> codebooks,
                             PretrainSettings settings, Path out, Map<String, String> provenance, PrintStream log,
                             boolean progressBar, double maxTrainSeconds) {
        if (clips.isEmpty()) throw new IllegalArgumentException("pretrain: no clips to train on");
        List<float[]> padded = new ArrayList<>(clips.size());
        int[] frames = new int[clips.size()];
        for (int i = 0; i < clips.size(); i++) {
            float[] c = clips.get(i);
            float[] p = c.length >= settings.clipSamples() ? c : java.util.Arrays.copyOf(c, settings.clipSamples());
            padded.add(p);
            frames[i] = config.framesFor(p.length);
        }
        long t0 = System.nanoTime();
        List<FrameTargets> targets = new ArrayList<>();
        List<String> summaries = new ArrayList<>();
        for (int k = 0; k < codebooks.size(); k++) {
            FrameTargets t = FrameTargets.fit(codebooks.get(k), padded, SAMPLE_RATE, frames, settings.maxFitFrames(), settings.seed() * 1009 + k);
            targets.add(t);
            summaries.add(t.usageSummary());
            log.println("targets " + t.usageSummary());
        }
        double targetSeconds = (System.nanoTime() - t0) / 1e9;
        long t1 = System.nanoTime();
        LossCurve curve;
        long params = MiniArchitecture.parameterCount(config);
        log.printf(Locale.ROOT, "pretrain: %s, %d parameters, %d clips, %d steps of %d crops of %d samples, seed %d, init seed %d, "
                        + "CNN gradient x %.3g%n", config, params, clips.size(), settings.steps(), settings.batchSize(), settings.clipSamples(),
                settings.seed(), settings.initSeed(), settings.featureGradMult());
        StateDict start = initial != null ? initial : Initialization.random(config, settings.initSeed());
        String startHash = ModelHash.of(start);
        try (HubertTrainable enc = new HubertTrainable(HubertEncoder.create(config, start))) {
            MaskedPrediction mp = new MaskedPrediction(enc, padded, targets, settings, x -> PREPROCESSOR.apply(x, SAMPLE_RATE))
                    .optLog(log, progressBar).optTimeBudget(maxTrainSeconds);
            curve = mp.train();
            double trainSeconds = (System.nanoTime() - t1) / 1e9;
            int stepsRun = curve.points().size();
            double sps = stepsRun / trainSeconds;
            Map<String, String> step = new LinkedHashMap<>();
            step.put("objective", "HuBERT masked prediction (cosine logits / 0.1, cross-entropy on masked frames, summed over codebooks)");
            // equal for two encoders that share their step-0 weights (the paper's regime), whatever their data
            step.put("init_weights_sha256", startHash);
            step.put("feature_grad_mult", Double.toString(settings.featureGradMult()));
            step.put("steps", Integer.toString(settings.steps()));
            step.put("steps_run", Integer.toString(stepsRun));
            step.put("skipped_updates", Integer.toString(mp.skippedUpdates()));
            step.put("batch_size", Integer.toString(settings.batchSize()));
            step.put("clip_samples", Integer.toString(settings.clipSamples()));
            step.put("peak_learning_rate", Double.toString(settings.peakLearningRate()));
            step.put("warmup_steps", Integer.toString(settings.warmupSteps()));
            step.put("optimizer", "AdamW beta=(0.9,0.98) eps=1e-6 wd=0.01 clip_norm=10, warmup + linear decay");
            step.put("mask", String.format(Locale.ROOT, "span %d frames, mask_prob %.2f, min spans %d",
                    settings.mask().spanLength(), settings.mask().maskProb(), settings.mask().minSpans()));
            step.put("head_dim", Integer.toString(settings.headDim()));
            for (int k = 0; k < codebooks.size(); k++) {
                TargetCodebook b = codebooks.get(k);
                step.put("targets." + b.name(), b.recipe() + "; " + summaries.get(k)
                        + (b.weight() == 1.0 ? "" : String.format(Locale.ROOT, "; loss weight %.3g", b.weight())));
            }
            step.put("clips", Integer.toString(clips.size()));
            step.put("parameters", Long.toString(params));
            step.put("train_seconds", String.format(Locale.ROOT, "%.1f", trainSeconds));
            step.put("steps_per_second", String.format(Locale.ROOT, "%.3f", sps));
            step.put("loss_first_1pct", String.format(Locale.ROOT, "%.4f", curve.meanLossFirst(Math.max(1, stepsRun / 100))));
            step.put("loss_last_1pct", String.format(Locale.ROOT, "%.4f", curve.meanLossLast(Math.max(1, stepsRun / 100))));
            StateDict trained = enc.toStateDict();
            Provenance run = Provenance.fromMetadata(provenance).withSeed("pretrain", settings.seed());
            if (initial == null) run = run.withSeed("init", settings.initSeed());
            run = run.withStep("pretrain", step);
            if (run.precision() == null) run = run.withPrecision(Provenance.precisionOf(trained));
            Map<String, String> prov = run.finished().toMetadata();
            // The folder is replaced as a unit: weights, curve and targets always belong to one run.
            org.permerge.io.AtomicFiles.replaceFolder(out, dir -> {
                EncoderCheckpoint.save(dir, config, trained, PREPROCESSOR, prov);
                curve.write(dir, "Masked-prediction loss, " + prov.getOrDefault("pretrain.domain", "") + " seed " + settings.seed());
                writeTargets(dir.resolve("pretrain-targets.json"), targets);
            });
            log.printf(Locale.ROOT, "pretrain: %.1f s of training (%.2f steps/s), loss %.3f -> %.3f, saved %s%n", trainSeconds, sps,
                    curve.meanLossFirst(Math.max(1, stepsRun / 100)), curve.meanLossLast(Math.max(1, stepsRun / 100)), out);
            return new Result(out, curve, params, targetSeconds, trainSeconds, sps, summaries);
        }
    }

    /** The k-means codebooks (standardisation and centroids), so targets can be recomputed for new audio. */
    private static void writeTargets(Path file, List<FrameTargets> targets) {
        JsonArray arr = new JsonArray();
        for (FrameTargets t : targets) {
            JsonObject o = new JsonObject();
            o.addProperty("name", t.codebook().name());
            o.addProperty("recipe", t.codebook().recipe());
            o.addProperty("clusters", t.kmeans().k());
            o.addProperty("fit_frames", t.fitFrames());
            o.addProperty("lloyd_iterations", t.kmeans().iterations());
            o.add("mean", floats(t.mean()));
            o.add("std", floats(t.std()));
            JsonArray c = new JsonArray();
            for (float[] row : t.kmeans().centroids()) c.add(floats(row));
            o.add("centroids", c);
            arr.add(o);
        }
        JsonObject root = new JsonObject();
        root.add("codebooks", arr);
        AtomicFiles.writeString(file, new GsonBuilder().create().toJson(root));
    }

    private static JsonArray floats(float[] v) {
        JsonArray a = new JsonArray();
        for (float x : v) a.add(x);
        return a;
    }
}
