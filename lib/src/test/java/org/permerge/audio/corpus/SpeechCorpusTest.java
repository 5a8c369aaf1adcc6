package org.permerge.audio.corpus;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.permerge.audio.Audio;
import org.permerge.audio.Manifest;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class SpeechCorpusTest {
    @TempDir
    static Path tmp;
    static Manifest corpus;

    @BeforeAll
    static void build() {
        corpus = Corpora.build(Corpora.Domain.SPEECH, new CorpusOptions(tmp.resolve("a"), 5, 48, 8, 2), n -> {});
    }

    @Test
    void sameSeedGivesTheSameCorpusAndEveryClipChecksOut() {
        Manifest again = Corpora.build(Corpora.Domain.SPEECH, new CorpusOptions(tmp.resolve("b"), 5, 48, 8, 1), n -> {});
        assertEquals(corpus.checksum(), again.checksum(), "same seed, other thread count: identical manifest");
        corpus.verify();
        assertEquals(56, corpus.size());
        for (Manifest.Clip c : corpus.clips()) {
            assertEquals(16000, c.sampleRate());
            assertTrue(c.duration() >= 1.0 && c.duration() < 1.6, c.id() + " lasts " + c.duration());
        }
        Manifest other = Corpora.build(Corpora.Domain.SPEECH, new CorpusOptions(tmp.resolve("c"), 6, 8, 1, 2), n -> {});
        assertNotEquals(corpus.checksum(), other.checksum());
    }

    @Test
    void tasksHoldOutSpeakersOrWordsAndCalibrationUsesTrainingSideOnly() {
        assertEquals(java.util.Set.of("word", "speaker", "style"), corpus.tasks());
        CorpusChecks.holdoutsAreDisjoint(corpus);
        CorpusChecks.calibrationUsesTrainingSideOnly(corpus, 8);
        assertEquals("speaker", ((Map<?, ?>) ((Map<?, ?>) corpus.header().get("tasks")).get("word")).get("holds_out"));
        assertEquals(24, corpus.labelValues("word").size(), "48 clips cycle through all 24 words twice");
        assertTrue(corpus.header().get("tools").toString().contains("eSpeak NG"));
    }

    /** The noise level the manifest records is the one in the file: speech vs noise-only stretches. */
    @Test
    void measuredSnrMatchesTheRecordedOne() {
        for (Manifest.Clip c : corpus.clips()) {
            float[] x = c.load().mono();
            int on = (int) Math.round(((Number) c.factors().get("onset_s")).doubleValue() * 16000);
            int len = (int) Math.round(((Number) c.factors().get("speech_s")).doubleValue() * 16000);
            double speech = CorpusChecks.rms(x, on, on + len);
            double noiseEnergy = 0;
            int n = 0;
            for (int i = 0; i < x.length; i++) {
                if (i < on - 50 || i >= on + len + 50) {
                    noiseEnergy += x[i] * (double) x[i];
                    n++;
                }
            }
            if (n < 1600) continue;
            double measured = CorpusChecks.db(Math.sqrt(Math.max(speech * speech - noiseEnergy / n, 1e-20)) / Math.sqrt(noiseEnergy / n));
            double recorded = ((Number) c.factors().get("snr_db")).doubleValue();
            assertEquals(recorded, measured, 1.0, c.id());
        }
    }

    /**
     * Female voices sound higher than male ones; excited speech (pitch +30 %) higher than sad speech (-20 %), compared
     * after dividing each clip's pitch by its gender's median so the voices drawn for each style do not decide it.
     */
    @Test
    void voiceGenderAndStyleShowInTheFundamentalFrequency() {
        List<Manifest.Clip> clips = corpus.split("labeled").clips();
        Map<String, Double> f0 = new HashMap<>();
        Map<String, List<Double>> byGender = new HashMap<>();
        for (Manifest.Clip c : clips) {
            double f = medianF0(c.load().mono());
            f0.put(c.id(), f);
            byGender.computeIfAbsent(c.label("gender"), k -> new ArrayList<>()).add(f);
        }
        double female = median(byGender.get("female")), male = median(byGender.get("male"));
        assertTrue(female > 1.4 * male, "female " + female + " Hz vs male " + male + " Hz");
        Map<String, List<Double>> byStyle = new HashMap<>();
        for (Manifest.Clip c : clips) {
            double norm = f0.get(c.id()) / (c.label("gender").equals("female") ? female : male);
            byStyle.computeIfAbsent(c.label("style"), k -> new ArrayList<>()).add(norm);
        }
        double excited = median(byStyle.get("excited")), sad = median(byStyle.get("sad"));
        assertTrue(excited > 1.25 * sad, "relative pitch: excited " + excited + ", sad " + sad);
    }

    /** Median autocorrelation pitch over loud 40 ms frames (a plain estimator, independent of the generator). */
    static double medianF0(float[] x) {
        double total = CorpusChecks.rms(x, 0, x.length);
        List<Double> f = new ArrayList<>();
        for (int s = 0; s + 640 <= x.length; s += 320) {
            if (CorpusChecks.rms(x, s, s + 640) < 0.3 * total) continue;
            double r0 = 0;
            for (int i = 0; i < 640; i++) r0 += x[s + i] * (double) x[s + i];
            int best = -1;
            double bestR = -1;
            for (int lag = 16000 / 400; lag <= 16000 / 60; lag++) {
                double r = 0;
                for (int i = 0; i + lag < 640; i++) r += x[s + i] * (double) x[s + i + lag];
                if (r > bestR) {
                    bestR = r;
                    best = lag;
                }
            }
            if (bestR > 0.5 * r0) f.add(16000.0 / best);
        }
        return f.isEmpty() ? Double.NaN : median(f);
    }

    static double median(List<Double> v) {
        List<Double> s = v.stream().filter(d -> !d.isNaN()).sorted().toList();
        return s.get(s.size() / 2);
    }
}
