package org.permerge.audio;

import org.permerge.io.AtomicFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads and writes RIFF/WAVE files: integer PCM at 8, 16, 24 and 32 bits, IEEE float at 32 and 64 bits,
 * plain or WAVE_FORMAT_EXTENSIBLE, any channel count.
 *
 * <p>Integer samples are scaled by 1/2^(bits-1) on reading (8-bit data is unsigned, centred on 128), so a
 * full-scale negative sample reads as exactly -1. Writing is atomic: readers never see a half-written file.
 */
public final class Wav {
    private static final int WAVE_FORMAT_PCM = 1;
    private static final int WAVE_FORMAT_IEEE_FLOAT = 3;
    private static final int WAVE_FORMAT_EXTENSIBLE = 0xFFFE;
    /** Bytes 2..15 of the KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT GUIDs (bytes 0..1 hold the format code). */
    private static final byte[] SUBFORMAT_GUID_TAIL = {
        0x00, 0x00, 0x00, 0x00, 0x10, 0x00, (byte) 0x80, 0x00, 0x00, (byte) 0xAA, 0x00, 0x38, (byte) 0x9B, 0x71};

    /** Sample encodings this class reads and writes. */
    public enum Encoding {
        PCM_U8(8, false), PCM_S16(16, false), PCM_S24(24, false), PCM_S32(32, false),
        FLOAT32(32, true), FLOAT64(64, true);

        final int bits;
        final boolean floating;

        Encoding(int bits, boolean floating) {
            this.bits = bits;
            this.floating = floating;
        }

        public int bitsPerSample() {
            return bits;
        }

        public boolean isFloat() {
            return floating;
        }
    }

    private Wav() {}

    /** Reads a WAV file; all channels are kept ({@link Audio#mono()} mixes them down). */
    public static Audio read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new UncheckedIOException("audio file not found: " + file, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return decode(bytes, file.toString());
    }

