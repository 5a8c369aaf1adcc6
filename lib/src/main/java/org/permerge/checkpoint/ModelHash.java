package org.permerge.checkpoint;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * Content hash of a model's weights: sha256 over every tensor's name, dtype, shape and bytes in name order, so
 * the same weights hash the same whatever file or key order they came from. Keys the feature cache.
 */
public final class ModelHash {
    private ModelHash() {}

    /** Hex sha256 of the weights' content. */
    public static String of(StateDict weights) {
        return hash(weights, List.of());
    }

    /**
     * Hex sha256 of the weights that an inference forward pass uses: every tensor but {@code masked_spec_embed},
     * which only pretraining's masking reads (a checkpoint saved without it loads with a stand-in). Statistics record
     * this hash, so they match the same encoder with or without the stored mask embedding.
     */
    public static String ofInference(StateDict weights) {
        return hash(weights, List.of(MASKED_SPEC_EMBED));
    }

    private static final String MASKED_SPEC_EMBED = "masked_spec_embed";

    private static String hash(StateDict weights, List<String> skip) {
        MessageDigest md = sha256();
        List<String> names = new ArrayList<>(weights.names());
        names.removeAll(skip);
        names.sort(null);
        byte[] buf = new byte[1 << 16];
        for (String name : names) {
            Tensor t = weights.get(name);
            md.update((name + "\u0000" + t.dtype() + Arrays.toString(t.shape()) + "\u0000").getBytes(StandardCharsets.UTF_8));
            ByteBuffer b = t.bytes().duplicate();
            while (b.hasRemaining()) {
                int n = Math.min(buf.length, b.remaining());
                b.get(buf, 0, n);
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** Hex sha256 of several strings joined unambiguously (for cache keys). */
    public static String combine(String... parts) {
        MessageDigest md = sha256();
        for (String p : parts) {
            byte[] b = p.getBytes(StandardCharsets.UTF_8);
            md.update(ByteBuffer.allocate(4).putInt(b.length).array());
            md.update(b);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
