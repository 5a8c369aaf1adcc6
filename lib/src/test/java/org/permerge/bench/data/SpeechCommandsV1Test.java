package org.permerge.bench.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.permerge.audio.Manifest;
import org.permerge.audio.Wav;
import org.permerge.bench.Domain;
import org.permerge.bench.ProbeTask;
import org.permerge.bench.TaskSpec;

/** The KS manifest from a tiny stand-in of the two unpacked Speech Commands archives. */
class SpeechCommandsV1Test {
    private static void wav(Path p, int samples) {
        float[] x = new float[samples];
        for (int i = 0; i < x.length; i++) x[i] = (float) (0.1 * Math.sin(i * 0.05 * (p.hashCode() % 7 + 1)));
        Wav.write(p, x, 16000);
    }

    @Test
    void buildsTheTwelveClassProtocol(@TempDir Path ds) throws Exception {
        Path train = ds.resolve("train"), test = ds.resolve("test");
        for (String w : List.of("yes", "no", "cat")) {
            for (int i = 0; i < 3; i++) wav(train.resolve(w).resolve("spk" + i + "_nohash_0.wav"), 16000);
        }
        wav(train.resolve("_background_noise_/white.wav"), 16000 * 10 + 500);
        Files.writeString(train.resolve("validation_list.txt"), "yes/spk1_nohash_0.wav\ncat/spk1_nohash_0.wav\n");
        Files.writeString(train.resolve("testing_list.txt"), "no/spk2_nohash_0.wav\n");
        wav(test.resolve("yes/t0_nohash_0.wav"), 16000);
        wav(test.resolve("_unknown_/t1_nohash_0.wav"), 16000);
        wav(test.resolve("_silence_/t2_nohash_0.wav"), 16000);

        Manifest m = SpeechCommandsV1.build(ds);
        Map<String, Long> bySplit = m.clips().stream().collect(Collectors.groupingBy(Manifest.Clip::split, Collectors.counting()));
        // train: 9 word clips − 2 dev − 1 held out = 6, plus 9 of 10 silence crops; dev: 2 + 1 crop; test: 3
        assertEquals(Map.of("train", 15L, "dev", 3L, "test", 3L), bySplit);
        assertTrue(m.clips().stream().noneMatch(c -> c.path().equals("train/no/spk2_nohash_0.wav")), "testing_list clips are dropped");
        assertEquals("_unknown_", m.clips().stream().filter(c -> c.id().equals("train/cat/spk0_nohash_0.wav")).findFirst()
                .orElseThrow().label(SpeechCommandsV1.LABEL));
        m.verify();
        ProbeTask task = ProbeTask.of(TaskSpec.classification("keyword", Domain.SPEECH, SpeechCommandsV1.LABEL), m);
        assertEquals(List.of("_silence_", "_unknown_", "no", "yes"), task.classes());
        assertEquals(3, task.test().size());
    }

    @Test
    void namesWhatIsMissing(@TempDir Path ds) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SpeechCommandsV1.build(ds));
        assertTrue(e.getMessage().contains("validation_list.txt") && e.getMessage().contains("download"), e.getMessage());
    }
}
