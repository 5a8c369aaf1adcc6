package org.permerge.checkpoint;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;

import org.permerge.io.AtomicFiles;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads and writes the safetensors format: an 8-byte little-endian header length, a JSON header
 * mapping names to dtype/shape/offsets, then the raw data. The header is validated before any offset is
 * trusted, and tensors are memory-mapped so only what is used is read. Writes are atomic.
 */
public final class SafeTensors {
    /** Largest header accepted; real headers of 1000-tensor checkpoints are ~100 KB. */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private SafeTensors() {}

    /** One header entry, validated. */
    record Entry(String name, DType dtype, long[] shape, long begin, long end) {}

    /** Reads every tensor of a file (memory-mapped) with the header's metadata. */
    public static StateDict read(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw bad(file, "file is " + size + " bytes, shorter than the 8-byte header length");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.getLong(0);
            if (headerLen < 2 || headerLen > MAX_HEADER_BYTES) {
                throw bad(file, "header length " + headerLen + " is absurd (expected 2.." + MAX_HEADER_BYTES + ")");
            }
            if (headerLen > size - 8) {
                throw bad(file, "header length " + headerLen + " runs past the end of the " + size + "-byte file");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, 8);
            String json = StandardCharsets.UTF_8.newDecoder()
                    .decode(hb.flip()).toString();
            Map<String, String> metadata = new LinkedHashMap<>();
            List<Entry> entries = parseHeader(file, json, metadata);
            long dataStart = 8 + headerLen;
            long dataSize = size - dataStart;
            validateLayout(file, entries, dataSize);
            StateDict sd = new StateDict();
            sd.metadata().putAll(metadata);
            for (Entry e : entries) {
                long len = e.end - e.begin;
                if (len > Integer.MAX_VALUE - 16) {
                    throw bad(file, "tensor '" + e.name + "' is " + len + " bytes; tensors above 2 GB are not supported");
                }
                ByteBuffer buf = len == 0 ? ByteBuffer.allocate(0)
                        : ch.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin, len);
                sd.put(e.name, new Tensor(e.dtype, e.shape, buf));
            }
            return sd;
        } catch (java.nio.charset.CharacterCodingException e) {
            throw bad(file, "header is not valid UTF-8");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read safetensors file " + file + ": " + e.getMessage(), e);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos + buf.position());
            if (n < 0) throw new IOException("unexpected end of file");
        }
    }

    private static CheckpointFormatException bad(Path file, String what) {
        return new CheckpointFormatException("safetensors file " + file + ": " + what);
    }

    static List<Entry> parseHeader(Path file, String json, Map<String, String> metadata) {
        List<Entry> entries = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        try (JsonReader r = new JsonReader(new StringReader(json))) {
            r.setStrictness(com.google.gson.Strictness.STRICT);
            if (json.isEmpty() || json.charAt(0) != '{') throw bad(file, "header does not start with '{'");
            if (r.peek() != JsonToken.BEGIN_OBJECT) throw bad(file, "header is not a JSON object");
            r.beginObject();
            while (r.hasNext()) {
                String name = r.nextName();
                if (!seen.add(name)) throw bad(file, "duplicate tensor name '" + name + "' in header");
                if (name.equals("__metadata__")) {
                    if (r.peek() != JsonToken.BEGIN_OBJECT) throw bad(file, "__metadata__ is not an object");
                    r.beginObject();
                    while (r.hasNext()) {
                        String k = r.nextName();
                        if (r.peek() != JsonToken.STRING) throw bad(file, "__metadata__ value of '" + k + "' is not a string");
                        if (metadata.put(k, r.nextString()) != null) throw bad(file, "duplicate __metadata__ key '" + k + "'");
                    }
                    r.endObject();
                    continue;
                }
                entries.add(parseEntry(file, name, r));
            }
            r.endObject();
            if (r.peek() != JsonToken.END_DOCUMENT) throw bad(file, "trailing data after the header object");
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            throw bad(file, "header is not valid JSON: " + e.getMessage());
        }
        return entries;
    }

    private static Entry parseEntry(Path file, String name, JsonReader r) throws IOException {
        if (r.peek() != JsonToken.BEGIN_OBJECT) throw bad(file, "tensor '" + name + "': entry is not an object");
        DType dtype = null;
        long[] shape = null;
        long[] offsets = null;
        Set<String> fields = new HashSet<>();
        r.beginObject();
        while (r.hasNext()) {
            String key = r.nextName();
            if (!fields.add(key)) throw bad(file, "tensor '" + name + "': field '" + key + "' appears twice");
            switch (key) {
                case "dtype" -> {
                    if (r.peek() != JsonToken.STRING) throw bad(file, "tensor '" + name + "': dtype is not a string");
                    String d = r.nextString();
                    try {
                        dtype = DType.fromSafetensors(d);
                    } catch (CheckpointFormatException e) {
                        throw bad(file, "tensor '" + name + "': " + e.getMessage());
                    }
                }
                case "shape" -> shape = longArray(file, name, "shape", r, -1);
                case "data_offsets" -> offsets = longArray(file, name, "data_offsets", r, 2);
                default -> throw bad(file, "tensor '" + name + "': unknown header field '" + key + "'");
            }
        }
        r.endObject();
        if (dtype == null || shape == null || offsets == null) {
            throw bad(file, "tensor '" + name + "': entry needs dtype, shape and data_offsets");
        }
        long numel;
        try {
            numel = Tensor.numel(shape);
            long bytes = Math.multiplyExact(numel, dtype.byteSize());
            if (offsets[1] < offsets[0]) {
                throw bad(file, "tensor '" + name + "': data_offsets end " + offsets[1] + " before begin " + offsets[0]);
            }
            if (offsets[1] - offsets[0] != bytes) {
                throw bad(file, "tensor '" + name + "': byte length " + (offsets[1] - offsets[0]) + " != shape "
                        + Arrays.toString(shape) + " x " + dtype.byteSize() + " bytes = " + bytes);
            }
        } catch (ArithmeticException e) {
            throw bad(file, "tensor '" + name + "': shape " + Arrays.toString(shape) + " overflows");
        } catch (CheckpointFormatException e) {
            if (e.getMessage().startsWith("safetensors file")) throw e;
            throw bad(file, "tensor '" + name + "': " + e.getMessage());
        }
        return new Entry(name, dtype, shape, offsets[0], offsets[1]);
    }

    private static long[] longArray(Path file, String name, String field, JsonReader r, int expectedLen) throws IOException {
        if (r.peek() != JsonToken.BEGIN_ARRAY) throw bad(file, "tensor '" + name + "': " + field + " is not an array");
        List<Long> vals = new ArrayList<>();
        r.beginArray();
        while (r.hasNext()) {
            if (r.peek() != JsonToken.NUMBER) throw bad(file, "tensor '" + name + "': " + field + " holds a non-number");
            String s = r.nextString();
            long v;
            try {
                v = Long.parseLong(s);
            } catch (NumberFormatException e) {
                throw bad(file, "tensor '" + name + "': " + field + " value '" + s + "' is not a non-negative integer");
            }
            if (v < 0) throw bad(file, "tensor '" + name + "': " + field + " value " + v + " is negative");
            if (vals.size() > 64) throw bad(file, "tensor '" + name + "': " + field + " has too many entries");
            vals.add(v);
        }
        r.endArray();
        if (expectedLen >= 0 && vals.size() != expectedLen) {
            throw bad(file, "tensor '" + name + "': " + field + " has " + vals.size() + " entries, expected " + expectedLen);
        }
        return vals.stream().mapToLong(Long::longValue).toArray();
    }

    /** Offsets must tile the data area exactly: in order, without gaps or overlaps, ending at its end. */
    private static void validateLayout(Path file, List<Entry> entries, long dataSize) {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expected = 0;
        for (Entry e : sorted) {
            if (e.begin != expected) {
                throw bad(file, "tensor '" + e.name + "': data begins at " + e.begin + ", expected " + expected
                        + (e.begin < expected ? " (overlaps the previous tensor)" : " (gap before it)"));
            }
            if (e.end > dataSize) {
                throw bad(file, "tensor '" + e.name + "': data ends at " + e.end + ", beyond the " + dataSize
                        + "-byte data area (file truncated?)");
            }
            expected = e.end;
        }
        if (expected != dataSize) {
            throw bad(file, "data area is " + dataSize + " bytes but tensors cover " + expected);
        }
    }

    /**
     * Writes a state dict atomically (temporary file in the same folder, then a move).
     * The metadata always carries "format": "pt", which transformers requires.
     */
    public static void write(Path file, StateDict sd) {
        Map<String, String> meta = new LinkedHashMap<>(sd.metadata());
        meta.putIfAbsent("format", "pt");
        String header = header(sd, meta);
        byte[] hb = header.getBytes(StandardCharsets.UTF_8);
        int pad = (8 - hb.length % 8) % 8;
        byte[] padded = Arrays.copyOf(hb, hb.length + pad);
        Arrays.fill(padded, hb.length, padded.length, (byte) ' ');
        AtomicFiles.write(file, out -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, padded.length);
            out.write(len.array());
            out.write(padded);
            WritableByteChannel ch = java.nio.channels.Channels.newChannel(out);
            for (Tensor t : sd.tensors().values()) {
                ByteBuffer b = t.bytes();
                while (b.hasRemaining()) ch.write(b);
            }
        });
    }

    private static String header(StateDict sd, Map<String, String> meta) {
        StringWriter sw = new StringWriter();
        try (JsonWriter w = new JsonWriter(sw)) {
            w.beginObject();
            w.name("__metadata__").beginObject();
            for (Map.Entry<String, String> m : meta.entrySet()) w.name(m.getKey()).value(m.getValue());
            w.endObject();
            long offset = 0;
            for (Map.Entry<String, Tensor> e : sd.tensors().entrySet()) {
                Tensor t = e.getValue();
                long bytes = t.numel() * t.dtype().byteSize();
                w.name(e.getKey()).beginObject();
                w.name("dtype").value(t.dtype().safetensorsName());
                w.name("shape").beginArray();
                for (long d : t.shape()) w.value(d);
                w.endArray();
                w.name("data_offsets").beginArray().value(offset).value(offset + bytes).endArray();
                w.endObject();
                offset += bytes;
            }
            w.endObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sw.toString();
    }
}
