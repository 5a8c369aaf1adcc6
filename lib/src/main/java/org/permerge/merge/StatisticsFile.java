package org.permerge.merge;

import org.permerge.correlate.StatisticsView;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.permerge.checkpoint.CheckpointFormatException;
import org.permerge.checkpoint.DType;
import org.permerge.checkpoint.SafeTensors;
import org.permerge.checkpoint.StateDict;
import org.permerge.correlate.AlignmentStatistics;
import org.permerge.correlate.CrossCorrelation;
import org.permerge.correlate.StatisticsProvenance;
import org.permerge.correlate.UnitStatistics;
import org.permerge.model.EncoderConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A statistics file written by {@link AlignmentStatistics#save}, read one accumulator at a time with plain
 * positional reads (no memory mapping, so file pages never count against the process): a base-size file in
 * the default pre-activation mode holds about 2 GB of co-moments, more than merging may use.
 */
public final class StatisticsFile implements StatisticsView {
    private final Path file;
    private final EncoderConfig a;
    private final EncoderConfig b;
    private final Map<String, long[]> offsets = new LinkedHashMap<>();
    private final AlignmentStatistics.Header header;
    private final long dataStart;

    private StatisticsFile(Path file, AlignmentStatistics.Header header, long dataStart) {
        this.file = file;
        this.a = header.configA();
        this.b = header.configB();
        this.header = header;
        this.dataStart = dataStart;
    }

    /** Opens and validates a statistics file (its layout is checked by the safetensors reader; no data is read). */
    public static StatisticsFile open(Path file) {
        StateDict lazy = SafeTensors.read(file); // validates the header and layout; maps without touching data
        AlignmentStatistics.Header h = AlignmentStatistics.Header.read(file, lazy);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            read(ch, len, 0);
            long headerLen = len.getLong(0);
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            read(ch, hb, 8);
            JsonObject header = JsonParser.parseString(new String(hb.array(), StandardCharsets.UTF_8)).getAsJsonObject();
            StatisticsFile s = new StatisticsFile(file, h, 8 + headerLen);
            for (Map.Entry<String, JsonElement> e : header.entrySet()) {
                if (e.getKey().equals("__metadata__")) continue;
                JsonArray off = e.getValue().getAsJsonObject().getAsJsonArray("data_offsets");
                s.offsets.put(e.getKey(), new long[] {off.get(0).getAsLong(), off.get(1).getAsLong()});
            }
            for (String n : lazy.names()) {
                DType t = lazy.get(n).dtype();
                if (t != DType.F64 && t != DType.I64) throw new CheckpointFormatException(file + ": tensor '" + n + "' is " + t + ", expected F64/I64");
            }
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static void read(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos + buf.position());
            if (n < 0) throw new IOException("unexpected end of file");
        }
    }

    private ByteBuffer bytes(String name) {
        long[] o = offsets.get(name);
        if (o == null) throw new CheckpointFormatException(file + ": tensor '" + name + "' is missing");
        ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(o[1] - o[0])).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            read(ch, buf, dataStart + o[0]);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tensor '" + name + "' of " + file + ": " + e.getMessage(), e);
        }
        return buf.flip();
    }

    private double[] doubles(String name, int n) {
        ByteBuffer b = bytes(name);
        if (b.remaining() != n * 8L) {
            throw new CheckpointFormatException(file + ": tensor '" + name + "' holds " + b.remaining() / 8 + " values, expected " + n);
        }
        double[] out = new double[n];
        b.asDoubleBuffer().get(out);
        return out;
    }

    private boolean has(String key) {
        return offsets.containsKey(key + ".count");
    }

    private UnitStatistics units(String prefix, long count, int n) {
        return UnitStatistics.of(prefix, count, doubles(prefix + ".mean", n), doubles(prefix + ".m2", n));
    }

    /** One accumulator, read from disk now. */
    private CrossCorrelation cross(String key, int dA, int dB) {
        if (!has(key)) throw new IllegalArgumentException(file + ": no statistics named '" + key + "'");
        long n = bytes(key + ".count").getLong(0);
        return CrossCorrelation.of(key, units(key + ".A", n, dA), units(key + ".B", n, dB), doubles(key + ".comoment", dA * dB));
    }

    private int width(String space) {
        if (space.startsWith("cnn.")) return a.convDim()[Integer.parseInt(space.substring(4))];
        if (space.startsWith("ffn.")) return a.intermediateSize();
        return a.hiddenSize();
    }

    @Override
    public EncoderConfig configA() {
        return a;
    }

    @Override
    public EncoderConfig configB() {
        return b;
    }

    @Override
    public CrossCorrelation correlation(String space) {
        if (space.equals("residual")) return residual(AlignmentStatistics.ResidualPooling.ALL);
        int d = width(space);
        return cross(space, d, d);
    }

    @Override
    public CrossCorrelation query(int layer) {
        return cross("qk." + layer + ".q", a.hiddenSize(), a.hiddenSize());
    }

    @Override
    public CrossCorrelation key(int layer) {
        return cross("qk." + layer + ".k", a.hiddenSize(), a.hiddenSize());
    }

    @Override
    public CrossCorrelation residual(AlignmentStatistics.ResidualPooling pooling) {
        int h = a.hiddenSize(), last = a.numHiddenLayers();
        return switch (pooling) {
            case FIRST -> cross("residual.0", h, h);
            case LAST -> cross("residual." + last, h, h);
            case ALL -> {
                CrossCorrelation pooled = new CrossCorrelation("residual", h, h);
                for (int k = 0; k <= last; k++) pooled.merge(cross("residual." + k, h, h));
                yield pooled;
            }
        };
    }

    @Override
    public CrossCorrelation preActivation(String space) {
        if (space.startsWith("attn.")) return correlation(space);
        if (space.startsWith("ffn.")) return has(space + ".pre") ? cross(space + ".pre", width(space), width(space)) : null;
        throw new IllegalArgumentException("space '" + space + "' has no pre-activation statistics (REPAIR applies to ffn.L and attn.L only)");
    }

    @Override
    public UnitStatistics preActivationUnits(String space, boolean modelA) {
        String side = modelA ? "A" : "B";
        if (space.startsWith("ffn.") && !has(space + ".pre")) {
            String k = space + ".pre." + side;
            return units(k, bytes(k + ".count").getLong(0), width(space));
        }
        String key = space.startsWith("ffn.") ? space + ".pre" : space;
        long n = bytes(key + ".count").getLong(0);
        return units(key + "." + side, n, width(space));
    }

    @Override
    public Map<String, Long> framesPerSpace() {
        return new LinkedHashMap<>(header.frames());
    }

    @Override
    public Map<String, String> provenance() {
        return header.provenance().toMetadata();
    }

    @Override
    public StatisticsProvenance origin() {
        return header.provenance();
    }

    /** The file this view reads. */
    public Path file() {
        return file;
    }

    @Override
    public String toString() {
        return "StatisticsFile[" + file + ", " + offsets.size() + " tensors]";
    }

    /** The file's tensor names (for diagnostics). */
    public java.util.Set<String> tensorNames() {
        return java.util.Collections.unmodifiableSet(offsets.keySet());
    }
}
