package org.permerge.model;

import java.util.LinkedHashMap;
import java.util.Map;
import org.permerge.checkpoint.Tensor;
import org.permerge.io.SignificantDigits;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/** Side-by-side architecture tables of HuBERT-family encoders, counted from their parameter layouts. */
public final class ArchitectureSummary {

    /** The parameter groups, in forward order, that {@link #parameterGroups} reports. */
    public static final String[] GROUPS = java.util.Arrays.stream(TensorRole.Group.values()).map(TensorRole.Group::label)
            .toArray(String[]::new);

    private ArchitectureSummary() {}

    /** Parameters per group (see {@link #GROUPS}) of an encoder with this config. */
    public static Map<String, Long> parameterGroups(EncoderConfig config) {
        Map<String, Long> groups = new LinkedHashMap<>();
        for (String g : GROUPS) {
            groups.put(g, 0L);
        }
        for (Map.Entry<String, long[]> e : ParameterLayout.expectedShapes(config).entrySet()) {
            groups.merge(group(e.getKey()), Tensor.numel(e.getValue()), Long::sum);
        }
        return groups;
    }

    static String group(String name) {
        return TensorRole.classify(name).role().group().label();
    }

    /** One column per named encoder, one row per architectural quantity. */
    public static Table table(String name, Map<String, EncoderConfig> encoders) {
        StringColumn what = StringColumn.create("quantity", "layout", "CNN blocks", "CNN channels", "frame rate (Hz at 16 kHz)",
                "hidden size", "transformer layers", "attention heads", "FFN size", "parameters");
        Table t = Table.create(name, what);
        for (Map.Entry<String, EncoderConfig> e : encoders.entrySet()) {
            EncoderConfig c = e.getValue();
            long params = parameterGroups(c).values().stream().mapToLong(Long::longValue).sum();
            t.addColumns(StringColumn.create(e.getKey(),
                    c.layoutName(),
                    Integer.toString(c.numConvLayers()),
                    Integer.toString(c.convDim()[c.numConvLayers() - 1]),
                    String.format("%.1f", 16000.0 / c.totalStride()),
                    Integer.toString(c.hiddenSize()),
                    Integer.toString(c.numHiddenLayers()),
                    Integer.toString(c.numAttentionHeads()),
                    Integer.toString(c.intermediateSize()),
                    String.format("%,d", params)));
        }
        return t;
    }

    /** Parameter share per group, as a table with one row per group and one column per encoder (percent). */
    public static Table shares(String name, Map<String, EncoderConfig> encoders) {
        Table t = Table.create(name, StringColumn.create("group", GROUPS));
        for (Map.Entry<String, EncoderConfig> e : encoders.entrySet()) {
            Map<String, Long> g = parameterGroups(e.getValue());
            double total = g.values().stream().mapToLong(Long::longValue).sum();
            double[] pct = new double[GROUPS.length];
            for (int i = 0; i < GROUPS.length; i++) {
                pct[i] = SignificantDigits.four(100.0 * g.get(GROUPS[i]) / total);
            }
            t.addColumns(DoubleColumn.create(e.getKey() + " %", pct));
        }
        return t;
    }

}
