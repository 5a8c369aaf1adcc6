package org.permerge.correlate;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Where a set of alignment statistics came from, with the fixed metadata keys every writer uses: both
 * models (reference and content hash), the calibration manifest (path and sha256), the split and the shards of
 * it that were accumulated, the preprocessing, and the writer. A value nobody recorded reads as null and is
 * written as {@value #UNKNOWN}. Adding statistics of two runs ({@link #mergedWith}) refuses what would make the
 * sum wrong: other weights, another calibration manifest, another split, preprocessing or co-moment precision (mixing float32 and float64 parts), or shards that share
 * clips.
 *
 * @param modelA             how model A was named (folder, file or hub id)
 * @param modelASha256       content hash of A's inference weights ({@link org.permerge.checkpoint.ModelHash#ofInference}), null when not recorded
 * @param modelB             how model B was named
 * @param modelBSha256       content hash of B's weights
 * @param preprocessorA      A's preprocessing (sampling rate, normalisation)
 * @param preprocessorB      B's preprocessing
 * @param resample           whether clips were resampled to each model's rate, null when not recorded
 * @param manifest           the calibration manifest's path (or a description of in-memory clips)
 * @param manifestSha256     the calibration manifest's checksum
 * @param split              the manifest split the clips came from ({@code all} for every clip)
 * @param splitClips         clips in that split, the index range the shards stride over (-1: not recorded)
 * @param shards             the shards of the split accumulated here (one per run; several after stats-merge)
 * @param clips              clips accumulated (-1: not recorded)
 * @param parts              runs added up into these statistics
 * @param createdBy          the writer, e.g. {@code permerge 0.1.0 stats}
 * @param precision          the arithmetic of the co-moments ({@code statistics.precision}), null when not recorded
 * @param extras             further entries (study name, seeds ...), kept as given
 */
public record StatisticsProvenance(String modelA, String modelASha256, String modelB, String modelBSha256,
                                   String preprocessorA, String preprocessorB, Boolean resample,
                                   String manifest, String manifestSha256, String split, int splitClips,
                                   List<Shard> shards, int clips, int parts, String createdBy,
                                   StatisticsPrecision precision, Map<String, String> extras) {
    /** How a value nobody recorded is written. */
    public static final String UNKNOWN = "unknown";

    /** Every fixed key, in the order they are written. */
    public static final List<String> KEYS = List.of("model.A", "model.A.sha256", "model.B", "model.B.sha256",
            "preprocessor.A", "preprocessor.B", "calibration.resample", "calibration.manifest", "calibration.sha256",
            "calibration.split", "calibration.split_clips", "calibration.shards", "calibration.clips", "parts",
            "created_by", "statistics.precision");

    /** Clips {@code index}, {@code index + count}, ... of a split (the {@code --shard i/n} of {@code permerge stats}). */
    public record Shard(int index, int count) {
        public Shard {
            if (count < 1 || index < 0 || index >= count) {
                throw new IllegalArgumentException("a shard is i/n with 0 <= i < n, got " + index + "/" + count);
            }
        }

        /** Parses {@code i/n}. */
        public static Shard parse(String s) {
            String[] p = s.trim().split("/");
            try {
                if (p.length == 2) return new Shard(Integer.parseInt(p[0].trim()), Integer.parseInt(p[1].trim()));
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException("a shard is i/n with 0 <= i < n, got '" + s + "'");
        }

        /**
         * The first clip index below {@code clips} that both shards take, or -1 when they share none; with
         * {@code clips} unknown (negative), over a split long enough for any. Solved by the Chinese remainder
         * theorem (they share clips exactly when i ≡ j modulo gcd(n, m)), so forged shard sizes cost nothing.
         */
        public int firstSharedClip(Shard other, int clips) {
            BigInteger n = BigInteger.valueOf(count);
            BigInteger m = BigInteger.valueOf(other.count);
            BigInteger g = n.gcd(m);
            BigInteger diff = BigInteger.valueOf((long) other.index - index);
            if (diff.mod(g).signum() != 0) return -1;
            // k = i + n·t with (n/g)·t ≡ (j − i)/g (mod m/g); the least such k ≥ 0 is also ≥ i and ≥ j.
            BigInteger mg = m.divide(g);
            BigInteger t = mg.equals(BigInteger.ONE) ? BigInteger.ZERO : diff.divide(g).multiply(n.divide(g).modInverse(mg)).mod(mg);
            BigInteger k = BigInteger.valueOf(index).add(n.multiply(t));
            if (clips < 0) return k.min(BigInteger.valueOf(Integer.MAX_VALUE)).intValue();
            return k.compareTo(BigInteger.valueOf(clips)) < 0 ? k.intValue() : -1;
        }

        @Override
        public String toString() {
            return index + "/" + count;
        }
    }

    public StatisticsProvenance {
        shards = List.copyOf(shards);
        extras = java.util.Collections.unmodifiableMap(new TreeMap<>(extras));
        for (String k : extras.keySet()) {
            if (KEYS.contains(k)) throw new IllegalArgumentException("provenance key '" + k + "' is a fixed field, not an extra");
        }
    }

    /** Nothing recorded yet. */
    public static StatisticsProvenance empty() {
        return fromMetadata(Map.of());
    }

    /** Reads the fixed keys from metadata (the one reader); other entries become extras. */
    public static StatisticsProvenance fromMetadata(Map<String, String> meta) {
        Map<String, String> extras = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : meta.entrySet()) {
            if (!KEYS.contains(e.getKey())) extras.put(e.getKey(), e.getValue());
        }
        String shards = value(meta, "calibration.shards");
        List<Shard> list = new ArrayList<>();
        if (shards != null && !shards.isBlank()) {
            for (String s : shards.split(",")) list.add(Shard.parse(s));
        }
        String resample = value(meta, "calibration.resample");
        String precision = value(meta, "statistics.precision");
        return new StatisticsProvenance(value(meta, "model.A"), value(meta, "model.A.sha256"), value(meta, "model.B"),
                value(meta, "model.B.sha256"), value(meta, "preprocessor.A"), value(meta, "preprocessor.B"),
                resample == null ? null : Boolean.valueOf(resample), value(meta, "calibration.manifest"),
                value(meta, "calibration.sha256"), value(meta, "calibration.split"), integer(meta, "calibration.split_clips"),
                list, integer(meta, "calibration.clips"), Math.max(1, integer(meta, "parts")), value(meta, "created_by"),
                precision == null ? null : StatisticsPrecision.parse(precision), extras);
    }

    private static String value(Map<String, String> meta, String key) {
        String v = meta.get(key);
        return v == null || v.equals(UNKNOWN) ? null : v;
    }

    private static int integer(Map<String, String> meta, String key) {
        String v = value(meta, key);
        if (v == null) return -1;
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("provenance entry '" + key + "' should be a whole number, got '" + v + "'");
        }
    }

    /** Every fixed key (unknown values as {@value #UNKNOWN}) then the extras: the one writer. */
    public Map<String, String> toMetadata() {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("model.A", text(modelA));
        out.put("model.A.sha256", text(modelASha256));
        out.put("model.B", text(modelB));
        out.put("model.B.sha256", text(modelBSha256));
        out.put("preprocessor.A", text(preprocessorA));
        out.put("preprocessor.B", text(preprocessorB));
        out.put("calibration.resample", resample == null ? UNKNOWN : resample.toString());
        out.put("calibration.manifest", text(manifest));
        out.put("calibration.sha256", text(manifestSha256));
        out.put("calibration.split", text(split));
        out.put("calibration.split_clips", splitClips < 0 ? UNKNOWN : Integer.toString(splitClips));
        out.put("calibration.shards", shards.isEmpty() ? UNKNOWN : String.join(",", shards.stream().map(Shard::toString).toList()));
        out.put("calibration.clips", clips < 0 ? UNKNOWN : Integer.toString(clips));
        out.put("parts", Integer.toString(parts));
        out.put("created_by", text(createdBy));
        out.put("statistics.precision", precision == null ? UNKNOWN : precision.key());
        out.putAll(extras);
        return out;
    }

    private static String text(String s) {
        return s == null ? UNKNOWN : s;
    }

    /** A copy with other values for the fixed keys given (the rest kept): the builder's route. */
    public StatisticsProvenance with(Map<String, String> entries) {
        Map<String, String> meta = toMetadata();
        meta.putAll(entries);
        return fromMetadata(meta);
    }

    /**
     * Refuses statistics whose origin cannot be checked when they are added up: both model hashes, the
     * calibration manifest's checksum and the shards must be recorded (a file written by {@code permerge stats}).
     *
     * @param label names the statistics in the error, e.g. the file
     */
    public void requireMergeable(String label) {
        List<String> missing = new ArrayList<>();
        if (modelASha256 == null) missing.add("model.A.sha256");
        if (modelBSha256 == null) missing.add("model.B.sha256");
        if (manifestSha256 == null) missing.add("calibration.sha256");
        if (shards.isEmpty()) missing.add("calibration.shards");
        if (splitClips < 0) missing.add("calibration.split_clips");
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(label + " records no " + String.join(", ", missing)
                    + ": cannot show that it measured the same models over other clips; re-run `permerge stats` (this version)"
                    + " to get statistics that can be added up");
        }
    }

    /**
     * The provenance of the sum of two runs' statistics. Refused, naming both sides: other weights of A or B,
     * another calibration manifest, split, preprocessing or co-moment precision, a shard seen twice or two shards sharing a clip, and
     * an origin recorded on one side only (nothing could be checked then). Unrecorded on both sides passes:
     * statistics built in memory by a caller that knows what it adds up.
     */
    public StatisticsProvenance mergedWith(StatisticsProvenance other, String mine, String theirs) {
        String both = mine + " and " + theirs;
        same("model A's weights (model.A.sha256)", modelASha256, modelA, other.modelASha256, other.modelA, mine, theirs);
        same("model B's weights (model.B.sha256)", modelBSha256, modelB, other.modelBSha256, other.modelB, mine, theirs);
        same("calibration manifest (calibration.sha256)", manifestSha256, manifest, other.manifestSha256, other.manifest, mine, theirs);
        same("calibration split", split, null, other.split, null, mine, theirs);
        same("preprocessing of model A", preprocessorA, null, other.preprocessorA, null, mine, theirs);
        same("preprocessing of model B", preprocessorB, null, other.preprocessorB, null, mine, theirs);
        same("resampling", resample == null ? null : resample.toString(), null,
                other.resample == null ? null : other.resample.toString(), null, mine, theirs);
        same("statistics precision", precision == null ? null : precision.key(), null,
                other.precision == null ? null : other.precision.key(), null, mine, theirs);
        if (shards.isEmpty() != other.shards.isEmpty()) {
            throw new IllegalArgumentException("cannot add " + both + ": only " + (shards.isEmpty() ? theirs : mine)
                    + " records which shard of the calibration clips it measured");
        }
        int span = Math.max(splitClips, other.splitClips);
        for (Shard s : shards) {
            for (Shard t : other.shards) {
                if (s.equals(t)) {
                    throw new IllegalArgumentException("cannot add " + both + ": both measured shard " + s + " of "
                            + text(manifest) + " (the same clips twice)");
                }
                int shared = s.firstSharedClip(t, span);
                if (shared >= 0) {
                    throw new IllegalArgumentException("cannot add " + both + ": shard " + s + " of " + mine + " and shard " + t
                            + " of " + theirs + " overlap (" + (span < 0 ? "they share clips" : "both hold clip " + shared + " of the split")
                            + "; shard every run of one calibration with the same n)");
                }
            }
        }
        List<Shard> allShards = new ArrayList<>(shards);
        allShards.addAll(other.shards);
        Map<String, String> mergedExtras = new LinkedHashMap<>(extras);
        for (Map.Entry<String, String> e : other.extras.entrySet()) {
            String v = mergedExtras.get(e.getKey());
            mergedExtras.put(e.getKey(), v == null || v.equals(e.getValue()) ? e.getValue() : v + " | " + e.getValue());
        }
        return new StatisticsProvenance(join(modelA, other.modelA), first(modelASha256, other.modelASha256),
                join(modelB, other.modelB), first(modelBSha256, other.modelBSha256), first(preprocessorA, other.preprocessorA),
                first(preprocessorB, other.preprocessorB), resample != null ? resample : other.resample,
                join(manifest, other.manifest), first(manifestSha256, other.manifestSha256), first(split, other.split),
                Math.max(splitClips, other.splitClips), allShards, clips < 0 || other.clips < 0 ? -1 : clips + other.clips,
                parts + other.parts, join(createdBy, other.createdBy), precision != null ? precision : other.precision,
                mergedExtras);
    }

    private static void same(String what, String x, String xName, String y, String yName, String mine, String theirs) {
        if (Objects.equals(x, y)) return;
        if (x == null || y == null) {
            throw new IllegalArgumentException("cannot add " + mine + " and " + theirs + ": only " + (x == null ? theirs : mine)
                    + " records the " + what + ", so they cannot be shown to match");
        }
        throw new IllegalArgumentException("cannot add " + mine + " and " + theirs + ": they differ in the " + what + ": "
                + mine + " has " + x + (xName != null ? " (" + xName + ")" : "") + ", " + theirs + " has " + y
                + (yName != null ? " (" + yName + ")" : ""));
    }

    private static String first(String x, String y) {
        return x != null ? x : y;
    }

    private static String join(String x, String y) {
        if (x == null) return y;
        if (y == null || x.equals(y) || Arrays.asList(x.split(" \\| ")).contains(y)) return x;
        return x + " | " + y;
    }
}
