package org.permerge.checkpoint;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** An ordered map from parameter name to tensor, plus string metadata: one checkpoint's weights. */
public final class StateDict {
    private final LinkedHashMap<String, Tensor> tensors = new LinkedHashMap<>();
    private final LinkedHashMap<String, String> metadata = new LinkedHashMap<>();

    public StateDict() {}

    public StateDict(Map<String, Tensor> tensors) {
        this.tensors.putAll(tensors);
    }

    /** Adds or replaces a tensor; returns this for chaining. */
    public StateDict put(String name, Tensor tensor) {
        tensors.put(name, tensor);
        return this;
    }

    /** The tensor with that name; an unknown name is an error that names it. */
    public Tensor get(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new CheckpointFormatException("no tensor named '" + name + "' in this checkpoint");
        }
        return t;
    }

    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    public Tensor remove(String name) {
        return tensors.remove(name);
    }

    public Set<String> names() {
        return Collections.unmodifiableSet(tensors.keySet());
    }

    public Map<String, Tensor> tensors() {
        return Collections.unmodifiableMap(tensors);
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    public int size() {
        return tensors.size();
    }

    /** Total number of scalar parameters. */
    public long parameterCount() {
        long n = 0;
        for (Tensor t : tensors.values()) n += t.numel();
        return n;
    }
}
