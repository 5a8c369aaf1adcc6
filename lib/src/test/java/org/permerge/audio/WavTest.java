package org.permerge.audio;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class WavTest {
    @TempDir
    Path tmp;

    /** Three channels of different content, within (-1, 1). */
    static Audio signal(int channels, int frames, int rate) {
        SplittableRandom r = new SplittableRandom(7);
        float[][] c = new float[channels][frames];
        for (int k = 0; k < channels; k++) {
            for (int i = 0; i < frames; i++) {
                c[k][i] = (float) (0.6 * Math.sin(2 * Math.PI * (220 * (k + 1)) * i / rate) + 0.2 * (r.nextDouble() - 0.5));
            }
        }
        return new Audio(c, rate);
    }

    static double step(Wav.Encoding e) {
        return switch (e) {
            case PCM_U8 -> 1.0 / 128;
            case PCM_S16 -> 1.0 / 32768;
            case PCM_S24 -> 1.0 / 8388608;
            case PCM_S32 -> 1.0 / 2147483648.0;
            case FLOAT32, FLOAT64 -> 0;
        };
    }

    static double maxError(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    @ParameterizedTest
    @EnumSource(Wav.Encoding.class)
    void roundTripsEveryEncodingAndChannelCountWithinHalfAQuantisationStep(Wav.Encoding enc) {
        for (int ch : new int[] {1, 2, 3, 6}) {
            Audio a = signal(ch, 1001, 16000); // odd length exercises the pad byte for 8-bit mono
            Path f = tmp.resolve(enc + "-" + ch + ".wav");
            Wav.write(f, a, enc);
            Audio b = Wav.read(f);
            assertEquals(16000, b.sampleRate());
            assertEquals(ch, b.channelCount());
            for (int k = 0; k < ch; k++) {
                // float32 is exact; integers round to nearest, so at most half a step (plus float rounding)
                assertTrue(maxError(a.channels()[k], b.channels()[k]) <= step(enc) / 2 + 1e-7, enc + " ch" + k);
            }
        }
    }

    @Test
    void monoMixDownAveragesChannels() {
        Audio a = new Audio(new float[][] {{1f, 0f, -0.5f}, {0f, 0.5f, -0.5f}}, 8000);
        assertArrayEquals(new float[] {0.5f, 0.25f, -0.5f}, a.mono(), 0f);
        Audio m = Audio.ofMono(new float[] {0.1f}, 8000);
        assertSame(m.channels()[0], m.mono());
    }

    @Test
    void integerFullScaleMapsToMinusOneAndClipsAbove() {
        Path f = tmp.resolve("clip.wav");
        Wav.write(f, new float[] {-1f, 1f, 2f, -3f, 0.5f}, 16000);
        float[] back = Wav.read(f).mono();
        assertArrayEquals(new float[] {-1f, 32767 / 32768f, 32767 / 32768f, -1f, 0.5f}, back, 0f);
    }

    @Test
    void writeIsAtomicAndLeavesNoTemporaryFiles() throws Exception {
        Path f = tmp.resolve("a.wav");
        Wav.write(f, new float[100], 16000);
        Wav.write(f, new float[50], 16000);
        assertEquals(50, Wav.read(f).frames());
        try (var s = Files.list(tmp)) {
            assertEquals(List.of("a.wav"), s.map(p -> p.getFileName().toString()).toList());
        }
    }

    /** sox writes each encoding itself (no dither), so this checks the reader against an independent writer. */
    @ParameterizedTest
    @CsvSource({
        "-b 8 -e unsigned-integer, PCM_U8, 1",
        "-b 16 -e signed-integer, PCM_S16, 1",
        "-b 24 -e signed-integer, PCM_S24, 1",
        "-b 32 -e signed-integer, PCM_S32, 1",
        "-b 32 -e floating-point, FLOAT32, 1",
        "-b 64 -e floating-point, FLOAT64, 1",
        "-b 16 -e signed-integer, PCM_S16, 2",
        "-b 24 -e signed-integer, PCM_S24, 4",
        "-b 32 -e floating-point, FLOAT32, 3",
    })
    void readsFilesWrittenBySox(String soxArgs, Wav.Encoding enc, int channels) throws Exception {
        Audio a = signal(channels, 2000, 22050);
        Path src = tmp.resolve("src.wav");
        Wav.write(src, a, Wav.Encoding.FLOAT32);
        Path out = tmp.resolve("sox.wav");
        List<String> args = new ArrayList<>(List.of("-D", "-V1", src.toString()));
        args.addAll(Arrays.asList(soxArgs.split(" ")));
        args.add(out.toString());
        ExternalTool.SOX.run(args, null);
        Audio b = Wav.read(out);
        assertEquals(22050, b.sampleRate());
        assertEquals(channels, b.channelCount());
        byte[] raw = Files.readAllBytes(out);
        int tag = ByteBuffer.wrap(raw, 20, 2).order(ByteOrder.LITTLE_ENDIAN).getShort() & 0xFFFF;
        // sox writes integer PCM above 16 bits or 2 channels as WAVE_FORMAT_EXTENSIBLE, float with tag 3
        assertEquals(!enc.isFloat() && (channels > 2 || enc.bitsPerSample() > 16) ? 0xFFFE : enc.isFloat() ? 3 : 1, tag);
        for (int k = 0; k < channels; k++) {
            // sox and this reader may round differently by one step; allow a full step
            assertTrue(maxError(a.channels()[k], b.channels()[k]) <= step(enc) + 1e-7, soxArgs + " ch" + k);
        }
        // and sox reads what this class writes: convert ours to raw float and compare
        Path ours = tmp.resolve("ours.wav");
        Wav.write(ours, b, enc);
        Path raw32 = tmp.resolve("ours.f32");
        ExternalTool.SOX.run(List.of("-D", "-V1", ours.toString(), "-t", "raw", "-e", "floating-point", "-b", "32",
                "-L", raw32.toString()), null);
        ByteBuffer rb = ByteBuffer.wrap(Files.readAllBytes(raw32)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(2000L * channels * 4, rb.capacity());
        for (int i = 0; i < 2000; i++) {
            for (int k = 0; k < channels; k++) {
                assertEquals(b.channels()[k][i], rb.getFloat(), step(enc) + 1e-7, "sample " + i + " ch " + k);
            }
        }
    }

    private static byte[] valid() {
        return Wav.encode(Audio.ofMono(new float[] {0.1f, -0.2f, 0.3f, 0.4f}, 16000), Wav.Encoding.PCM_S16);
    }

    private static byte[] with(byte[] src, int offset, int... values) {
        byte[] b = src.clone();
        for (int i = 0; i < values.length; i++) b[offset + i] = (byte) values[i];
        return b;
    }

    private static String error(byte[] bytes) {
        return assertThrows(AudioFormatException.class, () -> Wav.decode(bytes, "bad.wav")).getMessage();
    }

    @Test
    void corruptAndUnsupportedFilesNameTheFileAndField() {
        byte[] ok = valid();
        assertEquals(4, Wav.decode(ok, "ok.wav").frames());
        String m = error(with(ok, 0, 'R', 'I', 'F', 'X'));
        assertTrue(m.contains("bad.wav") && m.contains("RIFX"), m);
        m = error(with(ok, 8, 'A', 'V', 'I', ' '));
        assertTrue(m.contains("form type") && m.contains("AVI"), m);
        m = error(with(ok, 20, 0x55, 0)); // MPEG layer 3 format tag
        assertTrue(m.contains("wFormatTag 0x55"), m);
        m = error(with(ok, 34, 12, 0)); // 12 bits per sample
        assertTrue(m.contains("wBitsPerSample 12"), m);
        m = error(with(ok, 32, 3, 0)); // block align 3 for 16-bit mono
        assertTrue(m.contains("nBlockAlign 3"), m);
        m = error(with(ok, 22, 0, 0)); // no channels
        assertTrue(m.contains("nChannels is 0"), m);
        m = error(with(ok, 24, 0, 0, 0, 0));
        assertTrue(m.contains("nSamplesPerSec 0"), m);
        m = error(Arrays.copyOf(ok, ok.length - 3)); // truncated data
        assertTrue(m.contains("data chunk declares 8 bytes but only 5 remain"), m);
        m = error(Arrays.copyOf(ok, 8));
        assertTrue(m.contains("truncated RIFF header"), m);
        m = error(Arrays.copyOf(ok, 36)); // header without data chunk
        assertTrue(m.contains("no data chunk"), m);
        m = error(with(ok, 40, 7, 0, 0, 0)); // data size not a whole number of frames
        assertTrue(m.contains("not a multiple of the block align 2"), m);
        byte[] ext = Wav.encode(Audio.ofMono(new float[] {0.5f}, 16000), Wav.Encoding.PCM_S24);
        m = error(with(ext, 47, 0x11)); // corrupt SubFormat GUID tail
        assertTrue(m.contains("SubFormat GUID"), m);
    }

    @Test
    void aFileClaimingAnAbsurdSampleRateIsRefusedByNameBeforeAnyResampling() throws Exception {
        byte[] ok = valid();
        String m = error(with(ok, 24, 1, 0, 0, 0)); // 1 Hz
        assertTrue(m.contains("bad.wav") && m.contains("nSamplesPerSec 1 is not a usable sample rate (expected "
                + Resampler.MIN_RATE + " to " + Resampler.MAX_RATE + " Hz)"), m);
        m = error(with(ok, 24, 0xFF, 0xFF, 0xFF, 0x7F)); // 2^31 - 1 Hz
        assertTrue(m.contains("nSamplesPerSec 2147483647"), m);
        Path f = tmp.resolve("one-hertz.wav");
        java.nio.file.Files.write(f, with(ok, 24, 1, 0, 0, 0));
        byte[] before = java.nio.file.Files.readAllBytes(f);
        assertThrows(AudioFormatException.class, () -> Wav.read(f));
        assertArrayEquals(before, java.nio.file.Files.readAllBytes(f), "the file is left as it was");
    }

    @Test
    void skipsUnknownChunksAndAcceptsUnknownStreamingDataSize() {
        byte[] ok = valid();
        // insert a LIST chunk of odd size (with pad byte) between fmt and data
        byte[] list = {'L', 'I', 'S', 'T', 3, 0, 0, 0, 'a', 'b', 'c', 0};
        byte[] withList = new byte[ok.length + list.length];
        System.arraycopy(ok, 0, withList, 0, 36);
        System.arraycopy(list, 0, withList, 36, list.length);
        System.arraycopy(ok, 36, withList, 36 + list.length, ok.length - 36);
        assertArrayEquals(Wav.decode(ok, "a").mono(), Wav.decode(withList, "b").mono(), 0f);
        byte[] streaming = with(ok, 40, 0xFF, 0xFF, 0xFF, 0xFF);
        assertEquals(4, Wav.decode(streaming, "s").frames());
    }

    @Test
    void missingFileNamesThePath() {
        Path f = tmp.resolve("nope.wav");
        Exception e = assertThrows(java.io.UncheckedIOException.class, () -> Wav.read(f));
        assertTrue(e.getMessage().contains("nope.wav"));
    }
}
