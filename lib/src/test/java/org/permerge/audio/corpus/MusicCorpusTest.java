package org.permerge.audio.corpus;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.permerge.audio.Manifest;
import org.permerge.audio.features.Chroma;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class MusicCorpusTest {
    @TempDir
    static Path tmp;
    static Manifest corpus;

    @BeforeAll
    static void build() {
        corpus = Corpora.build(Corpora.Domain.MUSIC, new CorpusOptions(tmp.resolve("a"), 3, 40, 6, 2), n -> {});
    }

    @Test
    void sameSeedGivesTheSameCorpusAndEveryClipChecksOut() {
        Manifest again = Corpora.build(Corpora.Domain.MUSIC, new CorpusOptions(tmp.resolve("b"), 3, 40, 6, 1), n -> {});
        assertEquals(corpus.checksum(), again.checksum());
        corpus.verify();
        assertEquals(46, corpus.size());
        for (Manifest.Clip c : corpus.clips()) {
            assertEquals(16000, c.sampleRate());
            assertEquals(2.0, c.duration(), 1e-9);
        }
        assertTrue(corpus.header().get("tools").toString().contains("FluidSynth"));
    }

    @Test
    void tasksHoldOutAFactorTheyDoNotPredict() {
        assertEquals(java.util.Set.of("family", "root", "chord", "rhythm"), corpus.tasks());
        CorpusChecks.holdoutsAreDisjoint(corpus);
        CorpusChecks.calibrationUsesTrainingSideOnly(corpus, 6);
        for (Manifest.Clip c : corpus.task("root").clips()) assertNotEquals("augmented", c.label("quality"));
        assertEquals(8, corpus.labelValues("family").size());
    }

    /** The notes the labels name are the ones sounding: chroma is higher on the chord's pitch classes. */
    @Test
    void chromaConfirmsRootAndQualityLabels() {
        List<String> notes = List.of("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B");
        Map<String, int[]> q = Map.of("major", new int[] {0, 4, 7}, "minor", new int[] {0, 3, 7},
                "diminished", new int[] {0, 3, 6}, "augmented", new int[] {0, 4, 8}, "sus4", new int[] {0, 5, 7});
        Chroma chroma = new Chroma();
        int agree = 0, n = 0;
        for (Manifest.Clip c : corpus.split("labeled").clips()) {
            float[][] ch = chroma.compute(c.load().mono(), 16000);
            double[] mean = new double[12];
            for (float[] row : ch) for (int k = 0; k < 12; k++) mean[k] += row[k] / ch.length;
            int root = notes.indexOf(c.label("root"));
            boolean[] tone = new boolean[12];
            for (int i : q.get(c.label("quality"))) tone[(root + i) % 12] = true;
            double in = 0, out = 0;
            for (int k = 0; k < 12; k++) if (tone[k]) in += mean[k] / 3; else out += mean[k] / 9;
            if (in > out) agree++;
            n++;
        }
        assertTrue(agree >= 0.9 * n, agree + " of " + n + " clips have more chroma on their chord tones");
    }

    /** Before the first note only noise sounds, at the recorded SNR: slices are aligned and no tail leaks in. */
    @Test
    void clipsStartWithNoiseAtTheRecordedLevel() {
        for (Manifest.Clip c : corpus.clips()) {
            float[] x = c.load().mono();
            double head = CorpusChecks.rms(x, 0, 400); // 25 ms; the first note comes after >= 30 ms
            double whole = CorpusChecks.rms(x, 0, x.length);
            double snr = ((Number) c.factors().get("snr_db")).doubleValue();
            assertEquals(-snr, CorpusChecks.db(head / whole), 4.0, c.id());
        }
    }
}
