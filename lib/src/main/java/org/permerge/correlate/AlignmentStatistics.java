package org.permerge.correlate;

import ai.djl.ndarray.NDArray;
import com.google.gson.JsonParser;
import org.permerge.Version;
import org.permerge.checkpoint.CheckpointFormatException;
import org.permerge.checkpoint.DType;
import org.permerge.checkpoint.SafeTensors;
import org.permerge.checkpoint.StateDict;
import org.permerge.checkpoint.Tensor;
import org.permerge.extract.PairedTapConsumer;
import org.permerge.model.EncoderConfig;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything one calibration run measures for aligning model B to model A: a {@link CrossCorrelation}
 * for every permutation space, taken where that space lives (METHOD.md), and the pre-activation
 * statistics REPAIR needs. It consumes row-aligned paired frames tap by tap
 * ({@link #accept(String, NDArray, NDArray)}, the extraction step's paired tap consumer), can be saved to
 * and loaded from a safetensors file (float64, with provenance in the metadata), and merged with the
 * statistics of other runs over other clips.
 *
 * <p>Where each space is measured: {@code cnn.i} at {@code feature_extractor.conv_layers.i};
 * {@code ffn.L} at {@code encoder.layers.L.feed_forward.intermediate_act} (its pre-activation at
 * {@code ...intermediate_dense}); {@code attn.L} at {@code encoder.layers.L.attention.out_proj.input}
 * (values are linear, so it is its own pre-activation); {@code qk.L} at {@code q_proj} and {@code k_proj}
 * (two cross blocks); {@code residual} at every {@code hidden_states.K}, kept per K so that pooling over all
 * of them (the default), the first only or the last only can be chosen afterwards.
 */
public final class AlignmentStatistics implements PairedTapConsumer {
    /** File format version written to the metadata. */
    public static final String FORMAT_VERSION = "1";

    /**
     * The co-moment arithmetic of new statistics unless asked otherwise: exact float64, so a study's statistics, its
     * assignments and its tables stay the same as before the float32 path existed, and shards and Spark partials add
     * up to one run within 10⁻⁹. {@link StatisticsPrecision#FLOAT32} (float32 GEMMs, correlations within 10⁻⁶ of
     * float64, several times faster on OpenBLAS) is the opt-in fast path ({@code stats --precision float32}).
     */
    public static final StatisticsPrecision DEFAULT_PRECISION = StatisticsPrecision.FLOAT64;

    /** Which entries of {@code hidden_states} the residual space is correlated on. */
    public enum ResidualPooling { ALL, FIRST, LAST }

    /** How much of the FFN pre-activation to keep for REPAIR. */
    public enum PreActivation {
        /** Per-unit statistics of each model and their cross co-moment (ρ for the closed form). */
        CORRELATION,
        /** Per-unit statistics of each model only (smaller; the closed form then lacks ρ). */
        UNITS
    }

    private final EncoderConfig configA;
    private final EncoderConfig configB;
    private final PreActivation preActivation;
    private final StatisticsPrecision precision;
    private StatisticsProvenance provenance;
    /** Accumulators by key: the space names plus ffn.L.pre, qk.L.q, qk.L.k and residual.K. */
    private final Map<String, CrossCorrelation> cross = new LinkedHashMap<>();
    /** Per-unit pre-activation statistics in UNITS mode, keyed ffn.L.pre.A / ffn.L.pre.B. */
    private final Map<String, UnitStatistics> units = new LinkedHashMap<>();
    /** Tap name → accumulator key (or unit-statistics key prefix). */
    private final Map<String, String> tapToKey = new LinkedHashMap<>();

    private AlignmentStatistics(EncoderConfig a, EncoderConfig b, PreActivation pre, StatisticsProvenance provenance) {
        this.configA = Objects.requireNonNull(a, "config of model A");
        this.configB = Objects.requireNonNull(b, "config of model B");
        this.preActivation = pre;
        this.provenance = Objects.requireNonNull(provenance, "provenance");
        this.precision = Objects.requireNonNull(provenance.precision(), "provenance records no statistics.precision");
        checkSameShapes(a, b);
        for (int i = 0; i < a.numConvLayers(); i++) {
            add("feature_extractor.conv_layers." + i, "cnn." + i, a.convDim()[i], b.convDim()[i]);
        }
        int h = a.hiddenSize();
        for (int l = 0; l < a.numHiddenLayers(); l++) {
            String layer = "encoder.layers." + l;
            add(layer + ".feed_forward.intermediate_act", "ffn." + l, a.intermediateSize(), b.intermediateSize());
            String preKey = "ffn." + l + ".pre";
            if (pre == PreActivation.CORRELATION) {
                add(layer + ".feed_forward.intermediate_dense", preKey, a.intermediateSize(), b.intermediateSize());
            } else {
                tapToKey.put(layer + ".feed_forward.intermediate_dense", preKey);
                units.put(preKey + ".A", new UnitStatistics(preKey + " (A)", a.intermediateSize()));
                units.put(preKey + ".B", new UnitStatistics(preKey + " (B)", b.intermediateSize()));
            }
            add(layer + ".attention.out_proj.input", "attn." + l, h, h);
            add(layer + ".attention.q_proj", "qk." + l + ".q", h, h);
            add(layer + ".attention.k_proj", "qk." + l + ".k", h, h);
        }
        for (int k = 0; k <= a.numHiddenLayers(); k++) add("hidden_states." + k, "residual." + k, h, h);
    }

    private void add(String tap, String key, int dA, int dB) {
        tapToKey.put(tap, key);
        cross.put(key, new CrossCorrelation(key, dA, dB, precision));
    }

    private static void checkSameShapes(EncoderConfig a, EncoderConfig b) {
        List<String> diffs = new ArrayList<>();
        if (!java.util.Arrays.equals(a.convDim(), b.convDim())) diffs.add("conv_dim");
        if (a.hiddenSize() != b.hiddenSize()) diffs.add("hidden_size");
        if (a.numHiddenLayers() != b.numHiddenLayers()) diffs.add("num_hidden_layers");
        if (a.numAttentionHeads() != b.numAttentionHeads()) diffs.add("num_attention_heads");
        if (a.intermediateSize() != b.intermediateSize()) diffs.add("intermediate_size");
        if (a.numConvPosEmbeddingGroups() != b.numConvPosEmbeddingGroups()) diffs.add("num_conv_pos_embedding_groups");
        if (!diffs.isEmpty()) {
            throw new IllegalArgumentException("models A and B must have the same layer shapes to be aligned; they differ in "
                    + String.join(", ", diffs));
        }
    }

    /** Starts a builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds empty statistics for a pair of models. */
    public static final class Builder {
        private EncoderConfig a;
        private EncoderConfig b;
        private PreActivation pre = PreActivation.CORRELATION;
        private StatisticsPrecision precision;
        private StatisticsProvenance record = StatisticsProvenance.empty();
        private final Map<String, String> provenance = new LinkedHashMap<>();

        private Builder() {}

        /** Required: the reference model's architecture. */
        public Builder setConfigA(EncoderConfig config) {
            this.a = config;
            return this;
        }

        /** Required: the architecture of the model to be permuted. */
        public Builder setConfigB(EncoderConfig config) {
            this.b = config;
            return this;
        }

        /** How much FFN pre-activation statistics to keep (default CORRELATION). */
        public Builder optPreActivation(PreActivation mode) {
            this.pre = Objects.requireNonNull(mode);
            return this;
        }

        /**
         * The co-moment arithmetic (default: the provenance's {@code statistics.precision} if given, else
         * {@link #DEFAULT_PRECISION}); it is recorded in the provenance.
         */
        public Builder optPrecision(StatisticsPrecision p) {
            this.precision = Objects.requireNonNull(p);
            return this;
        }

        /** The provenance record (entries given by key, before or after, are applied on top of it). */
        public Builder optProvenance(StatisticsProvenance p) {
            this.record = Objects.requireNonNull(p);
            return this;
        }

        /**
         * Adds a provenance entry: a fixed key of {@link StatisticsProvenance#KEYS} sets that field, any other
         * key is kept as an extra (study name, seeds ...).
         */
        public Builder optProvenance(String key, String value) {
            provenance.put(key, value);
            return this;
        }

        /** Adds provenance entries. */
        public Builder optProvenance(Map<String, String> entries) {
            provenance.putAll(entries);
            return this;
        }

        public AlignmentStatistics build() {
            if (a == null || b == null) throw new IllegalStateException("setConfigA and setConfigB are required");
            StatisticsProvenance p = record.with(provenance);
            StatisticsPrecision chosen = precision != null ? precision : p.precision() != null ? p.precision() : DEFAULT_PRECISION;
            return new AlignmentStatistics(a, b, pre, p.with(Map.of("statistics.precision", chosen.key())));
        }
    }

    /** Whether a tap feeds any statistic (the extraction can skip the others). */
    @Override
    public boolean wants(String tap) {
        return tapToKey.containsKey(tap);
    }

    /** The taps these statistics consume. */
    public List<String> taps() {
        return List.copyOf(tapToKey.keySet());
    }

    /**
     * Adds one batch of paired frames of one tap: row t of a [N, dA] and of b [N, dB] is the same frame.
     * Taps that feed no space are ignored. Callers pass only real frames (padding already dropped).
     */
    @Override
    public void accept(String tap, NDArray a, NDArray b) {
        String key = tapToKey.get(tap);
        if (key == null) return;
        CrossCorrelation cc = cross.get(key);
        if (cc != null) {
            synchronized (cc) {
                cc.update(a, b);
            }
            return;
        }
        UnitStatistics ua = units.get(key + ".A");
        UnitStatistics ub = units.get(key + ".B");
        synchronized (ua) {
            ua.update(a);
            ub.update(b);
        }
    }

    /** The space names: cnn.i, ffn.L, attn.L, qk.L, residual. */
    public List<String> spaces() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < configA.numConvLayers(); i++) out.add("cnn." + i);
        for (int l = 0; l < configA.numHiddenLayers(); l++) out.add("ffn." + l);
        for (int l = 0; l < configA.numHiddenLayers(); l++) out.add("attn." + l);
        for (int l = 0; l < configA.numHiddenLayers(); l++) out.add("qk." + l);
        out.add("residual");
        return out;
    }

    /**
     * The correlation statistics of a space ({@code cnn.i}, {@code ffn.L}, {@code attn.L}, or
     * {@code residual} pooled over every hidden state). For {@code qk.L} use {@link #query} and
     * {@link #key}. Returns the live accumulator except for the pooled residual, which is a merged copy.
     */
    public CrossCorrelation correlation(String space) {
        if (space.equals("residual")) return residual(ResidualPooling.ALL);
        if (space.startsWith("qk.")) {
            throw new IllegalArgumentException("space " + space + " has two correlation blocks: use query(L) and key(L)");
        }
        CrossCorrelation cc = space.endsWith(".pre") || space.startsWith("residual.") ? null : cross.get(space);
        if (cc == null) throw new IllegalArgumentException("unknown space '" + space + "'; known: " + spaces());
        return cc;
    }

    /** Correlation of layer L's query projections. */
    public CrossCorrelation query(int layer) {
        return get("qk." + layer + ".q");
    }

    /** Correlation of layer L's key projections. */
    public CrossCorrelation key(int layer) {
        return get("qk." + layer + ".k");
    }

    /** Correlation of the residual stream at {@code hidden_states.k}. */
    public CrossCorrelation residualAt(int k) {
        return get("residual." + k);
    }

    /** The residual stream's correlation pooled as asked (a merged copy). */
    public CrossCorrelation residual(ResidualPooling pooling) {
        int last = configA.numHiddenLayers();
        return switch (pooling) {
            case FIRST -> residualAt(0).copy();
            case LAST -> residualAt(last).copy();
            case ALL -> {
                CrossCorrelation pooled = new CrossCorrelation("residual", configA.hiddenSize(), configB.hiddenSize());
                for (int k = 0; k <= last; k++) pooled.merge(residualAt(k));
                yield pooled;
            }
        };
    }

    /**
     * Pre-activation cross statistics of a space for REPAIR's closed form: {@code ffn.L} → the FFN
     * intermediate before GELU; {@code attn.L} → the space itself (values are linear). Null for an FFN space
     * when only per-unit statistics were kept.
     */
    public CrossCorrelation preActivation(String space) {
        if (space.startsWith("attn.")) return correlation(space);
        if (space.startsWith("ffn.")) {
            correlation(space);
            return cross.get(space + ".pre");
        }
        throw new IllegalArgumentException("space '" + space + "' has no pre-activation statistics (REPAIR applies"
                + " to ffn.L and attn.L only)");
    }

    /** Per-unit pre-activation statistics of model A (true) or B (false) for REPAIR. */
    public UnitStatistics preActivationUnits(String space, boolean modelA) {
        CrossCorrelation cc = preActivation(space);
        if (cc != null) return modelA ? cc.statisticsA() : cc.statisticsB();
        return units.get(space + ".pre." + (modelA ? "A" : "B")).copy();
    }

    private CrossCorrelation get(String key) {
        CrossCorrelation cc = cross.get(key);
        if (cc == null) throw new IllegalArgumentException("no statistics named '" + key + "'");
        return cc;
    }

    /** Frames accumulated per space (qk counts its query block; residual counts frames × hidden states). */
    public Map<String, Long> framesPerSpace() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String s : spaces()) {
            out.put(s, s.startsWith("qk.") ? query(Integer.parseInt(s.substring(3))).count()
                    : s.equals("residual") ? residualFrames() : correlation(s).count());
        }
        return out;
    }

    private long residualFrames() {
        long n = 0;
        for (int k = 0; k <= configA.numHiddenLayers(); k++) n += residualAt(k).count();
        return n;
    }

    public EncoderConfig configA() {
        return configA;
    }

    public EncoderConfig configB() {
        return configB;
    }

    public PreActivation preActivationMode() {
        return preActivation;
    }

    /** The arithmetic of the co-moments (also in the provenance as {@code statistics.precision}). */
    public StatisticsPrecision precision() {
        return precision;
    }

    /** Provenance as the file's metadata entries (fixed keys, then extras; read-only). */
    public Map<String, String> provenance() {
        return Collections.unmodifiableMap(provenance.toMetadata());
    }

    /** Provenance as a typed record. */
    public StatisticsProvenance origin() {
        return provenance;
    }

    /**
     * Records further provenance once the statistics are complete (the run's elapsed time, a stats-merge's inputs):
     * fixed keys set their fields, as {@link Builder#optProvenance(String, String)} does; the co-moment precision is
     * the arithmetic's and cannot be changed here.
     */
    public void addProvenance(Map<String, String> entries) {
        if (entries.containsKey("statistics.precision") && !entries.get("statistics.precision").equals(provenance.toMetadata().get("statistics.precision"))) {
            throw new IllegalArgumentException("statistics.precision records the co-moments' arithmetic ("
                    + provenance.toMetadata().get("statistics.precision") + "); it cannot be changed to " + entries.get("statistics.precision"));
        }
        provenance = provenance.with(entries);
    }

    /**
     * Adds the statistics of another run: the result is what one run over both runs' frames gives. Refused
     * unless both measured the same architectures (the whole config: layer shapes and layout) in the same
     * pre-activation mode, and unless their provenance agrees ({@link StatisticsProvenance#mergedWith}: same
     * weights, same manifest, disjoint shards).
     */
    public void merge(AlignmentStatistics other) {
        merge(other, "these statistics", "the other statistics");
    }

    /** {@link #merge(AlignmentStatistics)}, naming both sides (e.g. their files) in any refusal. */
    public void merge(AlignmentStatistics other, String mine, String theirs) {
        checkSameShapes(configA, other.configA);
        checkSameShapes(configB, other.configB);
        if (!configA.equals(other.configA) || !configB.equals(other.configB)) {
            boolean sideA = !configA.equals(other.configA);
            throw new IllegalArgumentException("cannot add " + mine + " and " + theirs + ": they measured another layout of model "
                    + (sideA ? "A: " + configA + " vs " + other.configA : "B: " + configB + " vs " + other.configB));
        }
        if (other.preActivation != preActivation) {
            throw new IllegalArgumentException("cannot add " + mine + " and " + theirs + ": pre-activation mode " + preActivation
                    + " vs " + other.preActivation);
        }
        StatisticsProvenance merged = provenance.mergedWith(other.provenance, mine, theirs);
        for (Map.Entry<String, CrossCorrelation> e : cross.entrySet()) e.getValue().merge(other.cross.get(e.getKey()));
        for (Map.Entry<String, UnitStatistics> e : units.entrySet()) e.getValue().merge(other.units.get(e.getKey()));
        provenance = merged;
    }

    /** Writes every accumulator as float64 tensors, with configs and provenance in the metadata; atomic. */
    public void save(Path file) {
        StateDict sd = new StateDict();
        for (Map.Entry<String, CrossCorrelation> e : cross.entrySet()) {
            CrossCorrelation cc = e.getValue();
            String k = e.getKey();
            sd.put(k + ".count", count(cc.count()));
            putUnits(sd, k + ".A", cc.statisticsA());
            putUnits(sd, k + ".B", cc.statisticsB());
            sd.put(k + ".comoment", Tensor.ofDoubles(new long[] {cc.unitsA(), cc.unitsB()}, cc.comoment()));
        }
        for (Map.Entry<String, UnitStatistics> e : units.entrySet()) {
            sd.put(e.getKey() + ".count", count(e.getValue().count()));
            putUnits(sd, e.getKey(), e.getValue());
        }
        Map<String, String> meta = sd.metadata();
        meta.putAll(provenance.toMetadata());
        meta.put("permerge.statistics", FORMAT_VERSION);
        meta.put("permerge.version", Version.VERSION);
        meta.put("config.A", configA.toJsonString());
        meta.put("config.B", configB.toJsonString());
        meta.put("pre_activation", preActivation.name());
        for (Map.Entry<String, Long> e : framesPerSpace().entrySet()) meta.put("frames." + e.getKey(), e.getValue().toString());
        SafeTensors.write(file, sd);
    }

    private static Tensor count(long n) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, n);
        return new Tensor(DType.I64, new long[] {1}, b);
    }

    private static void putUnits(StateDict sd, String prefix, UnitStatistics s) {
        sd.put(prefix + ".mean", Tensor.ofDoubles(new long[] {s.units()}, s.mean()));
        sd.put(prefix + ".m2", Tensor.ofDoubles(new long[] {s.units()}, s.m2()));
    }

    /** Reads statistics written by {@link #save}; a missing or misshapen tensor is an error naming it. */
    public static AlignmentStatistics load(Path file) {
        StateDict sd = SafeTensors.read(file);
        Header h = Header.read(file, sd);
        AlignmentStatistics s = new AlignmentStatistics(h.configA(), h.configB(), h.preActivation(), h.provenance());
        int expected = 0;
        for (Map.Entry<String, CrossCorrelation> e : s.cross.entrySet()) {
            String k = e.getKey();
            CrossCorrelation empty = e.getValue();
            long n = readCount(sd, k + ".count", file);
            UnitStatistics ua = readUnits(sd, k + ".A", n, empty.unitsA(), file);
            UnitStatistics ub = readUnits(sd, k + ".B", n, empty.unitsB(), file);
            double[] com = read(sd, k + ".comoment", new long[] {empty.unitsA(), empty.unitsB()}, file);
            empty.merge(CrossCorrelation.of(k, ua, ub, com));
            expected += 6;
        }
        for (Map.Entry<String, UnitStatistics> e : s.units.entrySet()) {
            long n = readCount(sd, e.getKey() + ".count", file);
            e.getValue().merge(readUnits(sd, e.getKey(), n, e.getValue().units(), file));
            expected += 3;
        }
        if (sd.size() != expected) {
            List<String> extra = new ArrayList<>(sd.names());
            extra.removeIf(n -> s.isKnownTensor(n));
            throw new CheckpointFormatException(file + ": unexpected tensors " + extra);
        }
        return s;
    }

    /**
     * What a statistics file's metadata declares, read and checked before anything is allocated (the one
     * reader of the format's header, shared by {@link #load} and the lazy {@code merge.StatisticsFile}): the
     * format version, both configs, the pre-activation mode, the provenance and the frames per space. The
     * tensors the configs call for must all be in the file and fit in it, so a small file that declares 10⁸
     * layers or huge widths is refused by name instead of allocating accumulators for them.
     *
     * @param configA       model A's architecture
     * @param configB       model B's architecture
     * @param preActivation how much FFN pre-activation the file keeps
     * @param provenance    where the statistics came from
     * @param frames        frames behind each space, as recorded
     */
    public record Header(EncoderConfig configA, EncoderConfig configB, PreActivation preActivation,
                         StatisticsProvenance provenance, Map<String, Long> frames) {
        /** Reads and checks the header of {@code file}, whose tensors {@code lazy} lists (no data is read). */
        public static Header read(Path file, StateDict lazy) {
            Map<String, String> meta = new LinkedHashMap<>(lazy.metadata());
            String version = meta.get("permerge.statistics");
            if (version == null) {
                throw new CheckpointFormatException(file + ": not a permerge statistics file (no 'permerge.statistics' metadata)");
            }
            if (!version.equals(FORMAT_VERSION)) {
                throw new CheckpointFormatException(file + ": statistics format " + version + ", expected " + FORMAT_VERSION);
            }
            EncoderConfig a = config(meta, "config.A", file);
            EncoderConfig b = config(meta, "config.B", file);
            String mode = required(meta, "pre_activation", file);
            PreActivation pre;
            try {
                pre = PreActivation.valueOf(mode);
            } catch (IllegalArgumentException e) {
                throw new CheckpointFormatException(file + ": metadata entry 'pre_activation' is '" + mode + "', expected one of "
                        + java.util.Arrays.toString(PreActivation.values()));
            }
            try {
                checkSameShapes(a, b);
            } catch (IllegalArgumentException e) {
                throw new CheckpointFormatException(file + ": " + e.getMessage());
            }
            checkDeclaredSize(file, lazy, a, b, pre);
            Map<String, String> prov = new LinkedHashMap<>();
            Map<String, Long> frames = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : meta.entrySet()) {
                String k = e.getKey();
                if (k.startsWith("frames.")) {
                    try {
                        frames.put(k.substring(7), Long.parseLong(e.getValue()));
                    } catch (NumberFormatException x) {
                        throw new CheckpointFormatException(file + ": metadata entry '" + k + "' is not a frame count: " + e.getValue());
                    }
                } else if (!k.startsWith("config.") && !k.equals("format") && !k.equals("pre_activation")
                        && !k.equals("permerge.statistics")) {
                    // permerge.version stays: it is the writer's version, part of the common provenance record
                    prov.put(k, e.getValue());
                }
            }
            StatisticsProvenance p;
            try {
                p = StatisticsProvenance.fromMetadata(prov);
            } catch (IllegalArgumentException e) {
                throw new CheckpointFormatException(file + ": " + e.getMessage());
            }
            if (p.createdBy() == null && meta.containsKey("permerge.version")) {
                p = p.with(Map.of("created_by", "permerge " + meta.get("permerge.version")));
            }
            // Files from before the precision was recorded were all computed in float64.
            if (p.precision() == null) p = p.with(Map.of("statistics.precision", StatisticsPrecision.FLOAT64.key()));
            return new Header(a, b, pre, p, frames);
        }

        private static EncoderConfig config(Map<String, String> meta, String key, Path file) {
            try {
                return EncoderConfig.fromJson(JsonParser.parseString(required(meta, key, file)).getAsJsonObject(), file + " " + key);
            } catch (com.google.gson.JsonParseException | IllegalStateException e) {
                throw new CheckpointFormatException(file + ": metadata entry '" + key + "' is not a JSON config object: " + e.getMessage());
            }
        }
    }

    /**
     * Checks, without allocating, that the tensors the configs call for are in the file (the first missing one
     * is named; the walk stops there, so it is never longer than the file's own tensor list) and that their bytes
     * fit in it.
     */
    private static void checkDeclaredSize(Path file, StateDict lazy, EncoderConfig a, EncoderConfig b, PreActivation pre) {
        int layers = a.numHiddenLayers();
        String declared = "its configs declare " + layers + " layers, hidden " + a.hiddenSize() + ", intermediate "
                + a.intermediateSize() + ", conv " + java.util.Arrays.toString(a.convDim());
        java.util.function.Consumer<String> cross = k -> {
            for (String t : new String[] {".count", ".A.mean", ".A.m2", ".B.mean", ".B.m2", ".comoment"}) present(lazy, k + t, file, declared);
        };
        java.util.function.Consumer<String> unit = k -> {
            for (String t : new String[] {".count", ".mean", ".m2"}) present(lazy, k + t, file, declared);
        };
        double bytes = 0;
        double h = a.hiddenSize();
        double ffn = a.intermediateSize();
        for (int i = 0; i < a.numConvLayers(); i++) {
            cross.accept("cnn." + i);
            bytes += crossBytes(a.convDim()[i], b.convDim()[i]);
        }
        for (int l = 0; l < layers; l++) {
            cross.accept("ffn." + l);
            if (pre == PreActivation.CORRELATION) {
                cross.accept("ffn." + l + ".pre");
            } else {
                unit.accept("ffn." + l + ".pre.A");
                unit.accept("ffn." + l + ".pre.B");
            }
            cross.accept("attn." + l);
            cross.accept("qk." + l + ".q");
            cross.accept("qk." + l + ".k");
            bytes += crossBytes(ffn, ffn) + 3 * crossBytes(h, h)
                    + (pre == PreActivation.CORRELATION ? crossBytes(ffn, ffn) : 2 * (8 + 16 * ffn));
        }
        for (int k = 0; k <= layers; k++) cross.accept("residual." + k);
        bytes += (layers + 1) * crossBytes(h, h);
        long size;
        try {
            size = java.nio.file.Files.size(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (bytes > size) {
            throw new CheckpointFormatException(file + ": " + declared + ", which call for " + (long) bytes
                    + " bytes of statistics, but the file is " + size + " bytes");
        }
    }

    private static void present(StateDict lazy, String name, Path file, String declared) {
        if (!lazy.contains(name)) throw new CheckpointFormatException(file + ": tensor '" + name + "' is missing (" + declared + ")");
    }

    private static double crossBytes(double dA, double dB) {
        return 8 + 16 * dA + 16 * dB + 8 * dA * dB;
    }

    private boolean isKnownTensor(String name) {
        for (String k : cross.keySet()) if (name.startsWith(k + ".")) return true;
        for (String k : units.keySet()) if (name.startsWith(k + ".")) return true;
        return false;
    }

    private static String required(Map<String, String> meta, String key, Path file) {
        String v = meta.get(key);
        if (v == null) throw new CheckpointFormatException(file + ": metadata entry '" + key + "' is missing");
        return v;
    }

    private static long readCount(StateDict sd, String name, Path file) {
        Tensor t = tensor(sd, name, file);
        if (t.dtype() != DType.I64 || t.numel() != 1) {
            throw new CheckpointFormatException(file + ": tensor '" + name + "' should be one I64, got " + t);
        }
        long n = t.bytes().getLong(0);
        if (n < 0) throw new CheckpointFormatException(file + ": tensor '" + name + "' holds a negative count " + n);
        return n;
    }

    private static UnitStatistics readUnits(StateDict sd, String prefix, long n, int units, Path file) {
        return UnitStatistics.of(prefix, n, read(sd, prefix + ".mean", new long[] {units}, file),
                read(sd, prefix + ".m2", new long[] {units}, file));
    }

    private static double[] read(StateDict sd, String name, long[] shape, Path file) {
        Tensor t = tensor(sd, name, file);
        if (t.dtype() != DType.F64 || !java.util.Arrays.equals(t.shape(), shape)) {
            throw new CheckpointFormatException(file + ": tensor '" + name + "' should be F64 " + java.util.Arrays.toString(shape)
                    + ", got " + t);
        }
        return t.toDoubleArray();
    }

    private static Tensor tensor(StateDict sd, String name, Path file) {
        if (!sd.contains(name)) throw new CheckpointFormatException(file + ": tensor '" + name + "' is missing");
        return sd.get(name);
    }

    @Override
    public String toString() {
        return "AlignmentStatistics[" + cross.size() + " accumulators, frames " + framesPerSpace() + "]";
    }
}
