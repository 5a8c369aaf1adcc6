package org.permerge.permute;

import org.permerge.checkpoint.CheckpointFormatException;
import org.permerge.checkpoint.StateDict;
import org.permerge.checkpoint.Tensor;
import org.permerge.model.EncoderConfig;
import org.permerge.model.ParameterLayout;
import org.permerge.model.TensorRole;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which permutation space acts on each axis of each tensor of an encoder — the permutation structure as
 * data (git-re-basin style) — and the one generic function that applies a {@link Permutations} to a
 * checkpoint. Built for a config by {@link #hubert(EncoderConfig)}; checked against the checkpoint it is
 * applied to, so an unknown or missing tensor, or an axis of the wrong size, is an error naming it.
 */
public final class PermutationSpec {
    /** One tensor's expected shape and the rule for each of its axes. */
    public record TensorRule(String name, long[] shape, List<AxisRule> axes) {
        public TensorRule {
            shape = shape.clone();
            axes = List.copyOf(axes);
        }

        /** Whether any axis is acted on by a space. */
        public boolean isPermuted() {
            for (AxisRule r : axes) if (r.space() != null) return true;
            return false;
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }
    }

    /** One axis of one tensor that a space acts on. */
    public record TensorAxis(String tensor, int axis, AxisRule rule) {}

    private final Map<String, Space> spaces;
    private final Map<String, TensorRule> tensors;

    /** A spec from its spaces and tensor rules; checks that every rule names a known space and fits the shape. */
    public PermutationSpec(Map<String, Space> spaces, Map<String, TensorRule> tensors) {
        this.spaces = Collections.unmodifiableMap(new LinkedHashMap<>(spaces));
        this.tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        for (TensorRule t : this.tensors.values()) checkRule(t);
    }

    private void checkRule(TensorRule t) {
        if (t.axes().size() != t.shape.length) {
            throw new IllegalArgumentException("spec for " + t.name() + ": " + t.axes().size() + " axis rules for a rank-" + t.shape.length + " tensor");
        }
        for (int a = 0; a < t.shape.length; a++) {
            AxisRule r = t.axes().get(a);
            if (r.space() == null) continue;
            Space s = spaces.get(r.space());
            if (s == null) throw new IllegalArgumentException("spec for " + t.name() + " axis " + a + ": unknown space " + r.space());
            long want = r instanceof AxisRule.PermutedWithinBlocks ? s.blockSize() : s.size();
            if (t.shape[a] != want) {
                throw new IllegalArgumentException("spec for " + t.name() + " axis " + a + ": size " + t.shape[a] + " but space "
                        + s.name() + " needs " + want);
            }
            if (r instanceof AxisRule.PermutedWithinBlocks w) {
                AxisRule outer = t.axes().get(w.blockAxis());
                if (!(outer instanceof AxisRule.Permuted p) || !p.space().equals(w.space())) {
                    throw new IllegalArgumentException("spec for " + t.name() + " axis " + a + ": block axis " + w.blockAxis()
                            + " must be permuted by the same space " + w.space());
                }
            }
        }
    }

    /**
     * The spec of a HuBERT-family encoder (both layouts) for a config: one rule list for every tensor of
     * {@link ParameterLayout#expectedShapes(EncoderConfig)}.
     */
    public static PermutationSpec hubert(EncoderConfig c) {
        Map<String, Space> spaces = new LinkedHashMap<>();
        int h = c.hiddenSize();
        for (int i = 0; i < c.numConvLayers(); i++) spaces.put(cnn(i), Space.plain(cnn(i), c.convDim()[i]));
        spaces.put(RESIDUAL, new Space(RESIDUAL, h, h / c.numConvPosEmbeddingGroups(), false, null));
        for (int l = 0; l < c.numHiddenLayers(); l++) {
            spaces.put(attn(l), new Space(attn(l), h, c.headDim(), false, null));
            spaces.put(qk(l), new Space(qk(l), h, c.headDim(), true, attn(l)));
            spaces.put(ffn(l), Space.plain(ffn(l), c.intermediateSize()));
        }
        // Which space acts on which axis is read from the one tensor table (model.TensorRole).
        Map<String, TensorRule> rules = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : ParameterLayout.expectedShapes(c).entrySet()) {
            TensorRole.Classified t = TensorRole.classify(e.getKey());
            List<AxisRule> r = new ArrayList<>();
            for (int a = 0; a < t.role().axes().size(); a++) {
                String space = t.space(a, c);
                r.add(space == null ? AxisRule.INVARIANT : t.withinBlocks(a) ? new AxisRule.PermutedWithinBlocks(space, 0) : by(space));
            }
            rules.put(e.getKey(), new TensorRule(e.getKey(), e.getValue(), r));
        }
        return new PermutationSpec(spaces, rules);
    }

    /** Name of the residual-stream space. */
    public static final String RESIDUAL = "residual";

    public static String cnn(int i) {
        return "cnn." + i;
    }

    public static String ffn(int l) {
        return "ffn." + l;
    }

    public static String attn(int l) {
        return "attn." + l;
    }

    public static String qk(int l) {
        return "qk." + l;
    }

    private static AxisRule by(String space) {
        return new AxisRule.Permuted(space);
    }

    public Map<String, Space> spaces() {
        return spaces;
    }

    /** The named space; an unknown name is an error listing what exists. */
    public Space space(String name) {
        Space s = spaces.get(name);
        if (s == null) {
            throw new IllegalArgumentException("unknown permutation space '" + name + "'; this encoder has " + summary());
        }
        return s;
    }

    private String summary() {
        List<String> n = new ArrayList<>(spaces.keySet());
        return n.size() <= 8 ? n.toString() : n.subList(0, 4) + " ... " + n.subList(n.size() - 3, n.size()) + " (" + n.size() + " spaces)";
    }

    /**
     * The spaces named by a selection: {@code all}, or a list separated by commas or {@code +} of space names
     * ({@code ffn.3}) and families ({@code cnn}, {@code ffn} or {@code ff}, {@code attn}, {@code qk},
     * {@code residual}); unknown names are an error listing what exists.
     */
    public List<String> select(String selection) {
        List<String> out = new ArrayList<>();
        for (String part : selection.split("[,+]")) {
            String p = part.trim();
            if (p.isEmpty()) continue;
            String family = p.equals("ff") ? "ffn" : p;
            boolean matched = false;
            for (Space s : spaces.values()) {
                if (p.equals("all") || s.name().equals(p) || s.family().equals(family) && !p.contains(".")) {
                    if (!out.contains(s.name())) out.add(s.name());
                    matched = true;
                }
            }
            if (!matched) space(p); // throws naming the unknown space
        }
        if (out.isEmpty()) throw new IllegalArgumentException("no permutation space selected by '" + selection + "'");
        return out;
    }

    public Map<String, TensorRule> tensors() {
        return tensors;
    }

    /** The rule of a tensor; an unknown tensor is an error naming it. */
    public TensorRule rule(String tensor) {
        TensorRule r = tensors.get(tensor);
        if (r == null) throw new CheckpointFormatException("tensor '" + tensor + "' is not known to the permutation spec");
        return r;
    }

    /** Every (tensor, axis) the named space acts on, in layout order. */
    public List<TensorAxis> axesOf(String space) {
        List<TensorAxis> out = new ArrayList<>();
        for (TensorRule t : tensors.values()) {
            for (int a = 0; a < t.axes().size(); a++) {
                if (space.equals(t.axes().get(a).space())) out.add(new TensorAxis(t.name(), a, t.axes().get(a)));
            }
        }
        return out;
    }

    /**
     * A copy in which one axis of one tensor follows another rule — to reproduce a broken spec (the
     * authors' defects) in tests and experiments.
     */
    public PermutationSpec withRule(String tensor, int axis, AxisRule rule) {
        TensorRule t = rule(tensor);
        List<AxisRule> axes = new ArrayList<>(t.axes());
        axes.set(axis, rule);
        Map<String, TensorRule> m = new LinkedHashMap<>(tensors);
        m.put(tensor, new TensorRule(tensor, t.shape, axes));
        return new PermutationSpec(spaces, m);
    }

    /**
     * Checks that a checkpoint holds exactly the spec's tensors with the spec's shapes; the first mismatch
     * is an error naming the tensor (unknown, missing, or which axis has which size against which).
     */
    public void validate(StateDict sd) {
        for (String n : sd.names()) {
            if (!tensors.containsKey(n)) {
                throw new CheckpointFormatException("tensor '" + n + "' is not known to the permutation spec (so it could not be permuted"
                        + " consistently); expected only the " + tensors.size() + " tensors of this architecture");
            }
        }
        for (TensorRule t : tensors.values()) {
            if (!sd.contains(t.name())) {
                throw new CheckpointFormatException("tensor '" + t.name() + "' of shape " + Arrays.toString(t.shape) + " is missing from the checkpoint");
            }
            checkShape(t, sd.get(t.name()));
        }
    }

    private static void checkShape(TensorRule t, Tensor x) {
        long[] s = x.shape();
        if (s.length != t.shape.length) {
            throw new CheckpointFormatException("tensor '" + t.name() + "' has rank " + s.length + " " + Arrays.toString(s)
                    + ", expected " + Arrays.toString(t.shape));
        }
        for (int a = 0; a < s.length; a++) {
            if (s[a] != t.shape[a]) {
                AxisRule r = t.axes().get(a);
                throw new CheckpointFormatException("tensor '" + t.name() + "' axis " + a + " has size " + s[a] + ", expected " + t.shape[a]
                        + (r.space() != null ? " (the size of space " + r.space() + ")" : "") + "; shape " + Arrays.toString(s));
            }
        }
    }

    /**
     * Checks permutations against the spaces: known space names, right sizes, and admissible structure
     * (block spaces map whole blocks onto blocks — heads, or positional-conv groups for the residual; a
     * within-block space keeps every block in place). Errors name the space and the offending position.
     */
    public void validate(Permutations perms) {
        for (String name : perms.spaces()) {
            Space s = space(name);
            int[] p = perms.get(name);
            if (p.length != s.size()) {
                throw new IllegalArgumentException("space " + name + ": permutation has " + p.length + " entries, the space has " + s.size() + " units");
            }
            int d = s.blockSize();
            if (d == 1) continue;
            for (int b = 0; b < s.blocks(); b++) {
                int src = s.withinBlocks() ? b : p[b * d] / d;
                for (int k = 0; k < d; k++) {
                    if (p[b * d + k] / d != src) {
                        String what = s.withinBlocks()
                                ? "must keep every block of " + d + " in place (the block order comes from " + s.blockOrderFrom() + ")"
                                : "must map whole blocks of " + d + " units onto blocks"
                                  + (name.equals(RESIDUAL) ? " (the positional conv is grouped)" : " (attention heads)");
                        throw new IllegalArgumentException("space " + name + ": inadmissible permutation, position " + (b * d + k)
                                + " takes unit " + p[b * d + k] + " from block " + p[b * d + k] / d + " but position " + (b * d)
                                + " takes block " + src + "; it " + what);
                    }
                }
            }
        }
    }

    /** A new state dict with every tensor permuted; the input is validated first (tensors and permutations). */
    public StateDict apply(StateDict sd, Permutations perms) {
        validate(sd);
        validate(perms);
        StateDict out = new StateDict();
        out.metadata().putAll(sd.metadata());
        for (String n : sd.names()) out.put(n, permuteUnchecked(tensors.get(n), sd.get(n), perms));
        return out;
    }

    /**
     * One tensor permuted (same dtype, bytes gathered exactly), for streaming use; the tensor's shape and the
     * permutations are checked. Tensors without a permuted axis come back as the same object.
     */
    public Tensor apply(String name, Tensor tensor, Permutations perms) {
        TensorRule t = rule(name);
        checkShape(t, tensor);
        validate(perms);
        return permuteUnchecked(t, tensor, perms);
    }

    private Tensor permuteUnchecked(TensorRule t, Tensor x, Permutations perms) {
        int rank = t.shape.length;
        int[][][] tables = new int[rank][][];
        int[] selector = new int[rank];
        int[] selectorBlock = new int[rank];
        boolean any = false;
        for (int a = 0; a < rank; a++) {
            AxisRule r = t.axes().get(a);
            selector[a] = -1;
            if (r instanceof AxisRule.Permuted p) {
                int[] eff = perms.effective(spaces.get(p.space()));
                if (!isIdentity(eff)) {
                    tables[a] = new int[][] {eff};
                    any = true;
                }
            } else if (r instanceof AxisRule.PermutedWithinBlocks w) {
                Space s = spaces.get(w.space());
                int[] eff = perms.effective(s);
                int[][] per = new int[s.blocks()][];
                boolean moved = false;
                for (int b = 0; b < per.length; b++) {
                    per[b] = Permutations.withinBlock(eff, s.blockSize(), b);
                    moved |= !isIdentity(per[b]);
                }
                if (moved) {
                    tables[a] = per;
                    selector[a] = w.blockAxis();
                    selectorBlock[a] = s.blockSize();
                    any = true;
                }
            }
        }
        if (!any) return x;
        return gather(x, tables, selector, selectorBlock);
    }

    private static boolean isIdentity(int[] p) {
        for (int i = 0; i < p.length; i++) if (p[i] != i) return false;
        return true;
    }

    /** Byte-level gather along every axis that has a table; trailing untouched axes are copied as runs. */
    private static Tensor gather(Tensor x, int[][][] tables, int[] selector, int[] selectorBlock) {
        long[] shape = x.shape();
        int rank = shape.length;
        int es = x.dtype().byteSize();
        long[] stride = new long[rank];
        long s = es;
        for (int a = rank - 1; a >= 0; a--) {
            stride[a] = s;
            s *= shape[a];
        }
        int contiguousFrom = 0;
        for (int a = 0; a < rank; a++) if (tables[a] != null) contiguousFrom = a + 1;
        int run = Math.toIntExact(contiguousFrom == 0 ? s : stride[contiguousFrom - 1]);
        byte[] out = new byte[Math.toIntExact(s)];
        ByteBuffer src = x.bytes();
        new Gatherer(src, out, shape, stride, tables, selector, selectorBlock, contiguousFrom, run).copy(0, 0, 0, new int[rank]);
        return new Tensor(x.dtype(), shape, ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN));
    }

    private record Gatherer(ByteBuffer src, byte[] out, long[] shape, long[] stride, int[][][] tables, int[] selector,
                            int[] selectorBlock, int contiguousFrom, int run) {
        void copy(int axis, long srcOff, long dstOff, int[] outIdx) {
            if (axis == contiguousFrom) {
                src.get(Math.toIntExact(srcOff), out, Math.toIntExact(dstOff), run);
                return;
            }
            int n = (int) shape[axis];
            int[][] t = tables[axis];
            int[] table = t == null ? null : selector[axis] < 0 ? t[0] : t[outIdx[selector[axis]] / selectorBlock[axis]];
            for (int o = 0; o < n; o++) {
                outIdx[axis] = o;
                int si = table == null ? o : table[o];
                copy(axis + 1, srcOff + si * stride[axis], dstOff + o * stride[axis], outIdx);
            }
        }
    }
}
