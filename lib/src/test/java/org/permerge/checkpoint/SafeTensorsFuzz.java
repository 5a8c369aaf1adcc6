package org.permerge.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Feeds {@link SafeTensors#read} thousands of mutated and truncated files derived from a valid one, touching every
 * header field, and fails (exit status 1) on anything but a {@link CheckpointFormatException} or a clean read.
 * Run as its own JVM with a small heap ({@code -Xmx64m}) by {@link SafeTensorsFuzzTest}, so an attempt to allocate
 * what a hostile header declares shows up as an OutOfMemoryError instead of passing unnoticed in a big test heap.
 * Arguments: seed, number of cases, scratch folder.
 */
public final class SafeTensorsFuzz {
    private static final String[] DTYPES = {"F64", "F32", "F16", "BF16", "I64", "I32", "I16", "I8", "U8", "BOOL"};

    /** One tensor of the seed file, kept as header fields so each can be mutated on its own. */
    private static final class Spec {
        String name;
        String dtype;
        String shape;
        String offsets;
        String extra = "";
    }

    private final Random rnd;
    private final byte[] data;
    private final List<Spec> specs = new ArrayList<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    private SafeTensorsFuzz(long seed) {
        rnd = new Random(seed);
        // One tensor per dtype, with shapes of rank 0..3, including an empty one.
        long[][] shapes = {{3, 2}, {5}, {2, 2, 2}, {4}, {}, {3}, {1, 0}, {7}, {2, 3}, {6}};
        int off = 0;
        for (int i = 0; i < DTYPES.length; i++) {
            Spec s = new Spec();
            s.name = "layer." + i + ".w";
            s.dtype = DTYPES[i];
            s.shape = Arrays.toString(shapes[i]).replace(" ", "");
            int bytes = (int) Tensor.numel(shapes[i]) * DType.valueOf(DTYPES[i]).byteSize();
            s.offsets = "[" + off + "," + (off + bytes) + "]";
            off += bytes;
            specs.add(s);
        }
        data = new byte[off];
        rnd.nextBytes(data);
        metadata.put("format", "\"pt\"");
        metadata.put("note", "\"seed file\"");
    }

    private String header(List<Spec> list, Map<String, String> meta, boolean duplicateFirst) {
        StringBuilder sb = new StringBuilder("{");
        if (meta != null) {
            sb.append("\"__metadata__\":{");
            int i = 0;
            for (Map.Entry<String, String> m : meta.entrySet()) sb.append(i++ > 0 ? "," : "").append('"').append(m.getKey()).append("\":").append(m.getValue());
            sb.append("}");
        }
        List<Spec> all = new ArrayList<>(list);
        if (duplicateFirst && !all.isEmpty()) all.add(all.get(0));
        for (Spec s : all) {
            if (sb.length() > 1) sb.append(',');
            sb.append('"').append(s.name).append("\":{\"dtype\":").append(s.dtype.startsWith("!") ? s.dtype.substring(1) : "\"" + s.dtype + "\"")
                    .append(",\"shape\":").append(s.shape).append(",\"data_offsets\":").append(s.offsets).append(s.extra).append('}');
        }
        return sb.append('}').toString();
    }

    private static byte[] file(String header, long declaredLength, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredLength < 0 ? h.length : declaredLength).put(h).put(data);
        return b.array();
    }

    private Spec copy(Spec s) {
        Spec c = new Spec();
        c.name = s.name;
        c.dtype = s.dtype;
        c.shape = s.shape;
        c.offsets = s.offsets;
        c.extra = s.extra;
        return c;
    }

    private String pick(String... options) {
        return options[rnd.nextInt(options.length)];
    }

    private String weirdNumber() {
        return pick("-1", "0", "1", "7", "4294967296", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
                "1e3", "2.5", "\"3\"", "null", "true", "[]", "{}", "1" + "0".repeat(40), String.valueOf(rnd.nextInt(200)),
                String.valueOf(1L << (32 + rnd.nextInt(31))));
    }

    /** One structured mutation of one header field, or a byte-level mutation of the whole file. */
    byte[] mutate(int k) {
        List<Spec> list = new ArrayList<>();
        for (Spec s : specs) list.add(copy(s));
        Map<String, String> meta = new LinkedHashMap<>(metadata);
        boolean dup = false;
        long declared = -1;
        byte[] d = data;
        Spec t = list.get(rnd.nextInt(list.size()));
        switch (k % 12) {
            case 0 -> t.dtype = rnd.nextBoolean() ? pick(DTYPES) : pick("f32", "F8", "", "FLOAT", "U16", "F32 ", "!null", "!3", "![\"F32\"]", "!{}");
            case 1 -> { // shape
                String[] dims = t.shape.replaceAll("[\\[\\]]", "").split(",");
                List<String> l = new ArrayList<>(Arrays.asList(dims));
                if (l.size() == 1 && l.get(0).isEmpty()) l.clear();
                switch (rnd.nextInt(6)) {
                    case 0 -> l.add(weirdNumber());
                    case 1 -> { if (!l.isEmpty()) l.remove(rnd.nextInt(l.size())); }
                    case 2 -> { if (!l.isEmpty()) l.set(rnd.nextInt(l.size()), weirdNumber()); }
                    case 3 -> { for (int i = 0; i < 70; i++) l.add("1"); }
                    case 4 -> { l.clear(); l.add("3037000500"); l.add("3037000500"); l.add("3037000500"); }
                    default -> { t.shape = pick("null", "3", "\"[3]\"", "{}", "[[3]]", "[3,]", "[", "[-0]"); return file(header(list, meta, dup), declared, d); }
                }
                t.shape = "[" + String.join(",", l) + "]";
            }
            case 2 -> { // data_offsets
                String[] o = t.offsets.replaceAll("[\\[\\]]", "").split(",");
                switch (rnd.nextInt(6)) {
                    case 0 -> o[rnd.nextInt(2)] = weirdNumber();
                    case 1 -> { String x = o[0]; o[0] = o[1]; o[1] = x; }
                    case 2 -> { int i = rnd.nextInt(2); o[i] = String.valueOf(Long.parseLong(o[i]) + rnd.nextInt(9) - 4); }
                    case 3 -> o = new String[] {o[0]};
                    case 4 -> o = new String[] {o[0], o[1], "0"};
                    default -> { Spec other = list.get(rnd.nextInt(list.size())); t.offsets = other.offsets; return file(header(list, meta, dup), declared, d); }
                }
                t.offsets = "[" + String.join(",", o) + "]";
            }
            case 3 -> { // names
                switch (rnd.nextInt(5)) {
                    case 0 -> dup = true;
                    case 1 -> t.name = list.get(rnd.nextInt(list.size())).name;
                    case 2 -> t.name = pick("", "__metadata__", "\\u0000", "ü.weight", "\\\"", "a\\nb");
                    case 3 -> t.name = "x".repeat(1 + rnd.nextInt(5000));
                    default -> t.name = t.name + "\\ud800"; // a lone surrogate
                }
            }
            case 4 -> { // metadata
                switch (rnd.nextInt(7)) {
                    case 0 -> meta = null;
                    case 1 -> meta.put("format", weirdNumber());
                    case 2 -> meta.put("nested", "{\"a\":\"b\"}");
                    case 3 -> meta.put("list", "[\"a\"]");
                    case 4 -> meta.clear();
                    case 5 -> { meta.clear(); meta.put("format", "\"pt\",\"format\":\"pt\""); }
                    default -> meta.put("big", "\"" + "m".repeat(rnd.nextInt(20000)) + "\"");
                }
            }
            case 5 -> t.extra = pick(",\"dtype\":\"F32\"", ",\"extra\":1", ",\"shape\":[1]", ",\"data_offsets\":[0,0]", ",", ",\"x\":{}");
            case 6 -> { // the length prefix
                int hl = header(list, meta, dup).getBytes(StandardCharsets.UTF_8).length;
                long[] choices = {0, 1, 2, hl - 1, hl + 1, hl + d.length, hl + d.length + 1, -1L >>> 1, Long.MIN_VALUE, -5,
                        SafeTensors.MAX_HEADER_BYTES + 1, 1L << 32, rnd.nextInt(hl + d.length + 16)};
                declared = choices[rnd.nextInt(choices.length)];
                if (declared == -1) declared = -2;
            }
            case 7 -> { // data area longer or shorter than the offsets say
                d = Arrays.copyOf(data, Math.max(0, data.length + rnd.nextInt(17) - 8));
            }
            case 8 -> list.remove(t);
            case 9 -> { // a whole entry replaced by another JSON value
                t.dtype = "F32";
                t.extra = "";
                String bad = pick("null", "[]", "3", "\"F32\"", "{}", "{\"dtype\":\"F32\"}");
                String h = header(list, meta, dup).replace("\"" + t.name + "\":{\"dtype\":\"F32\",\"shape\":" + t.shape
                        + ",\"data_offsets\":" + t.offsets + "}", "\"" + t.name + "\":" + bad);
                return file(h, declared, d);
            }
            case 10 -> { // text-level damage to the JSON
                StringBuilder h = new StringBuilder(header(list, meta, dup));
                int edits = 1 + rnd.nextInt(4);
                for (int e = 0; e < edits && h.length() > 0; e++) {
                    int at = rnd.nextInt(h.length());
                    switch (rnd.nextInt(3)) {
                        case 0 -> h.deleteCharAt(at);
                        case 1 -> h.insert(at, "{}[]\",:0123456789-e. \\n"
                                .charAt(rnd.nextInt(23)));
                        default -> h.setLength(at);
                    }
                }
                return file(h.toString(), declared, d);
            }
            default -> { // raw bytes: flips anywhere, or a truncation of a valid file
                byte[] f = file(header(list, meta, dup), -1, d);
                if (rnd.nextBoolean()) return Arrays.copyOf(f, rnd.nextInt(f.length));
                int flips = 1 + rnd.nextInt(8);
                for (int i = 0; i < flips; i++) f[rnd.nextInt(f.length)] ^= (byte) (1 << rnd.nextInt(8));
                return f;
            }
        }
        return file(header(list, meta, dup), declared, d);
    }

    public static void main(String[] args) throws IOException {
        long seed = Long.parseLong(args[0]);
        int n = Integer.parseInt(args[1]);
        Path dir = Path.of(args[2]);
        SafeTensorsFuzz fuzz = new SafeTensorsFuzz(seed);
        // The unmutated seed must read, or the fuzzing would prove nothing.
        Path seedFile = dir.resolve("seed.safetensors");
        Files.write(seedFile, file(fuzz.header(fuzz.specs, fuzz.metadata, false), -1, fuzz.data));
        StateDict ok = SafeTensors.read(seedFile);
        if (ok.size() != DTYPES.length) throw new AssertionError("seed file read back " + ok.size() + " tensors");
        int rejected = 0;
        int accepted = 0;
        int[] rejectedByKind = new int[12];
        for (int i = 0; i < n; i++) {
            byte[] bytes = fuzz.mutate(i);
            Path f = dir.resolve("case" + (i % 16) + ".safetensors");
            Files.deleteIfExists(f);
            Files.write(f, bytes);
            try {
                StateDict sd = SafeTensors.read(f);
                // Whatever was accepted must be fully usable.
                for (Tensor t : sd.tensors().values()) {
                    if (t.bytes().remaining() != t.numel() * t.dtype().byteSize()) throw new AssertionError("inconsistent tensor " + t);
                    t.toDoubleArray();
                }
                accepted++;
            } catch (CheckpointFormatException e) {
                if (e.getMessage() == null || !e.getMessage().contains(f.toString())) {
                    System.out.println("FAIL case " + i + ": message does not name the file: " + e.getMessage());
                    System.exit(1);
                }
                rejected++;
                rejectedByKind[i % 12]++;
            } catch (Throwable e) {
                System.out.println("FAIL case " + i + " (mutation kind " + (i % 12) + "): " + e);
                e.printStackTrace(System.out);
                Files.write(dir.resolve("failing-case-" + i + ".safetensors"), bytes);
                System.exit(1);
            }
        }
        System.out.println("ok cases=" + n + " rejected=" + rejected + " accepted=" + accepted
                + " rejectedByKind=" + Arrays.toString(rejectedByKind));
    }
}
