package org.permerge.correlate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.permerge.model.EncoderCheckpoint;
import org.permerge.checkpoint.SafeTensors;
import org.permerge.checkpoint.StateDict;
import org.permerge.model.HubertEncoder;
import org.permerge.model.Taps;
import org.permerge.testing.Fixtures;

class TapSurveyTest {

    private static List<float[]> clips(StateDict ref) {
        var input = ref.get("input_values");
        int n = (int) input.dim(1);
        float[] flat = input.toFloatArray();
        List<float[]> clips = new ArrayList<>();
        for (int b = 0; b < input.dim(0); b++) {
            clips.add(Arrays.copyOfRange(flat, b * n, (b + 1) * n));
        }
        return clips;
    }

    @Test
    void matchesTransformersAndItsOwnMomentsOnTheFixture() {
        var dir = Fixtures.hubert("hubert-tiny-base");
        var ckpt = EncoderCheckpoint.load(dir);
        StateDict ref = SafeTensors.read(dir.resolve("reference-activations.safetensors"));
        var survey = new TapSurvey(ref);
        try (var encoder = HubertEncoder.create(ckpt.config(), ckpt.weights());
             var scope = NDManager.newBaseManager()) {
            encoder.forward(scope, clips(ref), survey);
        }
        assertTrue(survey.maxAbsDiff() < 1e-4, "max |Δ| vs transformers " + survey.maxAbsDiff());
        assertTrue(survey.comparedTaps() >= 20, "compared only " + survey.comparedTaps() + " taps");
        assertEquals(Taps.all(ckpt.config()), survey.taps());

        // brute-force per-unit mean of one channels-first conv tap from the reference tensor
        var conv = ref.get("tap." + Taps.conv(2));
        int b = (int) conv.dim(0), c = (int) conv.dim(1), t = (int) conv.dim(2);
        float[] x = conv.toFloatArray();
        UnitStatistics s = survey.statistics(Taps.conv(2));
        assertEquals((long) b * t, s.count());
        for (int u = 0; u < c; u++) {
            double sum = 0;
            for (int bi = 0; bi < b; bi++) {
                for (int ti = 0; ti < t; ti++) {
                    sum += x[(bi * c + u) * t + ti];
                }
            }
            assertEquals(sum / (b * t), s.mean()[u], 1e-4, "unit " + u);
        }
        TapStatistics.Row row = survey.rows().get(2);
        assertEquals(Taps.conv(2), row.tap());
        assertTrue(row.maxAbsDiff() < 1e-4);
    }

    @Test
    void paddingFramesAreNotCounted() {
        var dir = Fixtures.hubert("hubert-tiny-base");
        var ckpt = EncoderCheckpoint.load(dir);
        StateDict ref = SafeTensors.read(dir.resolve("reference-activations.safetensors"));
        List<float[]> clips = clips(ref);
        clips.set(1, Arrays.copyOf(clips.get(1), 2400));
        var survey = new TapSurvey();
        try (var encoder = HubertEncoder.create(ckpt.config(), ckpt.weights());
             var scope = NDManager.newBaseManager()) {
            encoder.forward(scope, clips, survey);
        }
        int frames = ckpt.config().framesFor(4000) + ckpt.config().framesFor(2400);
        assertEquals(frames, survey.statistics(Taps.FEATURE_PROJECTION).count());
        assertTrue(Double.isNaN(survey.maxAbsDiff()));
        assertEquals(0, survey.comparedTaps());
    }

    @Test
    void theExtractionPathGivesTheSameStatisticsAsTheModelPath() {
        var dir = Fixtures.hubert("hubert-tiny-base");
        var ckpt = EncoderCheckpoint.load(dir);
        StateDict ref = SafeTensors.read(dir.resolve("reference-activations.safetensors"));
        List<float[]> inputs = TapSurvey.referenceInputs(ref);
        List<float[]> expected = clips(ref);
        assertEquals(expected.size(), inputs.size());
        for (int i = 0; i < inputs.size(); i++) org.junit.jupiter.api.Assertions.assertArrayEquals(expected.get(i), inputs.get(i));

        TapSurvey compared = TapSurvey.compare(ckpt, ref);
        assertTrue(compared.maxAbsDiff() < 1e-4, "max |Δ| vs transformers " + compared.maxAbsDiff());
        assertTrue(compared.comparedTaps() >= 20);

        // a different clip set with padding: frames streamed by Extraction (padding dropped) vs the masked model path
        List<float[]> clips = new ArrayList<>(inputs);
        clips.add(Arrays.copyOf(inputs.get(0), 2400));
        var viaModel = new TapSurvey();
        try (var encoder = HubertEncoder.create(ckpt.config(), ckpt.weights());
             var scope = NDManager.newBaseManager()) {
            encoder.forward(scope, clips, viaModel);
        }
        var viaFrames = new TapSurvey();
        try (var encoder = HubertEncoder.create(ckpt.config(), ckpt.weights())) {
            org.permerge.extract.Extraction.builder().setEncoder(encoder).setPreprocessor(ckpt.preprocessor())
                    .optMaxBatchSeconds(0.3).build().run(clips, 16000, viaFrames);
        }
        assertEquals(viaModel.taps(), viaFrames.taps());
        for (int i = 0; i < viaModel.rows().size(); i++) {
            TapStatistics.Row m = viaModel.rows().get(i), f = viaFrames.rows().get(i);
            assertEquals(viaModel.statistics(m.tap()).count(), viaFrames.statistics(f.tap()).count(), m.tap());
            assertEquals(m.mean(), f.mean(), 1e-4 * (1 + Math.abs(m.mean())), m.tap());
            assertEquals(m.maxAbs(), f.maxAbs(), 1e-4 * (1 + m.maxAbs()), m.tap());
        }
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> TapSurvey.referenceInputs(new StateDict()));
        assertTrue(e.getMessage().contains("input_values"), e.getMessage());
    }
}
