package org.permerge.pretrain;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.permerge.model.EncoderCheckpoint;
import org.permerge.checkpoint.StateDict;
import org.permerge.model.EncoderConfig;
import org.permerge.model.EncoderOutput;
import org.permerge.model.HubertEncoder;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PretrainingTest {
    static {
        // One intra-op thread unless the engine already started: far faster on a busy two-core machine.
        System.setProperty("ai.djl.pytorch.num_threads", "1");
    }

    /** Per-frame log energy and zero-crossing count over [320t, 320t+400): a feature independent of the library's. */
    static float[][] energyAndCrossings(float[] x, int rate) {
        int n = x.length < 400 ? 0 : (x.length - 400) / 320 + 1;
        float[][] out = new float[n][2];
        for (int t = 0; t < n; t++) {
            double e = 0;
            int zc = 0;
            for (int s = 320 * t; s < 320 * t + 400; s++) {
                e += x[s] * x[s];
                if (s > 320 * t && (x[s] > 0) != (x[s - 1] > 0)) zc++;
            }
            out[t][0] = (float) Math.log(e + 1e-6);
            out[t][1] = zc;
        }
        return out;
    }

    /** Tones whose pitch and loudness change every 100 ms, so frame targets vary within a clip. */
    static List<float[]> toneClips(int count, int samples, long seed) {
        Random r = new Random(seed);
        List<float[]> clips = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            float[] x = new float[samples];
            double phase = 0;
            for (int seg = 0; seg * 1600 < samples; seg++) {
                double f = 150 * Math.pow(2, r.nextInt(4));
                double a = r.nextBoolean() ? 0.5 : 0.02;
                for (int t = seg * 1600; t < Math.min(samples, (seg + 1) * 1600); t++) {
                    phase += 2 * Math.PI * f / 16000;
                    x[t] = (float) (a * Math.sin(phase) + 0.001 * r.nextGaussian());
                }
            }
            clips.add(x);
        }
        return clips;
    }

    @Test
    void tinyRunLowersTheLossAndSavesAReloadableCheckpoint(@TempDir Path dir) throws Exception {
        EncoderConfig tiny = MiniArchitecture.config(16, 32, 2, 2, 64, 8, 4);
        List<float[]> clips = toneClips(12, 6400, 1);
        clips.add(Arrays.copyOf(clips.get(0), 3000)); // shorter than a crop: padded
        PretrainSettings s = new PretrainSettings(40, 4, 4800, 3e-3, 0.1, new SpanMask(0.5, 3, 1), 16, 5000, 7);
        Path out = dir.resolve("ckpt");
        ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
        Pretraining.Result res = Pretraining.run(tiny, clips,
                List.of(new TargetCodebook("toy", PretrainingTest::energyAndCrossings, 6, "log energy + zero crossings")),
                s, out, Map.of("pretrain.domain", "test", "git.commit", "abc"), new PrintStream(logBytes), false);

        LossCurve curve = res.curve();
        assertEquals(40, curve.points().size());
        double first = curve.meanLossFirst(10);
        double last = curve.meanLossLast(10);
        assertTrue(last < 0.8 * first, "loss should fall: first 10 steps " + first + ", last 10 " + last);
        assertTrue(first > Math.log(6) * 0.5, "initial loss near chance (ln 6), got " + first);

        EncoderCheckpoint ck = EncoderCheckpoint.load(out);
        assertEquals(tiny, ck.config());
        assertEquals(Pretraining.PREPROCESSOR, ck.preprocessor());
        StateDict init = Initialization.random(tiny, 7);
        String name = "encoder.layers.1.feed_forward.output_dense.weight";
        assertFalse(Arrays.equals(init.get(name).toFloatArray(), ck.weights().get(name).toFloatArray()), "training changed the weights");
        String prov = Files.readString(out.resolve(EncoderCheckpoint.PROVENANCE_FILE));
        // the seeds under the common record's seed.* keys (pretrain.seed before)
        assertTrue(prov.contains("\"seed.pretrain\": \"7\"") && prov.contains("\"git.commit\": \"abc\""), prov);
        assertTrue(Files.readAllLines(out.resolve("loss-curve.csv")).size() == 41);
        assertTrue(Files.readString(out.resolve("loss-curve.html")).contains("<polyline"));
        assertTrue(Files.readString(out.resolve("pretrain-targets.json")).contains("\"centroids\""));

        try (HubertEncoder enc = HubertEncoder.create(ck.config(), ck.weights()); NDManager m = NDManager.newBaseManager()) {
            float[] clip = Pretraining.PREPROCESSOR.apply(clips.get(3), 16000);
            EncoderOutput o = enc.forward(m, List.of(clip), null);
            NDArray h = o.lastHiddenState();
            assertEquals(tiny.framesFor(6400), h.getShape().get(1));
            for (float v : h.toFloatArray()) assertTrue(Float.isFinite(v));
        }
    }

    @Test
    void aCodebookLossWeightScalesTheGradientNotTheReportedLoss() {
        EncoderConfig tiny = MiniArchitecture.config(8, 16, 1, 2, 32, 4, 2);
        List<float[]> clips = toneClips(4, 6400, 3);
        int[] frames = new int[clips.size()];
        Arrays.fill(frames, tiny.framesFor(6400));
        TargetCodebook plain = new TargetCodebook("toy", PretrainingTest::energyAndCrossings, 3, "toy");
        FrameTargets t1 = FrameTargets.fit(plain, clips, 16000, frames, 1000, 1);
        FrameTargets t3 = FrameTargets.fit(plain.withWeight(3), clips, 16000, frames, 1000, 1);
        // one step, no warmup: the first step's gradient norm (reported before clipping) and loss, from the same weights and batch
        PretrainSettings s = new PretrainSettings(1, 2, 6400, 1e-3, 0, new SpanMask(0.5, 3, 1), 8, 1000, 1);
        LossCurve.Point a;
        LossCurve.Point b;
        try (HubertTrainable enc = HubertTrainable.initialise(tiny, 1)) {
            a = new MaskedPrediction(enc, clips, List.of(t1), s, x -> x).optLog(new PrintStream(new ByteArrayOutputStream()), false)
                    .train().points().get(0);
        }
        try (HubertTrainable enc = HubertTrainable.initialise(tiny, 1)) {
            b = new MaskedPrediction(enc, clips, List.of(t3), s, x -> x).optLog(new PrintStream(new ByteArrayOutputStream()), false)
                    .train().points().get(0);
        }
        assertEquals(a.loss(), b.loss(), 1e-5, "the curve reports the unweighted loss");
        assertEquals(3 * a.gradNorm(), b.gradNorm(), 1e-3 * a.gradNorm(), "weight 3 triples the gradient");
        assertThrows(IllegalArgumentException.class, () -> plain.withWeight(0));
        assertThrows(IllegalArgumentException.class, () -> plain.withWeight(Double.NaN));
    }

    /**
     * HuBERT's feature_grad_mult scales exactly the CNN's share of the gradient: with the CNN part g_c and the rest g_r
     * of the first step's gradient (same weights, batch and masks), the reported norm at factor f is
     * sqrt(|g_r|² + f²|g_c|²) — so the norms at f = 0, 0.1 and 1 satisfy n(0.1)² = n(0)² + 0.01·(n(1)² − n(0)²).
     */
    @Test
    void theFeatureGradientFactorScalesOnlyTheCnnGradient() {
        EncoderConfig tiny = MiniArchitecture.config(8, 16, 1, 2, 32, 4, 2);
        List<float[]> clips = toneClips(4, 6400, 3);
        int[] frames = new int[clips.size()];
        Arrays.fill(frames, tiny.framesFor(6400));
        FrameTargets t = FrameTargets.fit(new TargetCodebook("toy", PretrainingTest::energyAndCrossings, 3, "toy"), clips, 16000,
                frames, 1000, 1);
        double[] norm = new double[3];
        double[] factors = {0, 0.1, 1};
        for (int i = 0; i < 3; i++) {
            PretrainSettings s = new PretrainSettings(1, 2, 6400, 1e-3, 0, new SpanMask(0.5, 3, 1), 8, 1000, 1)
                    .withFeatureGradMult(factors[i]);
            try (HubertTrainable enc = HubertTrainable.initialise(tiny, 1)) {
                norm[i] = new MaskedPrediction(enc, clips, List.of(t), s, x -> x).optLog(new PrintStream(new ByteArrayOutputStream()), false)
                        .train().points().get(0).gradNorm();
            }
        }
        double cnnSq = norm[2] * norm[2] - norm[0] * norm[0];
        assertTrue(cnnSq > 1e-3 * norm[2] * norm[2], "the CNN has a gradient: " + Arrays.toString(norm));
        assertEquals(norm[0] * norm[0] + 0.01 * cnnSq, norm[1] * norm[1], 1e-4 * norm[2] * norm[2], Arrays.toString(norm));
        assertThrows(IllegalArgumentException.class, () -> PretrainSettings.mini(10, 1).withFeatureGradMult(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> PretrainSettings.mini(10, 1).withFeatureGradMult(-0.1));
        assertEquals(0.1, PretrainSettings.mini(10, 1).featureGradMult(), "the mini recipe uses HuBERT's factor");
    }

    /**
     * The shared-initialisation regime: two runs with the same init seed start from identical weights (recorded as
     * the same step-0 hash) even with different data seeds and corpora, and end apart; another init seed starts
     * elsewhere.
     */
    @Test
    void runsWithTheSameInitSeedShareTheirStartAndThenDiverge(@TempDir Path dir) throws Exception {
        EncoderConfig tiny = MiniArchitecture.config(8, 16, 1, 2, 32, 4, 2);
        List<TargetCodebook> books = List.of(new TargetCodebook("toy", PretrainingTest::energyAndCrossings, 3, "toy"));
        PretrainSettings base = new PretrainSettings(3, 2, 4800, 1e-3, 0, new SpanMask(0.5, 3, 1), 8, 1000, 1);
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        Pretraining.run(tiny, toneClips(6, 6400, 11), books, base.withInitSeed(99), dir.resolve("a"), Map.of(), quiet, false);
        Pretraining.run(tiny, toneClips(6, 6400, 22), books,
                new PretrainSettings(3, 2, 4800, 1e-3, 0, new SpanMask(0.5, 3, 1), 8, 1000, 2).withInitSeed(99), dir.resolve("b"),
                Map.of(), quiet, false);
        Pretraining.run(tiny, toneClips(6, 6400, 11), books, base.withInitSeed(100), dir.resolve("c"), Map.of(), quiet, false);
        String a = Files.readString(dir.resolve("a").resolve(EncoderCheckpoint.PROVENANCE_FILE));
        String b = Files.readString(dir.resolve("b").resolve(EncoderCheckpoint.PROVENANCE_FILE));
        String c = Files.readString(dir.resolve("c").resolve(EncoderCheckpoint.PROVENANCE_FILE));
        String start = org.permerge.checkpoint.ModelHash.of(Initialization.random(tiny, 99));
        assertTrue(a.contains("\"pretrain.init_weights_sha256\": \"" + start + "\""), a);
        assertTrue(b.contains("\"pretrain.init_weights_sha256\": \"" + start + "\""), b);
        assertFalse(c.contains(start), "another init seed starts elsewhere");
        assertTrue(a.contains("\"seed.init\": \"99\"") && a.contains("\"seed.pretrain\": \"1\""), a);
        String name = "encoder.layers.0.feed_forward.output_dense.weight";
        float[] wa = EncoderCheckpoint.load(dir.resolve("a")).weights().get(name).toFloatArray();
        float[] wb = EncoderCheckpoint.load(dir.resolve("b")).weights().get(name).toFloatArray();
        assertFalse(Arrays.equals(wa, wb), "different data moves the shared start to different weights");
    }

    @Test
    void refusesClipsWithoutLabelsForEveryFrame() {
        EncoderConfig tiny = MiniArchitecture.config(8, 16, 1, 2, 32, 4, 2);
        List<float[]> clips = toneClips(2, 6400, 2);
        FrameTargets t = FrameTargets.fit(new TargetCodebook("toy", PretrainingTest::energyAndCrossings, 2, "toy"), clips, 16000,
                new int[] {tiny.framesFor(6400), tiny.framesFor(6400) - 1}, 1000, 1);
        PretrainSettings s = new PretrainSettings(1, 2, 6400, 1e-3, 0, new SpanMask(0.5, 3, 1), 8, 1000, 1);
        try (HubertTrainable enc = HubertTrainable.initialise(tiny, 1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new MaskedPrediction(enc, clips, List.of(t), s, x -> x));
            assertTrue(e.getMessage().contains("clip 1"), e.getMessage());
        }
    }
}
