package org.permerge.model;

import org.permerge.checkpoint.CheckpointFormatException;
import org.permerge.checkpoint.StateDict;
import org.permerge.checkpoint.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The tensor names of transformers' task models built on a HuBERT-family encoder ({@code HubertForCTC},
 * {@code HubertForSequenceClassification}, and MERT's equivalents): the encoder's tensors under a {@code hubert.}
 * (or {@code mert.}) prefix, and the task's head beside them. The encoder is what permerge works on; the head is
 * set aside, by name.
 */
final class TaskModelKeys {
    /** Attribute names under which transformers' task models hold the encoder. */
    static final List<String> ENCODER_PREFIXES = List.of("hubert.", "mert.");
    /**
     * Top-level modules of the task heads: CTC's {@code lm_head}, sequence classification's {@code projector} and
     * {@code classifier}, and the learned layer weights of {@code use_weighted_layer_sum}.
     */
    static final Set<String> HEADS = Set.of("lm_head", "projector", "classifier", "layer_weights");

    private TaskModelKeys() {}

    /**
     * The encoder's tensors of a checkpoint, and what was done to get them.
     *
     * @param encoder the tensors with the prefix removed (or the checkpoint as it was, when it has no prefix)
     * @param prefix  the prefix removed, or null
     * @param heads   the names of the task-head tensors left out
     */
    record Split(StateDict encoder, String prefix, List<String> heads) {
        /** A note for the user, or null when the checkpoint was a bare encoder. */
        String note(String source) {
            if (prefix == null) return null;
            return source + ": a task model's checkpoint; loaded the encoder under '" + prefix + "'"
                    + (heads.isEmpty() ? "" : " and ignored its task head (" + heads.size() + " tensors: " + heads + ")");
        }
    }

    /**
     * Splits a checkpoint. Without a known prefix nothing changes. With one, every prefixed tensor is renamed without it,
     * tensors of a known head are set aside, and any other unprefixed tensor stays (and is refused later by name).
     *
     * @throws CheckpointFormatException when two prefixes are mixed, or a tensor is stored both with and without the prefix
     */
    static Split split(StateDict raw, String source) {
        String prefix = null;
        for (String n : raw.names()) {
            for (String p : ENCODER_PREFIXES) {
                if (!n.startsWith(p)) continue;
                if (prefix != null && !prefix.equals(p)) {
                    throw new CheckpointFormatException(source + ": holds tensors under both '" + prefix + "' and '" + p
                            + "' (e.g. '" + n + "'); expected one encoder");
                }
                prefix = p;
            }
        }
        if (prefix == null) return new Split(raw, null, List.of());
        Map<String, Tensor> encoder = new LinkedHashMap<>();
        List<String> heads = new ArrayList<>();
        List<String> unprefixed = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : raw.tensors().entrySet()) {
            String n = e.getKey();
            if (n.startsWith(prefix)) {
                String bare = n.substring(prefix.length());
                if (raw.contains(bare)) {
                    throw new CheckpointFormatException(source + ": tensor '" + bare + "' is stored both as '" + n + "' and without the '"
                            + prefix + "' prefix; expected one encoder");
                }
                encoder.put(bare, e.getValue());
            } else if (HEADS.contains(n.split("\\.", 2)[0])) {
                heads.add(n);
            } else {
                unprefixed.add(n);
            }
        }
        // Anything else stays under its own name, so that validation refuses it by name.
        for (String n : unprefixed) encoder.put(n, raw.get(n));
        StateDict out = new StateDict(encoder);
        out.metadata().putAll(raw.metadata());
        return new Split(out, prefix, List.copyOf(heads));
    }
}
