package org.permerge.extract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.permerge.audio.Manifest;
import org.permerge.model.EncoderCheckpoint;
import org.permerge.testing.Fixtures;

class ClipTableTest {

    @Test
    void framesAndSecondsOfWaveforms() {
        var config = EncoderCheckpoint.load(Fixtures.hubert("hubert-tiny-base")).config();
        var t = ClipTable.of("calibration clips", "reference", List.of(new float[4000], new float[16000]), 16000, config);
        assertEquals(2, t.rowCount());
        assertEquals("reference-1", t.stringColumn("clip").get(1));
        assertEquals(0.25, t.doubleColumn("seconds").get(0));
        // the conv stack of the HuBERT layout: 400-sample receptive field, hop 320
        assertEquals((4000 - 400) / 320 + 1, t.intColumn("frames").get(0));
        assertEquals(config.framesFor(16000), t.intColumn("frames").get(1));
        assertThrows(IllegalArgumentException.class, () -> ClipTable.of("x", "r", List.of(new float[1]), 0, config));
    }

    @Test
    void manifestClipsWithWhatGeneratedThem() {
        Path root = Path.of("/p/project");
        var speech = new Manifest.Clip("speech-0001", "audio/speech-0001.wav", 1.5, 16000, Map.of(), "calibration", Map.of(),
                Map.of("word", "seven"), "00", root.resolve(".cache/corpora/speech"));
        var music = new Manifest.Clip("music-0002", "music-0002.wav", 2.0, 16000, Map.of(), "calibration", Map.of(),
                Map.of("instrument", "cello"), "00", Path.of("/elsewhere"));
        var t = ClipTable.of("calibration clips", Manifest.of(Map.of(), List.of(speech, music), root), root);
        assertEquals(List.of("speech", "music"), t.stringColumn("corpus").asList());
        assertEquals(List.of("seven", "cello"), t.stringColumn("generated from").asList());
        assertEquals(".cache/corpora/speech/audio/speech-0001.wav", t.stringColumn("file").get(0));
        assertEquals("/elsewhere/music-0002.wav", t.stringColumn("file").get(1));
    }
}
