package org.permerge.permute;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.permerge.model.EncoderConfig;

import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * An immutable set of permutations, one {@code int[]} per space name; a space without an entry is the
 * identity. Convention (INTERFACES.md): {@code perm[i]} is the unit of the permuted model's original that
 * lands at position i (a gather). For a within-head space ({@code qk.L}) the stored array keeps every head
 * in place and holds only the within-head permutations; its effective permutation composes them with the
 * head order of the space it is tied to ({@code attn.L}), see {@link #effective(Space)}.
 */
public final class Permutations {
    private static final Permutations IDENTITY = new Permutations(Map.of());
    /** The fraction of units a random permutation must move (the "≥ 90 % of units moved"). */
    public static final double MIN_MOVED_FRACTION = 0.9;

    private final Map<String, int[]> perms;

    private Permutations(Map<String, int[]> perms) {
        this.perms = perms;
    }

    /** No permutation anywhere. */
    public static Permutations identity() {
        return IDENTITY;
    }

    /** Permutations from a map (arrays copied and checked to be permutations of 0..n-1). */
    public static Permutations of(Map<String, int[]> perms) {
        Map<String, int[]> copy = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> e : perms.entrySet()) {
            checkPermutation(e.getKey(), e.getValue());
            copy.put(e.getKey(), e.getValue().clone());
        }
        return new Permutations(Collections.unmodifiableMap(copy));
    }

    /** A copy with one space's permutation added or replaced. */
    public Permutations with(String space, int[] perm) {
        Map<String, int[]> m = new LinkedHashMap<>(perms);
        m.put(space, perm);
        return of(m);
    }

    /** A copy without the named space (it becomes the identity). */
    public Permutations without(String space) {
        Map<String, int[]> m = new LinkedHashMap<>(perms);
        m.remove(space);
        return of(m);
    }

    /** A copy keeping only the given spaces. */
    public Permutations restrictedTo(Collection<String> spaces) {
        Map<String, int[]> m = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> e : perms.entrySet()) if (spaces.contains(e.getKey())) m.put(e.getKey(), e.getValue());
        return of(m);
    }

    /** Names of the spaces that carry a permutation (identity entries included). */
    public java.util.Set<String> spaces() {
        return perms.keySet();
    }

    public boolean contains(String space) {
        return perms.containsKey(space);
    }

    /** The stored permutation of a space (a copy), or null when the space has none. */
    public int[] get(String space) {
        int[] p = perms.get(space);
        return p == null ? null : p.clone();
    }

    /** The stored permutation, or the identity of the space's size. */
    public int[] getOrIdentity(Space space) {
        int[] p = perms.get(space.name());
        return p == null ? identity(space.size()) : p.clone();
    }

    /**
     * The permutation that acts on the space's tensor axes. For a within-block space it is the within-block
     * permutation followed by the block order of the space it is tied to: {@code eff[i] = H[within[i]]}, where
     * H moves whole blocks as the tied space does. Forgetting this composition reorders V heads but not Q/K
     * (the authors' defect 2).
     */
    public int[] effective(Space space) {
        int[] own = getOrIdentity(space);
        if (!space.withinBlocks()) return own;
        int[] tied = perms.get(space.blockOrderFrom());
        if (tied == null) return own;
        int d = space.blockSize();
        int[] order = blockOrder(tied, d);
        int[] eff = new int[own.length];
        for (int i = 0; i < own.length; i++) {
            int j = own[i];
            eff[i] = order[j / d] * d + j % d;
        }
        return eff;
    }

    /** The block order of a block-structured permutation: block b of the result comes from block order[b]. */
    public static int[] blockOrder(int[] perm, int blockSize) {
        int[] order = new int[perm.length / blockSize];
        for (int b = 0; b < order.length; b++) order[b] = perm[b * blockSize] / blockSize;
        return order;
    }

    /** The within-block part for destination block b: position k of block b comes from unit result[k] of its source block. */
    public static int[] withinBlock(int[] perm, int blockSize, int b) {
        int[] w = new int[blockSize];
        for (int k = 0; k < blockSize; k++) w[k] = perm[b * blockSize + k] % blockSize;
        return w;
    }

    /** The fraction of positions i with perm[i] != i. */
    public static double movedFraction(int[] perm) {
        int moved = 0;
        for (int i = 0; i < perm.length; i++) if (perm[i] != i) moved++;
        return perm.length == 0 ? 0 : (double) moved / perm.length;
    }

    public static int[] identity(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        return p;
    }

    public static int[] inverse(int[] perm) {
        int[] inv = new int[perm.length];
        for (int i = 0; i < perm.length; i++) inv[perm[i]] = i;
        return inv;
    }

    /** The gather that applies {@code first} and then {@code second}: {@code result[i] = first[second[i]]}. */
    public static int[] compose(int[] first, int[] second) {
        int[] r = new int[second.length];
        for (int i = 0; i < r.length; i++) r[i] = first[second[i]];
        return r;
    }

    /** Throws naming the space when the array is not a permutation of 0..n-1. */
    public static void checkPermutation(String space, int[] perm) {
        if (perm == null) throw new IllegalArgumentException("space " + space + ": permutation is null");
        boolean[] seen = new boolean[perm.length];
        for (int i = 0; i < perm.length; i++) {
            int v = perm[i];
            if (v < 0 || v >= perm.length) {
                throw new IllegalArgumentException("space " + space + ": entry " + i + " is " + v + ", outside 0.." + (perm.length - 1)
                        + " (not a permutation)");
            }
            if (seen[v]) {
                throw new IllegalArgumentException("space " + space + ": unit " + v + " appears twice (at position " + i
                        + "); not a permutation");
            }
            seen[v] = true;
        }
    }

    /**
     * Random permutations of the named spaces of a HuBERT-family encoder, each admissible for its space and
     * moving at least {@value #MIN_MOVED_FRACTION} of its units (heads and groups reordered as well); the
     * seed makes them reproducible.
     */
    public static Permutations random(EncoderConfig config, Collection<String> spaces, long seed) {
        PermutationSpec spec = PermutationSpec.hubert(config);
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, int[]> m = new LinkedHashMap<>();
        for (String name : spaces) {
            Space s = spec.space(name);
            int d = s.blockSize();
            int[] p = new int[s.size()];
            int[] order = s.withinBlocks() ? identity(s.blocks()) : randomMoving(s.blocks(), rng);
            for (int b = 0; b < s.blocks(); b++) {
                int[] w = d == 1 ? new int[] {0} : randomMoving(d, rng);
                for (int k = 0; k < d; k++) p[b * d + k] = order[b] * d + w[k];
            }
            m.put(name, p);
        }
        return of(m);
    }

    /** A uniformly random permutation among those with at most 10 % fixed points (rejection sampling). */
    private static int[] randomMoving(int n, SplittableRandom rng) {
        int allowedFixed = (int) Math.floor(n * (1 - MIN_MOVED_FRACTION) + 1e-9);
        if (n == 1) return new int[] {0};
        while (true) {
            int[] p = identity(n);
            for (int i = n - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = p[i];
                p[i] = p[j];
                p[j] = t;
            }
            int fixed = 0;
            for (int i = 0; i < n; i++) if (p[i] == i) fixed++;
            if (fixed <= allowedFixed) return p;
        }
    }

    /** JSON object {space: [perm...]} for provenance files. */
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        for (Map.Entry<String, int[]> e : perms.entrySet()) {
            JsonArray a = new JsonArray();
            for (int v : e.getValue()) a.add(v);
            o.add(e.getKey(), a);
        }
        return o;
    }

    /** Reads what {@link #toJson()} wrote. */
    public static Permutations fromJson(String json) {
        JsonObject o = JsonParser.parseString(json).getAsJsonObject();
        Map<String, int[]> m = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : o.entrySet()) {
            JsonArray a = e.getValue().getAsJsonArray();
            int[] p = new int[a.size()];
            for (int i = 0; i < p.length; i++) p[i] = a.get(i).getAsInt();
            m.put(e.getKey(), p);
        }
        return of(m);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Permutations other) || !other.perms.keySet().equals(perms.keySet())) return false;
        for (String k : perms.keySet()) if (!Arrays.equals(perms.get(k), other.perms.get(k))) return false;
        return true;
    }

    @Override
    public int hashCode() {
        int h = 0;
        for (Map.Entry<String, int[]> e : perms.entrySet()) h += e.getKey().hashCode() ^ Arrays.hashCode(e.getValue());
        return h;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Permutations[");
        for (Map.Entry<String, int[]> e : perms.entrySet()) {
            sb.append(e.getKey()).append(String.format(" (%.0f%% moved) ", 100 * movedFraction(e.getValue())));
        }
        return sb.append(']').toString().replace(" ]", "]");
    }
}
