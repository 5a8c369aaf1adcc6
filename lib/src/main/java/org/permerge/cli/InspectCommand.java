package org.permerge.cli;

import org.permerge.model.EncoderCheckpoint;
import org.permerge.checkpoint.Preprocessor;
import org.permerge.checkpoint.Tensor;
import org.permerge.model.EncoderConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code permerge inspect}: loads a checkpoint (checking every tensor) and prints its architecture and size. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"Load an encoder checkpoint, check every tensor against its config, and print its architecture.",
                "CHECKPOINT is a model folder, a weights file inside one, or a hub repo id (org/name[@revision]) resolved"
                        + " through the Hugging Face cache (HF_HUB_CACHE / HF_HOME; HF_HUB_OFFLINE=1 uses the cache only)."})
public final class InspectCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CHECKPOINT", description = "model folder, weights file, or hub repo id")
    String checkpoint;

    @Option(names = "--tensors", description = "also list every tensor with its shape and stored dtype")
    boolean tensors;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        EncoderCheckpoint cp = EncoderCheckpoint.load(checkpoint);
        PrintWriter out = spec.commandLine().getOut();
        out.print(describe(cp));
        if (tensors) {
            for (Map.Entry<String, Tensor> e : cp.weights().tensors().entrySet()) {
                out.printf(Locale.ROOT, "  %-70s %-16s %s%n", e.getKey(), Arrays.toString(e.getValue().shape()), e.getValue().dtype());
            }
        }
        out.flush();
        return 0;
    }

    /** The summary lines {@code inspect} prints. */
    public static String describe(EncoderCheckpoint cp) {
        EncoderConfig c = cp.config();
        Preprocessor p = cp.preprocessor();
        StringBuilder conv = new StringBuilder();
        for (int i = 0; i < c.numConvLayers(); i++) {
            if (i > 0) conv.append(", ");
            conv.append(c.convDim()[i]).append('x').append(c.convKernel()[i]).append('/').append(c.convStride()[i]);
        }
        long params = cp.weights().parameterCount();
        StringBuilder sb = new StringBuilder();
        row(sb, "checkpoint", cp.source());
        row(sb, "model type", c.modelType());
        row(sb, "key layout", cp.keyLayout().description());
        row(sb, "layout", c.layoutName());
        row(sb, "conv stack", c.numConvLayers() + " blocks (channels x kernel / stride): " + conv + "; conv bias "
                + (c.convBias() ? "yes" : "no") + "; " + (c.isLayerNormLayout() ? "LayerNorm after every conv" : "GroupNorm in block 0"));
        row(sb, "frame rate", String.format(Locale.ROOT, "%d samples per frame = %.4g frames/s at %d Hz",
                c.totalStride(), (double) p.samplingRate() / c.totalStride(), p.samplingRate()));
        row(sb, "hidden size", String.valueOf(c.hiddenSize()));
        row(sb, "layers", String.valueOf(c.numHiddenLayers()));
        row(sb, "heads", c.numAttentionHeads() + " (head dim " + c.headDim() + ")");
        row(sb, "FFN", String.valueOf(c.intermediateSize()));
        row(sb, "pos conv", "kernel " + c.numConvPosEmbeddings() + ", groups " + c.numConvPosEmbeddingGroups());
        row(sb, "sample rate", p.samplingRate() + " Hz");
        row(sb, "normalise", p.doNormalize() ? "yes (per clip: zero mean, unit variance)" : "no (raw waveform)");
        row(sb, "parameters", String.format(Locale.ROOT, "%d (%.2f M)", params, params / 1e6));
        row(sb, "tensors", String.valueOf(cp.weights().size()));
        return sb.toString();
    }

    private static void row(StringBuilder sb, String key, String value) {
        sb.append(String.format(Locale.ROOT, "%-12s %s%n", key, value));
    }
}
