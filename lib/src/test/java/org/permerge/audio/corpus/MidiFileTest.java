package org.permerge.audio.corpus;

import org.junit.jupiter.api.Test;

import javax.sound.midi.MidiEvent;
import javax.sound.midi.MidiSystem;
import javax.sound.midi.Sequence;
import javax.sound.midi.ShortMessage;
import javax.sound.midi.Track;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The JDK's own MIDI file reader (javax.sound.midi) parses what MidiFile writes. */
class MidiFileTest {
    @Test
    void jdkReaderSeesEveryEventAtItsTime() throws Exception {
        MidiFile m = new MidiFile();
        m.programChange(0.0, 3, 40);
        m.pitchBend(0.0, 3, 8192 + 1000);
        m.note(0.5, 0.25, 3, 60, 100);
        m.note(0.5, 1.0, 3, 64, 90);
        m.note(200.0, 0.1, 10, 127, 1); // a long delta needs a multi-byte variable-length quantity
        m.silence(201.0, 3);
        Sequence s = MidiSystem.getSequence(new ByteArrayInputStream(m.toBytes()));
        assertEquals(Sequence.PPQ, s.getDivisionType());
        assertEquals(MidiFile.TICKS_PER_SECOND, s.getResolution());
        assertEquals(1, s.getTracks().length);
        Track t = s.getTracks()[0];
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < t.size(); i++) {
            MidiEvent e = t.get(i);
            if (e.getMessage() instanceof ShortMessage sm) {
                seen.add(e.getTick() + ":" + sm.getCommand() + ":" + sm.getChannel() + ":" + sm.getData1() + ":" + sm.getData2());
            } else if (e.getMessage().getStatus() == 0xFF && e.getMessage().getMessage()[1] == 0x51) {
                byte[] b = e.getMessage().getMessage();
                assertEquals(1_000_000, ((b[3] & 0xFF) << 16) | ((b[4] & 0xFF) << 8) | (b[5] & 0xFF), "one quarter per second");
            }
        }
        assertEquals(List.of(
                "0:192:3:40:0", "0:224:3:104:71", // 9192 = 71 * 128 + 104
                "480:144:3:60:100", "480:144:3:64:90",
                "720:128:3:60:0", "1440:128:3:64:0",
                "192000:144:10:127:1", "192096:128:10:127:0",
                "192960:176:3:120:0", "192960:176:3:121:0"), seen);
        assertEquals(201.0, s.getMicrosecondLength() / 1e6, 0.01);
    }

    @Test
    void noteOffsSortBeforeNoteOnsAtTheSameTick() throws Exception {
        MidiFile m = new MidiFile();
        m.note(1.0, 1.0, 0, 60, 80);
        m.note(0.0, 1.0, 0, 60, 80); // ends exactly when the next one starts
        Track t = MidiSystem.getSequence(new ByteArrayInputStream(m.toBytes())).getTracks()[0];
        ShortMessage a = (ShortMessage) t.get(2).getMessage();
        ShortMessage b = (ShortMessage) t.get(3).getMessage();
        assertEquals(960, t.get(2).getTick());
        assertEquals(ShortMessage.NOTE_OFF, a.getCommand());
        assertEquals(ShortMessage.NOTE_ON, b.getCommand());
    }

    @Test
    void outOfRangeValuesAreNamed() {
        MidiFile m = new MidiFile();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> m.noteOn(0, 16, 60, 1)).getMessage().contains("channel 16"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> m.noteOn(0, 0, 128, 1)).getMessage().contains("key 128"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> m.noteOn(-1, 0, 60, 1)).getMessage().contains("negative"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> m.pitchBend(0, 0, 16384)).getMessage().contains("pitch bend"));
    }
}
