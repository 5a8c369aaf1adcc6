package org.permerge.checkpoint;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/** A transformers shard index ({@code model.safetensors.index.json}): which shard file holds each tensor. */
public final class ShardIndex {
    private ShardIndex() {}

    /** Largest index read, in bytes (HuBERT-size indexes are a few tens of KB; the largest published ones a few MB). */
    static final long MAX_INDEX_BYTES = 64L << 20;

    /**
     * Tensor name → shard file name, in the index's order; shard names must be plain file names of weight files, not
     * another index (so an index naming itself, or a cycle of indexes, is refused instead of recursing).
     */
    public static Map<String, String> read(Path index) {
        try {
            if (Files.size(index) > MAX_INDEX_BYTES) {
                throw new CheckpointFormatException(index + ": " + Files.size(index) + " bytes, more than the " + MAX_INDEX_BYTES
                        + " a shard index may have");
            }
            JsonElement root = JsonParser.parseString(Files.readString(index));
            Map<String, String> out = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> e : root.getAsJsonObject().getAsJsonObject("weight_map").entrySet()) {
                String s = e.getValue().getAsString();
                if (s.contains("/") || s.contains("\\") || s.startsWith(".")) {
                    throw new CheckpointFormatException(index + ": shard name '" + s + "' of tensor '" + e.getKey() + "' is not a plain file name");
                }
                if (s.endsWith(".index.json")) {
                    throw new CheckpointFormatException(index + ": shard '" + s + "' of tensor '" + e.getKey() + "' is itself a shard index;"
                            + " expected a weights file (.safetensors or .bin)");
                }
                out.put(e.getKey(), s);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + index + ": " + e.getMessage(), e);
        } catch (JsonParseException | IllegalStateException | NullPointerException | ClassCastException | UnsupportedOperationException e) {
            throw new CheckpointFormatException(index + ": expected {\"weight_map\": {tensor: shard file name}}", e);
        }
    }

    /** The distinct shard files an index names. */
    static List<String> shards(Path index) {
        return new ArrayList<>(new LinkedHashSet<>(read(index).values()));
    }
}
