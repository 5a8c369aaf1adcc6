package org.permerge.audio.corpus;

import org.permerge.io.AtomicFiles;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A Standard MIDI File (format 0, one track) written from timed events. Times are in seconds: the file uses
 * {@link #TICKS_PER_SECOND} ticks per second (960 ticks per quarter at 60 bpm), so a slice of the rendered audio
 * can be cut at known times.
 */
public final class MidiFile {
    public static final int TICKS_PER_SECOND = 960;
    private static final int MICROSECONDS_PER_QUARTER = 1_000_000;

    private record Event(long tick, int order, long seq, byte[] bytes) {}

    private final List<Event> events = new ArrayList<>();
    private long seq;

    /** Converts seconds to ticks (rounded to nearest). */
    public static long ticks(double seconds) {
        if (seconds < 0) throw new IllegalArgumentException("negative event time " + seconds);
        return Math.round(seconds * TICKS_PER_SECOND);
    }

    private MidiFile add(double seconds, int order, int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) b[i] = (byte) bytes[i];
        events.add(new Event(ticks(seconds), order, seq++, b));
        return this;
    }

    private static int check(String what, int v, int lo, int hi) {
        if (v < lo || v > hi) throw new IllegalArgumentException(what + " " + v + " outside [" + lo + ", " + hi + "]");
        return v;
    }

    public MidiFile programChange(double t, int channel, int program) {
        return add(t, 0, 0xC0 | check("channel", channel, 0, 15), check("program", program, 0, 127));
    }

    public MidiFile controlChange(double t, int channel, int controller, int value) {
        return add(t, 0, 0xB0 | check("channel", channel, 0, 15), check("controller", controller, 0, 127),
                check("value", value, 0, 127));
    }

    /** Pitch bend, 14-bit value with 8192 = no bend. */
    public MidiFile pitchBend(double t, int channel, int value) {
        check("pitch bend", value, 0, 16383);
        return add(t, 0, 0xE0 | check("channel", channel, 0, 15), value & 0x7F, value >> 7);
    }

    public MidiFile noteOn(double t, int channel, int key, int velocity) {
        return add(t, 2, 0x90 | check("channel", channel, 0, 15), check("key", key, 0, 127), check("velocity", velocity, 1, 127));
    }

    public MidiFile noteOff(double t, int channel, int key) {
        // note-offs sort before note-ons at the same tick so a repeated key restarts cleanly
        return add(t, 1, 0x80 | check("channel", channel, 0, 15), check("key", key, 0, 127), 0);
    }

    /** A note from {@code t} for {@code duration} seconds. */
    public MidiFile note(double t, double duration, int channel, int key, int velocity) {
        noteOn(t, channel, key, velocity);
        return noteOff(t + Math.max(duration, 1.0 / TICKS_PER_SECOND), channel, key);
    }

    /** All Sound Off (CC 120) and Reset All Controllers (CC 121) on a channel: cuts release tails. */
    public MidiFile silence(double t, int channel) {
        add(t, 3, 0xB0 | channel, 120, 0);
        return add(t, 3, 0xB0 | channel, 121, 0);
    }

    /** The file's bytes. */
    public byte[] toBytes() {
        List<Event> sorted = new ArrayList<>(events);
        sorted.sort(Comparator.comparingLong(Event::tick).thenComparingInt(Event::order).thenComparingLong(Event::seq));
        ByteArrayOutputStream track = new ByteArrayOutputStream();
        // tempo meta event: one quarter per second, so ticks per quarter = ticks per second
        int us = MICROSECONDS_PER_QUARTER;
        track.writeBytes(new byte[] {0, (byte) 0xFF, 0x51, 3, (byte) (us >> 16), (byte) (us >> 8), (byte) us});
        long last = 0;
        for (Event e : sorted) {
            writeVarLen(track, e.tick() - last);
            track.writeBytes(e.bytes());
            last = e.tick();
        }
        track.writeBytes(new byte[] {0, (byte) 0xFF, 0x2F, 0});
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.writeBytes(new byte[] {'M', 'T', 'h', 'd', 0, 0, 0, 6, 0, 0, 0, 1,
            (byte) (TICKS_PER_SECOND >> 8), (byte) TICKS_PER_SECOND});
        file.writeBytes(new byte[] {'M', 'T', 'r', 'k'});
        int n = track.size();
        file.writeBytes(new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
        file.writeBytes(track.toByteArray());
        return file.toByteArray();
    }

    public void write(Path file) {
        byte[] b = toBytes();
        AtomicFiles.write(file, o -> o.write(b));
    }

    private static void writeVarLen(ByteArrayOutputStream out, long v) {
        if (v < 0 || v > 0x0FFFFFFF) throw new IllegalArgumentException("delta time " + v + " out of range");
        int[] groups = new int[4];
        int n = 0;
        do {
            groups[n++] = (int) (v & 0x7F);
            v >>>= 7;
        } while (v > 0);
        for (int i = n - 1; i >= 0; i--) out.write(groups[i] | (i > 0 ? 0x80 : 0));
    }
}