    /** Decodes WAV bytes; {@code name} is used in error messages. */
    public static Audio decode(byte[] bytes, String name) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 12) {
            throw new AudioFormatException(name + ": truncated RIFF header (" + bytes.length + " bytes, need 12)");
        }
        String riff = fourcc(b, 0);
        if (!riff.equals("RIFF")) {
            String hint = riff.equals("RIFX") ? " (big-endian RIFX is not supported)"
                    : riff.equals("RF64") ? " (RF64 is not supported)" : "";
            // The bytes found are not echoed: the file may be anything (a message must not leak its content).
            throw new AudioFormatException(name + ": not a WAV file: it does not start with 'RIFF'" + hint);
        }
        if (!fourcc(b, 8).equals("WAVE")) {
            throw new AudioFormatException(name + ": RIFF form type is '" + printable(fourcc(b, 8))
                    + "', expected 'WAVE'");
        }
        Format fmt = null;
        int dataOffset = -1;
        long dataSize = -1;
        int pos = 12;
        while (pos + 8 <= bytes.length) {
            String id = fourcc(b, pos);
            long size = Integer.toUnsignedLong(b.getInt(pos + 4));
            int body = pos + 8;
            if (id.equals("fmt ")) {
                if (size > bytes.length - body) {
                    throw new AudioFormatException(name + ": fmt chunk declares " + size + " bytes but only "
                            + (bytes.length - body) + " remain (truncated file)");
                }
                fmt = parseFormat(b, body, (int) size, name);
            } else if (id.equals("data")) {
                if (fmt == null) {
                    throw new AudioFormatException(name + ": data chunk at offset " + pos + " comes before the fmt chunk");
                }
                long remaining = bytes.length - body;
                if (size == 0xFFFFFFFFL) {
                    // streaming writers that cannot seek back leave the size unknown: take what is there
                    size = remaining - remaining % fmt.blockAlign;
                } else if (size > remaining) {
                    throw new AudioFormatException(name + ": data chunk declares " + size + " bytes but only "
                            + remaining + " remain (truncated file)");
                }
                dataOffset = body;
                dataSize = size;
                break;
            }
            long next = body + size + (size & 1);
            if (next > bytes.length) {
                if (next - (size & 1) == bytes.length) break; // missing pad byte after the last chunk: tolerated
                throw new AudioFormatException(name + ": chunk '" + printable(id) + "' at offset " + pos + " declares "
                        + size + " bytes but only " + (bytes.length - body) + " remain (truncated file)");
            }
            pos = (int) next;
        }
        if (fmt == null) throw new AudioFormatException(name + ": no fmt chunk found");
        if (dataOffset < 0) throw new AudioFormatException(name + ": no data chunk found (truncated file?)");
        if (dataSize % fmt.blockAlign != 0) {
            throw new AudioFormatException(name + ": data chunk size " + dataSize + " is not a multiple of the block align "
                    + fmt.blockAlign + " (truncated or corrupt file)");
        }
        long frames = dataSize / fmt.blockAlign;
        if (frames > Integer.MAX_VALUE) throw new AudioFormatException(name + ": too many frames (" + frames + ")");
        return new Audio(decodeSamples(b, dataOffset, (int) frames, fmt), fmt.sampleRate);
    }

    private record Format(int channels, int sampleRate, int blockAlign, Encoding encoding) {}

    private static Format parseFormat(ByteBuffer b, int at, int size, String name) {
        if (size < 16) throw new AudioFormatException(name + ": fmt chunk is " + size + " bytes, need at least 16");
        int tag = b.getShort(at) & 0xFFFF;
        int channels = b.getShort(at + 2) & 0xFFFF;
        long rate = Integer.toUnsignedLong(b.getInt(at + 4));
        int blockAlign = b.getShort(at + 12) & 0xFFFF;
        int bits = b.getShort(at + 14) & 0xFFFF;
        int code = tag;
        if (tag == WAVE_FORMAT_EXTENSIBLE) {
            if (size < 40) {
                throw new AudioFormatException(name + ": fmt chunk of WAVE_FORMAT_EXTENSIBLE is " + size
                        + " bytes, need 40");
            }
            int validBits = b.getShort(at + 18) & 0xFFFF;
            code = b.getShort(at + 24) & 0xFFFF;
            for (int i = 0; i < SUBFORMAT_GUID_TAIL.length; i++) {
                if (b.get(at + 26 + i) != SUBFORMAT_GUID_TAIL[i]) {
                    throw new AudioFormatException(name + ": fmt SubFormat GUID is not a PCM or IEEE-float GUID");
                }
            }
            if (validBits != 0 && validBits != bits && code == WAVE_FORMAT_PCM) {
                // fewer valid bits are stored left-aligned in the container, so reading the full container is exact
                if (validBits > bits) {
                    throw new AudioFormatException(name + ": fmt wValidBitsPerSample " + validBits
                            + " exceeds wBitsPerSample " + bits);
                }
            }
        }
        if (channels == 0) throw new AudioFormatException(name + ": fmt nChannels is 0");
        if (rate < Resampler.MIN_RATE || rate > Resampler.MAX_RATE) {
            throw new AudioFormatException(name + ": fmt nSamplesPerSec " + rate + " is not a usable sample rate (expected "
                    + Resampler.MIN_RATE + " to " + Resampler.MAX_RATE + " Hz)");
        }
        Encoding enc;
        if (code == WAVE_FORMAT_PCM) {
            enc = switch (bits) {
                case 8 -> Encoding.PCM_U8;
                case 16 -> Encoding.PCM_S16;
                case 24 -> Encoding.PCM_S24;
                case 32 -> Encoding.PCM_S32;
                default -> throw new AudioFormatException(name + ": fmt wBitsPerSample " + bits
                        + " not supported for PCM (expected 8, 16, 24 or 32)");
            };
        } else if (code == WAVE_FORMAT_IEEE_FLOAT) {
            enc = switch (bits) {
                case 32 -> Encoding.FLOAT32;
                case 64 -> Encoding.FLOAT64;
                default -> throw new AudioFormatException(name + ": fmt wBitsPerSample " + bits
                        + " not supported for IEEE float (expected 32 or 64)");
            };
        } else {
            throw new AudioFormatException(name + ": fmt wFormatTag 0x" + Integer.toHexString(code)
                    + " not supported (expected PCM 0x1, IEEE float 0x3, or EXTENSIBLE 0xfffe carrying one of them)");
        }
        int expectedAlign = channels * bits / 8;
        if (blockAlign != expectedAlign) {
            throw new AudioFormatException(name + ": fmt nBlockAlign " + blockAlign + " does not match nChannels "
                    + channels + " x wBitsPerSample " + bits + "/8 = " + expectedAlign);
        }
        return new Format(channels, (int) rate, blockAlign, enc);
    }

    private static float[][] decodeSamples(ByteBuffer b, int at, int frames, Format f) {
        int ch = f.channels;
        float[][] out = new float[ch][frames];
        ByteBuffer data = b.duplicate().order(ByteOrder.LITTLE_ENDIAN).position(at).slice().order(ByteOrder.LITTLE_ENDIAN);
        int n = frames * ch;
        // bulk typed views for the common encodings: per-sample ByteBuffer calls dominate reading otherwise
        switch (f.encoding) {
            case PCM_S16 -> {
                short[] v = new short[n];
                data.asShortBuffer().get(v);
                for (int i = 0, p = 0; i < frames; i++) for (int c = 0; c < ch; c++) out[c][i] = v[p++] / 32768f;
            }
            case FLOAT32 -> {
                float[] v = new float[n];
                data.asFloatBuffer().get(v);
                for (int i = 0, p = 0; i < frames; i++) for (int c = 0; c < ch; c++) out[c][i] = v[p++];
            }
            case PCM_S32 -> {
                int[] v = new int[n];
                data.asIntBuffer().get(v);
                for (int i = 0, p = 0; i < frames; i++) for (int c = 0; c < ch; c++) out[c][i] = (float) (v[p++] / 2147483648.0);
            }
            case FLOAT64 -> {
                double[] v = new double[n];
                data.asDoubleBuffer().get(v);
                for (int i = 0, p = 0; i < frames; i++) for (int c = 0; c < ch; c++) out[c][i] = (float) v[p++];
            }
            case PCM_U8 -> {
                for (int i = 0, p = 0; i < frames; i++) for (int c = 0; c < ch; c++) out[c][i] = ((data.get(p++) & 0xFF) - 128) / 128f;
            }
            case PCM_S24 -> {
                for (int i = 0, p = 0; i < frames; i++) {
                    for (int c = 0; c < ch; c++, p += 3) {
                        int v = (data.get(p) & 0xFF) | ((data.get(p + 1) & 0xFF) << 8) | (data.get(p + 2) << 16);
                        out[c][i] = v / 8388608f;
                    }
                }
            }
            default -> throw new IllegalStateException(f.encoding.name());
        }
        return out;
    }

    /** Writes mono audio as 16-bit PCM, atomically. */
    public static void write(Path file, float[] mono, int sampleRate) {
        write(file, Audio.ofMono(mono, sampleRate), Encoding.PCM_S16);
    }

    /**
     * Writes audio in the given encoding, atomically. Integer encodings clip to [-1, 1) and round to nearest;
     * files with more than two channels or more than 16 bits use WAVE_FORMAT_EXTENSIBLE, as the format requires.
     */
    public static void write(Path file, Audio audio, Encoding encoding) {
        byte[] bytes = encode(audio, encoding);
        AtomicFiles.write(file, out -> out.write(bytes));
    }

    /** Encodes audio as the bytes of a WAV file. */
    public static byte[] encode(Audio audio, Encoding enc) {
        int ch = audio.channelCount();
        int frames = audio.frames();
        int bytesPerSample = enc.bits / 8;
        int blockAlign = ch * bytesPerSample;
        long dataSize = (long) frames * blockAlign;
        boolean extensible = ch > 2 || enc.bits > 16;
        int fmtSize = extensible ? 40 : (enc.floating ? 18 : 16);
        boolean fact = enc.floating || extensible; // non-PCM formats carry a fact chunk
        long riffSize = 4 + (8 + fmtSize) + (fact ? 12 : 0) + 8 + dataSize + (dataSize & 1);
        if (riffSize > 0xFFFFFFFFL) throw new IllegalArgumentException("audio too long for a WAV file: " + frames + " frames");
        ByteBuffer b = ByteBuffer.allocate((int) (8 + riffSize)).order(ByteOrder.LITTLE_ENDIAN);
        b.put(ascii("RIFF")).putInt((int) riffSize).put(ascii("WAVE"));
        b.put(ascii("fmt ")).putInt(fmtSize);
        int code = enc.floating ? WAVE_FORMAT_IEEE_FLOAT : WAVE_FORMAT_PCM;
        b.putShort((short) (extensible ? WAVE_FORMAT_EXTENSIBLE : code));
        b.putShort((short) ch).putInt(audio.sampleRate()).putInt(audio.sampleRate() * blockAlign);
        b.putShort((short) blockAlign).putShort((short) enc.bits);
        if (extensible) {
            b.putShort((short) 22).putShort((short) enc.bits).putInt(ch <= 18 ? (1 << ch) - 1 : 0);
            b.putShort((short) code).put(SUBFORMAT_GUID_TAIL);
        } else if (fmtSize == 18) {
            b.putShort((short) 0);
        }
        if (fact) b.put(ascii("fact")).putInt(4).putInt(frames);
        b.put(ascii("data")).putInt((int) dataSize);
        float[][] c = audio.channels();
        if (enc == Encoding.PCM_S16 && ch == 1) {
            short[] v = new short[frames];
            for (int i = 0; i < frames; i++) v[i] = (short) quantize(c[0][i], 32768);
            b.asShortBuffer().put(v);
            b.position(b.position() + 2 * frames);
            if ((dataSize & 1) == 1) b.put((byte) 0);
            return b.array();
        }
        for (int i = 0; i < frames; i++) {
            for (int k = 0; k < ch; k++) {
                float v = c[k][i];
                switch (enc) {
                    case PCM_U8 -> b.put((byte) (quantize(v, 128) + 128));
                    case PCM_S16 -> b.putShort((short) quantize(v, 32768));
                    case PCM_S24 -> {
                        int s = (int) quantize(v, 8388608);
                        b.put((byte) s).put((byte) (s >> 8)).put((byte) (s >> 16));
                    }
                    case PCM_S32 -> b.putInt((int) quantize(v, 2147483648.0));
                    case FLOAT32 -> b.putFloat(v);
                    case FLOAT64 -> b.putDouble(v);
                    default -> throw new IllegalStateException(enc.name());
                }
            }
        }
        if ((dataSize & 1) == 1) b.put((byte) 0);
        return b.array();
    }

    private static long quantize(float v, double fullScale) {
        if (Float.isNaN(v)) throw new IllegalArgumentException("cannot write NaN samples to integer PCM");
        long s = Math.round(v * fullScale);
        long max = (long) fullScale - 1;
        return Math.max(-(long) fullScale, Math.min(max, s));
    }

    private static byte[] ascii(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    private static String fourcc(ByteBuffer b, int at) {
        char[] c = new char[4];
        for (int i = 0; i < 4; i++) c[i] = (char) (b.get(at + i) & 0xFF);
        return new String(c);
    }

    private static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (char ch : s.toCharArray()) {
            if (ch >= 32 && ch < 127) sb.append(ch); else sb.append(String.format("\\x%02x", (int) ch));
        }
        return sb.toString();
    }
}
