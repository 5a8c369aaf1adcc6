package org.permerge.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.permerge.testing.Fixtures;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.*;

class PyTorchZipTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"hubert-tiny-base", "hubert-tiny-large"})
    void fixtureBinEqualsTheSafetensorsWrittenFromTheSameStateDict(String fixture) {
        Path dir = Fixtures.hubert(fixture);
        assertTrue(PyTorchZip.isZip(dir.resolve("legacy-keys.pytorch_model.bin")));
        assertFalse(PyTorchZip.isZip(dir.resolve("legacy-keys.safetensors")));
        StateDict bin = PyTorchZip.read(dir.resolve("legacy-keys.pytorch_model.bin"));
        StateDict st = SafeTensors.read(dir.resolve("legacy-keys.safetensors"));
        assertEquals(new java.util.TreeSet<>(st.names()), new java.util.TreeSet<>(bin.names())); // safetensors sorts names
        for (String n : st.names()) {
            assertEquals(st.get(n).dtype(), bin.get(n).dtype(), n);
            assertArrayEquals(st.get(n).shape(), bin.get(n).shape(), n);
            assertEquals(st.get(n).bytes(), bin.get(n).bytes(), n);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"hubert-tiny-base", "hubert-tiny-large"})
    void storedEntriesAreLocatedThroughTheZip64DirectoryAndMapped(String fixture) throws Exception {
        Path bin = Fixtures.hubert(fixture).resolve("legacy-keys.pytorch_model.bin");
        int storages = 0;
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(bin);
             java.util.zip.ZipFile zip = new java.util.zip.ZipFile(bin.toFile())) {
            Map<String, StoredZipEntries.Location> loc = StoredZipEntries.locate(ch);
            for (var en = zip.entries(); en.hasMoreElements(); ) {
                ZipEntry e = en.nextElement();
                StoredZipEntries.Location l = loc.get(e.getName());
                assertNotNull(l, e.getName());
                byte[] viaZipFile = zip.getInputStream(e).readAllBytes();
                ByteBuffer mapped = ch.map(java.nio.channels.FileChannel.MapMode.READ_ONLY, l.offset(), l.size());
                assertEquals(ByteBuffer.wrap(viaZipFile), mapped, e.getName());
                if (e.getName().contains("/data/")) storages++;
            }
        }
        assertTrue(storages > 40, "storages " + storages);
        for (Tensor t : PyTorchZip.read(bin).tensors().values()) assertTrue(t.bytes().isDirect(), "mapped, not copied");
    }

    /** Writes pickle opcodes the way CPython's pickler (protocol 2, as torch.save uses) lays them out. */
    static final class Pickle {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Pickle op(int... bytes) {
            for (int b : bytes) out.write(b);
            return this;
        }

        Pickle proto(int v) {
            return op(0x80, v);
        }

        Pickle global(String module, String name) {
            op('c');
            out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
            return this;
        }

        Pickle str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            op('X');
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
            out.writeBytes(b);
            return this;
        }

        Pickle shortStr(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            op(0x8c, b.length);
            out.writeBytes(b);
            return this;
        }

        Pickle integer(int v) {
            if (v >= 0 && v < 256) return op('K', v);
            op('J');
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
            return this;
        }

        Pickle ints(int... vs) {
            op('(');
            for (int v : vs) integer(v);
            return op('t');
        }

        /** {@code name: _rebuild_tensor_v2(storage(key, numel), offset, size, stride, False, OrderedDict())}, inside an open dict MARK. */
        Pickle tensor(String name, String storageType, String key, int numel, int offset, int[] size, int[] stride) {
            str(name).global("torch._utils", "_rebuild_tensor_v2").op('(');
            op('(').str("storage").global("torch", storageType).str(key).str("cpu").integer(numel).op('t', 'Q');
            integer(offset).ints(size).ints(stride).op(0x89).global("collections", "OrderedDict").op(')', 'R').op('t', 'R');
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    /** A torch.save-style archive: archive/data.pkl, archive/byteorder, archive/data/<key>. */
    private Path archive(String name, byte[] pickle, String byteorder, Map<String, byte[]> storages) throws Exception {
        Path f = tmp.resolve(name);
        try (OutputStream os = Files.newOutputStream(f); ZipOutputStream z = new ZipOutputStream(os)) {
            z.putNextEntry(new ZipEntry("archive/data.pkl"));
            z.write(pickle);
            if (byteorder != null) {
                z.putNextEntry(new ZipEntry("archive/byteorder"));
                z.write(byteorder.getBytes(StandardCharsets.US_ASCII));
            }
            for (Map.Entry<String, byte[]> s : storages.entrySet()) {
                z.putNextEntry(new ZipEntry("archive/data/" + s.getKey()));
                z.write(s.getValue());
            }
        }
        return f;
    }

    private static byte[] floats(ByteOrder order, float... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(order);
        for (float x : v) b.putFloat(x);
        return b.array();
    }

    @Test
    void stridedViewsAndStorageOffsetsAreMaterialised() throws Exception {
        byte[] pkl = new Pickle().proto(2).op('}', '(')
                // a transposed 2x3 view of storage 0 = [0..5]: element [i][j] = storage[i + 2j]
                .tensor("transposed", "FloatStorage", "0", 6, 0, new int[] {2, 3}, new int[] {1, 2})
                // every other element of storage 0, starting at 1
                .tensor("strided", "FloatStorage", "0", 6, 1, new int[] {3}, new int[] {2})
                // a contiguous slice with an offset into storage 1
                .tensor("sliced", "DoubleStorage", "1", 4, 2, new int[] {2}, new int[] {1})
                // a broadcast (stride 0) view
                .tensor("broadcast", "FloatStorage", "0", 6, 5, new int[] {2, 2}, new int[] {0, 0})
                .op('u', '.').bytes();
        ByteBuffer d = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
        for (double x : new double[] {10, 11, 12, 13}) d.putDouble(x);
        Map<String, byte[]> storages = new LinkedHashMap<>();
        storages.put("0", floats(ByteOrder.LITTLE_ENDIAN, 0, 1, 2, 3, 4, 5));
        storages.put("1", d.array());
        StateDict sd = PyTorchZip.read(archive("strided.bin", pkl, "little", storages));
        assertArrayEquals(new float[] {0, 2, 4, 1, 3, 5}, sd.get("transposed").toFloatArray());
        assertArrayEquals(new long[] {2, 3}, sd.get("transposed").shape());
        assertArrayEquals(new float[] {1, 3, 5}, sd.get("strided").toFloatArray());
        assertEquals(DType.F64, sd.get("sliced").dtype());
        assertArrayEquals(new double[] {12, 13}, sd.get("sliced").toDoubleArray());
        assertArrayEquals(new float[] {5, 5, 5, 5}, sd.get("broadcast").toFloatArray());
    }

    @Test
    void orderedDictWithMetadataStateAndParametersIsRead() throws Exception {
        // model.state_dict() pickles as OrderedDict() + SETITEMS + BUILD({'_metadata': OrderedDict(...)}); nn.Parameter
        // values are wrapped in _rebuild_parameter. Memo puts/gets as CPython writes them.
        Pickle p = new Pickle().proto(2).global("collections", "OrderedDict").op('q', 0).op(')', 'R').op('q', 1).op('(');
        p.str("a").global("torch._utils", "_rebuild_parameter").op('(');
        p.global("torch._utils", "_rebuild_tensor_v2").op('(');
        p.op('(').str("storage").global("torch", "HalfStorage").str("0").str("cpu").integer(2).op('t', 'Q');
        p.integer(0).ints(2).ints(1).op(0x89).op('h', 0).op(')', 'R').op('t', 'R');
        p.op(0x88).op('h', 0).op(')', 'R').op('t', 'R');
        p.op('u');
        p.op('}').str("_metadata").op('h', 0).op(')', 'R').op('(').str("").op('}').str("version").integer(1).op('s').op('u').op('s');
        p.op('b', '.');
        ByteBuffer half = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putShort((short) 0x3C00).putShort((short) 0xC000);
        StateDict sd = PyTorchZip.read(archive("od.bin", p.bytes(), null, Map.of("0", half.array())));
        assertEquals(List.of("a"), List.copyOf(sd.names()));
        assertEquals(DType.F16, sd.get("a").dtype());
        assertArrayEquals(new float[] {1f, -2f}, sd.get("a").toFloatArray());
    }

    @Test
    void bigEndianArchivesAreByteSwapped() throws Exception {
        byte[] pkl = new Pickle().proto(2).op('}', '(')
                .tensor("w", "FloatStorage", "0", 3, 0, new int[] {3}, new int[] {1}).op('u', '.').bytes();
        StateDict sd = PyTorchZip.read(archive("big.bin", pkl, "big", Map.of("0", floats(ByteOrder.BIG_ENDIAN, 1.5f, -2f, 3.25f))));
        assertArrayEquals(new float[] {1.5f, -2f, 3.25f}, sd.get("w").toFloatArray());
    }

    @Test
    void viewBeyondItsStorageIsNamed() throws Exception {
        byte[] pkl = new Pickle().proto(2).op('}', '(')
                .tensor("too.long", "FloatStorage", "0", 3, 1, new int[] {3}, new int[] {1}).op('u', '.').bytes();
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                () -> PyTorchZip.read(archive("over.bin", pkl, "little", Map.of("0", floats(ByteOrder.LITTLE_ENDIAN, 1, 2, 3)))));
        assertTrue(e.getMessage().contains("'too.long'") && e.getMessage().contains("3-element storage"), e.getMessage());
    }

    @Test
    void storageShorterThanDeclaredIsNamed() throws Exception {
        byte[] pkl = new Pickle().proto(2).op('}', '(')
                .tensor("w", "FloatStorage", "0", 4, 0, new int[] {4}, new int[] {1}).op('u', '.').bytes();
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                () -> PyTorchZip.read(archive("short.bin", pkl, "little", Map.of("0", floats(ByteOrder.LITTLE_ENDIAN, 1, 2, 3)))));
        assertTrue(e.getMessage().contains("storage 0"), e.getMessage());
    }

    /** The classic payloads: a pickle whose REDUCE would run a shell command or evaluate code. */
    static List<byte[]> maliciousPickles(Path marker) {
        String cmd = "touch " + marker;
        return List.of(
                new Pickle().proto(2).global("posix", "system").str(cmd).op(0x85, 'R', '.').bytes(),
                new Pickle().proto(2).global("os", "system").str(cmd).op(0x85, 'R', '.').bytes(),
                new Pickle().proto(2).global("builtins", "eval").str("__import__('os').system('" + cmd + "')").op(0x85, 'R', '.').bytes(),
                // protocol 4 spells globals with STACK_GLOBAL from two strings
                new Pickle().proto(4).shortStr("builtins").shortStr("exec").op(0x93).str("import os").op(0x85, 'R', '.').bytes(),
                // hidden after a legitimate tensor entry of a state dict
                new Pickle().proto(2).op('}', '(').tensor("w", "FloatStorage", "0", 1, 0, new int[] {1}, new int[] {1})
                        .str("x").global("subprocess", "check_call").str(cmd).op(0x85, 'R', 'u', '.').bytes());
    }

    @Test
    void picklesThatWouldRunCodeAreRefusedByNameWithoutRunningIt() throws Exception {
        Path marker = tmp.resolve("pwned");
        List<String> globals = List.of("posix.system", "os.system", "builtins.eval", "builtins.exec", "subprocess.check_call");
        List<byte[]> pickles = maliciousPickles(marker);
        for (int i = 0; i < pickles.size(); i++) {
            Path f = archive("evil" + i + ".bin", pickles.get(i), "little", Map.of("0", floats(ByteOrder.LITTLE_ENDIAN, 1)));
            CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> PyTorchZip.read(f));
            assertTrue(e.getMessage().contains("refusing global '" + globals.get(i) + "'"), e.getMessage());
            assertFalse(Files.exists(marker), "the payload must not run");
        }
    }

    @Test
    void nonTensorValuesAndForbiddenOpcodesAreNamed() throws Exception {
        byte[] notDict = new Pickle().proto(2).str("hello").op('.').bytes();
        CheckpointFormatException e1 = assertThrows(CheckpointFormatException.class,
                () -> PyTorchZip.read(archive("str.bin", notDict, "little", Map.of())));
        assertTrue(e1.getMessage().contains("expected a state dict"), e1.getMessage());
        byte[] intValue = new Pickle().proto(2).op('}').str("step").integer(5).op('s', '.').bytes();
        CheckpointFormatException e2 = assertThrows(CheckpointFormatException.class,
                () -> PyTorchZip.read(archive("int.bin", intValue, "little", Map.of())));
        assertTrue(e2.getMessage().contains("entry 'step'"), e2.getMessage());
        // INST ('i') instantiates a class from a text name: not something torch.save emits.
        byte[] inst = new Pickle().proto(2).op('(').op('i').bytes();
        CheckpointFormatException e3 = assertThrows(CheckpointFormatException.class,
                () -> PyTorchZip.read(archive("inst.bin", inst, "little", Map.of())));
        assertTrue(e3.getMessage().contains("opcode 0x69"), e3.getMessage());
    }

    @Test
    void selfContainingStructuresAndOversizedBroadcastsAreRefused() throws Exception {
        // l = []; l.append(l); {l: None}: unhashable in Python, and hashing it would never end.
        byte[] cyclic = new Pickle().proto(2).op(']').op('q', 0).op('h', 0).op('a').op('0')
                .op('}').op('h', 0).op('N', 's', '.').bytes();
        CheckpointFormatException e1 = assertThrows(CheckpointFormatException.class,
                () -> PyTorchZip.read(archive("cyclic.bin", cyclic, "little", Map.of())));
        assertTrue(e1.getMessage().contains("not hashable"), e1.getMessage());
        byte[] huge = new Pickle().proto(2).op('}', '(')
                .tensor("w", "FloatStorage", "0", 1, 0, new int[] {1 << 20, 1 << 20}, new int[] {0, 0}).op('u', '.').bytes();
        CheckpointFormatException e2 = assertThrows(CheckpointFormatException.class,
                () -> PyTorchZip.read(archive("huge.bin", huge, "little", Map.of("0", floats(ByteOrder.LITTLE_ENDIAN, 1)))));
        assertTrue(e2.getMessage().contains("'w' has 1099511627776 elements"), e2.getMessage());
    }

    /** Random damage to a small archive's pickle, byte order record and storages must only ever give format errors. */
    @Test
    void mutatedArchivesOnlyEverGiveFormatErrors() throws Exception {
        byte[] pkl = new Pickle().proto(2).op('}', '(')
                .tensor("a", "FloatStorage", "0", 6, 0, new int[] {2, 3}, new int[] {1, 2})
                .tensor("b", "HalfStorage", "1", 4, 1, new int[] {3}, new int[] {1})
                .tensor("c", "LongStorage", "2", 2, 0, new int[] {2}, new int[] {1})
                .op('u', '.').bytes();
        Map<String, byte[]> storages = new LinkedHashMap<>();
        storages.put("0", floats(ByteOrder.LITTLE_ENDIAN, 0, 1, 2, 3, 4, 5));
        storages.put("1", new byte[8]);
        storages.put("2", new byte[16]);
        assertEquals(3, PyTorchZip.read(archive("seed.bin", pkl, "little", storages)).size());
        java.util.Random rnd = new java.util.Random(7);
        int rejected = 0;
        // The pickle: in memory (the interpreter and tensor cutting), 6000 cases of flips, truncations and insertions.
        for (int i = 0; i < 6000; i++) {
            byte[] p = pkl.clone();
            switch (i % 3) {
                case 0 -> { for (int k = 0, n = 1 + rnd.nextInt(4); k < n; k++) p[rnd.nextInt(p.length)] = (byte) rnd.nextInt(256); }
                case 1 -> p = Arrays.copyOf(p, rnd.nextInt(p.length));
                default -> {
                    int at = rnd.nextInt(p.length);
                    byte[] q = new byte[p.length + 1];
                    System.arraycopy(p, 0, q, 0, at);
                    q[at] = (byte) rnd.nextInt(256);
                    System.arraycopy(p, at, q, at + 1, p.length - at);
                    p = q;
                }
            }
            try {
                PyTorchZip.fromPickle(p, ByteOrder.LITTLE_ENDIAN, ref -> {
                    byte[] b = storages.get(ref.key());
                    if (b == null || b.length != ref.numel() * ref.dtype().byteSize()) throw new CheckpointFormatException("storage " + ref.key());
                    return ByteBuffer.wrap(b);
                }, "case " + i).tensors().values().forEach(Tensor::toDoubleArray);
            } catch (CheckpointFormatException e) {
                rejected++;
            } catch (RuntimeException | StackOverflowError e) {
                fail("pickle case " + i + ": " + e, e);
            }
        }
        assertTrue(rejected > 3000, "rejected " + rejected);
        // The archive around it: byte order records and storages missing or cut short.
        for (int i = 0; i < 100; i++) {
            String order = rnd.nextInt(3) == 0 ? "middle" : rnd.nextBoolean() ? "big" : "little";
            Map<String, byte[]> st = new LinkedHashMap<>(storages);
            String k = String.valueOf(rnd.nextInt(3));
            if (rnd.nextBoolean()) st.remove(k);
            else st.put(k, Arrays.copyOf(st.get(k), rnd.nextInt(st.get(k).length)));
            Path f = archive("m" + (i % 8) + ".bin", pkl, order, st);
            assertThrows(CheckpointFormatException.class, () -> PyTorchZip.read(f), "archive case " + i);
            Files.delete(f);
        }
    }

    @Test
    void truncatedArchivesAndPicklesAreFormatErrors() throws Exception {
        byte[] all = Files.readAllBytes(Fixtures.hubert("hubert-tiny-base").resolve("legacy-keys.pytorch_model.bin"));
        for (int cut : new int[] {10, 1000, all.length / 2, all.length - 30}) {
            Path f = tmp.resolve("cut" + cut + ".bin");
            Files.write(f, Arrays.copyOf(all, cut));
            assertThrows(CheckpointFormatException.class, () -> PyTorchZip.read(f), "cut at " + cut);
        }
        byte[] pkl = new Pickle().proto(2).op('}', '(')
                .tensor("w", "FloatStorage", "0", 1, 0, new int[] {1}, new int[] {1}).op('u', '.').bytes();
        for (int cut = 0; cut < pkl.length; cut++) {
            Path f = archive("pkl" + cut + ".bin", Arrays.copyOf(pkl, cut), "little", Map.of("0", floats(ByteOrder.LITTLE_ENDIAN, 1)));
            assertThrows(CheckpointFormatException.class, () -> PyTorchZip.read(f), "pickle cut at " + cut);
        }
    }
}
