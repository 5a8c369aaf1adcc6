package org.permerge.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads a state dict saved by {@code torch.save} (the zip container of PyTorch ≥ 1.6, the format of
 * {@code pytorch_model.bin} files on the Hugging Face hub): {@code <archive>/data.pkl} is interpreted by a restricted
 * unpickler that executes nothing, and each tensor is cut from its {@code <archive>/data/<key>} storage, honouring
 * storage offsets, strides and the archive's {@code byteorder}.
 */
public final class PyTorchZip {
    /** Largest data.pkl accepted: a 1000-tensor state dict pickles to ~100 KB. */
    static final long MAX_PICKLE_BYTES = 64L * 1024 * 1024;

    private PyTorchZip() {}

    /** Whether the file starts like a zip archive (a local file header). */
    public static boolean isZip(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads every tensor of a {@code torch.save}d state dict (a dict or OrderedDict of name → tensor).
     *
     * @throws CheckpointFormatException naming the file and the entry, global or tensor at fault
     */
    public static StateDict read(Path file) {
        String src = "PyTorch checkpoint " + file;
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry pkl = null;
            List<String> pickles = new ArrayList<>();
            for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
                ZipEntry e = en.nextElement();
                String n = e.getName();
                if (n.endsWith("/data.pkl") && n.indexOf('/') == n.length() - "/data.pkl".length()) {
                    pickles.add(n);
                    pkl = e;
                }
            }
            if (pickles.size() != 1) {
                throw new CheckpointFormatException(src + ": expected exactly one '<name>/data.pkl' entry, found " + pickles
                        + " (is this a torch.save file?)");
            }
            String prefix = pkl.getName().substring(0, pkl.getName().length() - "data.pkl".length());
            ByteOrder order = byteOrder(zip, prefix, src);
            byte[] pickle = readEntry(zip, pkl, MAX_PICKLE_BYTES, src);
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                Map<String, StoredZipEntries.Location> stored = StoredZipEntries.locate(ch);
                return fromPickle(pickle, order, ref -> storageBytes(zip, ch, stored, prefix, ref, src), src + " (" + pkl.getName() + ")");
            }
        } catch (ZipException e) {
            throw new CheckpointFormatException(src + ": not a readable zip archive: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Interprets a state-dict pickle and cuts each tensor from its storage; {@code storages} supplies a storage's
     * bytes (asked once per storage key).
     */
    static StateDict fromPickle(byte[] pickle, ByteOrder order, Function<TorchUnpickler.StorageRef, ByteBuffer> storages, String src) {
        Object root = TorchUnpickler.load(pickle, src, pid -> storageRef(pid, src));
        if (!(root instanceof Map<?, ?> map)) {
            throw new CheckpointFormatException(src + ": data.pkl holds " + TorchUnpickler.describe(root)
                    + ", expected a state dict (a dict of name -> tensor)");
        }
        Map<String, ByteBuffer> loaded = new HashMap<>();
        StateDict sd = new StateDict();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getKey() instanceof String name)) {
                throw new CheckpointFormatException(src + ": state dict key " + TorchUnpickler.describe(e.getKey()) + " is not a string");
            }
            if (!(e.getValue() instanceof TorchUnpickler.TensorRef ref)) {
                throw new CheckpointFormatException(src + ": entry '" + name + "' is " + TorchUnpickler.describe(e.getValue())
                        + ", expected a tensor");
            }
            ByteBuffer storage = loaded.computeIfAbsent(ref.storage().key(), k -> storages.apply(ref.storage()));
            sd.put(name, materialise(name, ref, storage, order, src));
        }
        return sd;
    }

    private static ByteOrder byteOrder(ZipFile zip, String prefix, String src) throws IOException {
        ZipEntry e = zip.getEntry(prefix + "byteorder");
        // Archives written before torch 1.10 have no byteorder record; they were little-endian.
        if (e == null) return ByteOrder.LITTLE_ENDIAN;
        String s = new String(readEntry(zip, e, 16, src), StandardCharsets.US_ASCII).trim();
        return switch (s) {
            case "little" -> ByteOrder.LITTLE_ENDIAN;
            case "big" -> ByteOrder.BIG_ENDIAN;
            default -> throw new CheckpointFormatException(src + ": byteorder record says '" + s + "', expected 'little' or 'big'");
        };
    }

    private static byte[] readEntry(ZipFile zip, ZipEntry e, long max, String src) throws IOException {
        if (e.getSize() > max) throw new CheckpointFormatException(src + ": entry " + e.getName() + " is " + e.getSize() + " bytes, more than " + max);
        try (InputStream in = zip.getInputStream(e)) {
            byte[] b = in.readNBytes((int) Math.min(max, Integer.MAX_VALUE - 16) + 1);
            if (b.length > max) throw new CheckpointFormatException(src + ": entry " + e.getName() + " is larger than " + max + " bytes");
            return b;
        }
    }

    /** torch's persistent id: ('storage', storage type, key, location, number of elements). */
    private static TorchUnpickler.StorageRef storageRef(TorchUnpickler.Tuple pid, String src) {
        if (pid.size() != 5 || !"storage".equals(pid.get(0))) {
            throw new CheckpointFormatException(src + ": persistent id is a " + pid.size() + "-tuple starting with "
                    + TorchUnpickler.describe(pid.size() > 0 ? pid.get(0) : null) + ", expected ('storage', type, key, location, size)");
        }
        if (!(pid.get(1) instanceof TorchUnpickler.Global g) || !g.module().equals("torch") || !TorchUnpickler.STORAGE_TYPES.containsKey(g.name())) {
            throw new CheckpointFormatException(src + ": storage type is " + TorchUnpickler.describe(pid.get(1)) + ", expected torch.*Storage");
        }
        if (!(pid.get(2) instanceof String key) || !key.matches("[0-9A-Za-z_]{1,64}")) {
            throw new CheckpointFormatException(src + ": storage key " + TorchUnpickler.describe(pid.get(2)) + " is not a plain name");
        }
        if (!(pid.get(4) instanceof Long numel) || numel < 0) {
            throw new CheckpointFormatException(src + ": storage " + key + " has size " + TorchUnpickler.describe(pid.get(4)));
        }
        return new TorchUnpickler.StorageRef(TorchUnpickler.STORAGE_TYPES.get(g.name()), key, numel);
    }

    /** A storage's bytes: memory-mapped when the entry is stored uncompressed (as torch.save writes it), else read. */
    private static ByteBuffer storageBytes(ZipFile zip, FileChannel ch, Map<String, StoredZipEntries.Location> stored, String prefix,
                                           TorchUnpickler.StorageRef ref, String src) {
        ZipEntry e = zip.getEntry(prefix + "data/" + ref.key());
        if (e == null) throw new CheckpointFormatException(src + ": storage " + ref.key() + " is missing (no entry " + prefix + "data/" + ref.key() + ")");
        long need;
        try {
            need = Math.multiplyExact(ref.numel(), ref.dtype().byteSize());
        } catch (ArithmeticException ex) {
            throw new CheckpointFormatException(src + ": storage " + ref.key() + " declares an impossible size " + ref.numel());
        }
        if (need > Integer.MAX_VALUE - 16) {
            throw new CheckpointFormatException(src + ": storage " + ref.key() + " is " + need + " bytes, more than one Java buffer holds");
        }
        if (e.getSize() >= 0 && e.getSize() != need) {
            throw new CheckpointFormatException(src + ": storage " + ref.key() + " holds " + e.getSize() + " bytes, but its "
                    + ref.numel() + " " + ref.dtype() + " elements need " + need);
        }
        StoredZipEntries.Location loc = stored.get(e.getName());
        if (loc != null && loc.size() == need && e.getMethod() == ZipEntry.STORED) {
            try {
                return ch.map(FileChannel.MapMode.READ_ONLY, loc.offset(), need).order(ByteOrder.LITTLE_ENDIAN);
            } catch (IOException ex) {
                throw new CheckpointFormatException(src + ": cannot map storage " + ref.key() + ": " + ex.getMessage(), ex);
            }
        }
        try (InputStream in = zip.getInputStream(e)) {
            byte[] b = in.readNBytes((int) need);
            if (b.length != need) {
                throw new CheckpointFormatException(src + ": storage " + ref.key() + " ends after " + b.length + " of " + need + " bytes (truncated?)");
            }
            return ByteBuffer.wrap(b);
        } catch (IOException ex) {
            throw new CheckpointFormatException(src + ": cannot read storage " + ref.key() + ": " + ex.getMessage(), ex);
        }
    }

    /** Cuts a strided view out of its storage into a dense, row-major, little-endian tensor. */
    static Tensor materialise(String name, TorchUnpickler.TensorRef ref, ByteBuffer storage, ByteOrder order, String src) {
        long[] size = ref.size();
        long[] stride = ref.stride();
        if (size.length != stride.length) {
            throw new CheckpointFormatException(src + ": tensor '" + name + "' has " + size.length + " sizes but " + stride.length + " strides");
        }
        DType dt = ref.storage().dtype();
        int es = dt.byteSize();
        long numel;
        long last = ref.offset();
        try {
            numel = Tensor.numel(size);
            for (int i = 0; i < size.length; i++) {
                if (stride[i] < 0) throw new CheckpointFormatException(src + ": tensor '" + name + "' has a negative stride");
                if (size[i] > 0) last = Math.addExact(last, Math.multiplyExact(size[i] - 1, stride[i]));
            }
        } catch (ArithmeticException e) {
            throw new CheckpointFormatException(src + ": tensor '" + name + "' has size " + Arrays.toString(size) + " that overflows");
        }
        if (numel > ref.storage().numel()) {
            // Only a broadcast (stride-0) view can be larger than its storage; state dicts hold none, and refusing them
            // keeps a tiny hostile file from making us allocate gigabytes.
            throw new CheckpointFormatException(src + ": tensor '" + name + "' has " + numel + " elements, more than its "
                    + ref.storage().numel() + "-element storage " + ref.storage().key());
        }
        if (numel > 0 && (ref.offset() < 0 || last >= ref.storage().numel())) {
            throw new CheckpointFormatException(src + ": tensor '" + name + "' (offset " + ref.offset() + ", size " + Arrays.toString(size)
                    + ", stride " + Arrays.toString(stride) + ") reaches element " + last + " of a " + ref.storage().numel() + "-element storage");
        }
        boolean contiguous = true;
        long expect = 1;
        for (int i = size.length - 1; i >= 0; i--) {
            if (size[i] != 1 && stride[i] != expect) contiguous = false;
            expect *= size[i];
        }
        int n = Math.toIntExact(numel);
        if (n == 0) return new Tensor(dt, size, ByteBuffer.allocate(0));
        if (contiguous && order == ByteOrder.LITTLE_ENDIAN) {
            // The common case: a view of the storage's bytes, shared rather than copied (tensors are read-only).
            return new Tensor(dt, size, storage.duplicate().position((int) (ref.offset() * es)).limit((int) ((ref.offset() + numel) * es)));
        }
        ByteBuffer out = ByteBuffer.allocate(n * es).order(ByteOrder.LITTLE_ENDIAN);
        long[] idx = new long[size.length];
        long src0 = ref.offset();
        for (int k = 0; k < n; k++) {
            int at = (int) (src0 * es);
            for (int b = 0; b < es; b++) {
                // Big-endian archives store each element's bytes reversed relative to the little-endian result.
                out.put(k * es + b, storage.get(order == ByteOrder.LITTLE_ENDIAN ? at + b : at + es - 1 - b));
            }
            for (int d = size.length - 1; d >= 0; d--) {
                if (++idx[d] < size[d]) {
                    src0 += stride[d];
                    break;
                }
                src0 -= (size[d] - 1) * stride[d];
                idx[d] = 0;
            }
        }
        out.position(0);
        return new Tensor(dt, size, out);
    }
}
