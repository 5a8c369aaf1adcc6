package org.permerge.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Where the uncompressed ("stored") entries of a zip archive lie in the file, read from its central directory
 * (ZIP64 included), so that {@code torch.save} storages can be memory-mapped instead of copied into the heap.
 * {@link java.util.zip.ZipFile} does not expose these offsets. Any doubt about the directory yields no locations,
 * and the caller falls back to reading entries through {@code ZipFile}.
 */
final class StoredZipEntries {
    /** An entry's data: {@code size} bytes starting at {@code offset} in the file. */
    record Location(long offset, long size) {}

    private static final int EOCD = 0x06054b50;
    private static final int ZIP64_LOCATOR = 0x07064b50;
    private static final int ZIP64_EOCD = 0x06064b50;
    private static final int CENTRAL = 0x02014b50;
    private static final int LOCAL = 0x04034b50;
    private static final long MAX_DIRECTORY = 64L << 20;

    private StoredZipEntries() {}

    /** Name → location of every stored entry; empty when the directory cannot be read with confidence. */
    static Map<String, Location> locate(FileChannel ch) {
        try {
            return read(ch);
        } catch (IOException | RuntimeException e) {
            return Map.of();
        }
    }

    private static ByteBuffer at(FileChannel ch, long pos, int len) throws IOException {
        if (pos < 0 || len < 0 || pos + len > ch.size()) throw new IOException("outside the file");
        ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (ch.read(b, pos + b.position()) < 0) throw new IOException("end of file");
        }
        return b.flip();
    }

    private static Map<String, Location> read(FileChannel ch) throws IOException {
        long size = ch.size();
        int tail = (int) Math.min(size, 22 + 65535);
        ByteBuffer t = at(ch, size - tail, tail);
        int eocd = -1;
        for (int i = tail - 22; i >= 0; i--) {
            if (t.getInt(i) == EOCD) {
                eocd = i;
                break;
            }
        }
        if (eocd < 0) return Map.of();
        long entries = t.getShort(eocd + 10) & 0xffff;
        long cdSize = t.getInt(eocd + 12) & 0xffffffffL;
        long cdOffset = t.getInt(eocd + 16) & 0xffffffffL;
        if (entries == 0xffff || cdSize == 0xffffffffL || cdOffset == 0xffffffffL) {
            long locator = size - tail + eocd - 20;
            ByteBuffer l = at(ch, locator, 20);
            if (l.getInt(0) != ZIP64_LOCATOR) return Map.of();
            ByteBuffer z = at(ch, l.getLong(8), 56);
            if (z.getInt(0) != ZIP64_EOCD) return Map.of();
            entries = z.getLong(32);
            cdSize = z.getLong(40);
            cdOffset = z.getLong(48);
        }
        if (cdSize > MAX_DIRECTORY || cdSize < 0) return Map.of();
        ByteBuffer cd = at(ch, cdOffset, (int) cdSize);
        Map<String, Location> out = new HashMap<>();
        int p = 0;
        for (long n = 0; n < entries; n++) {
            if (cd.getInt(p) != CENTRAL) return Map.of();
            int method = cd.getShort(p + 10) & 0xffff;
            long comp = cd.getInt(p + 20) & 0xffffffffL;
            long len = cd.getInt(p + 24) & 0xffffffffL;
            int nameLen = cd.getShort(p + 28) & 0xffff;
            int extraLen = cd.getShort(p + 30) & 0xffff;
            int commentLen = cd.getShort(p + 32) & 0xffff;
            long local = cd.getInt(p + 42) & 0xffffffffL;
            byte[] name = new byte[nameLen];
            cd.get(p + 46, name);
            // ZIP64 extra field: the 64-bit values of whichever 32-bit fields are saturated, in this order.
            int e = p + 46 + nameLen;
            int end = e + extraLen;
            while (e + 4 <= end) {
                int id = cd.getShort(e) & 0xffff;
                int sz = cd.getShort(e + 2) & 0xffff;
                if (id == 0x0001) {
                    int q = e + 4;
                    if (len == 0xffffffffL) { len = cd.getLong(q); q += 8; }
                    if (comp == 0xffffffffL) { comp = cd.getLong(q); q += 8; }
                    if (local == 0xffffffffL) { local = cd.getLong(q); }
                }
                e += 4 + sz;
            }
            if (method == 0 && comp == len) {
                ByteBuffer lh = at(ch, local, 30);
                if (lh.getInt(0) != LOCAL) return Map.of();
                long data = local + 30 + (lh.getShort(26) & 0xffff) + (lh.getShort(28) & 0xffff);
                if (data + len > size) return Map.of();
                out.put(new String(name, StandardCharsets.UTF_8), new Location(data, len));
            }
            p += 46 + nameLen + extraLen + commentLen;
        }
        return out;
    }
}
