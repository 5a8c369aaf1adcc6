package org.permerge.checkpoint;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * The one way a model is named, on the command line, in a study preset or in a notebook: a local model folder, a
 * weights file inside one, or a hub repo id ({@code org/name}, optionally {@code @revision}) found in, or fetched
 * into, the Hugging Face cache ({@link HubCache}). A local path that exists wins over a repo id of the same spelling.
 * {@link EncoderCheckpoint#load(String)} loads what it names.
 */
public final class ModelReference {
    /** The forms a reference takes, for command-line help. */
    public static final String FORMS = "model folder, weights file, or hub repo id (org/name[@revision], through the Hugging Face cache)";

    private ModelReference() {}

    /**
     * The local folder or weights file a reference names: the path itself when it exists, else the hub snapshot folder
     * of the repo id in the cache {@link HubCache#fromEnvironment()} describes (downloading what is missing unless
     * {@code HF_HUB_OFFLINE} is set).
     *
     * @throws CheckpointFormatException when it is neither an existing path nor shaped like a repo id
     * @throws DownloadException         when a repo id is neither cached nor downloadable; the message says what to do
     */
    public static Path resolve(String reference) {
        return resolve(reference, null);
    }

    /** {@link #resolve(String)} with an explicit cache (null: from the environment). */
    public static Path resolve(String reference, HubCache cache) {
        if (reference == null || reference.isBlank()) {
            throw new CheckpointFormatException("no model given: expected a model folder, a weights file or a hub repo id"
                    + " like facebook/hubert-base-ls960");
        }
        Path local = null;
        try {
            local = Path.of(reference);
        } catch (InvalidPathException ignored) {
            // not a path on this system; may still be a repo id
        }
        if (local != null && Files.exists(local)) return local;
        if (!isHubId(reference)) {
            throw new CheckpointFormatException("'" + reference + "' is neither an existing checkpoint folder or file"
                    + " nor a hub repo id like facebook/hubert-base-ls960");
        }
        HubCache c = cache != null ? cache : HubCache.fromEnvironment();
        try {
            return c.resolve(reference);
        } catch (DownloadException e) {
            throw new DownloadException("'" + reference + "' is not an existing local folder or file"
                    + (local != null ? " (looked for " + local.toAbsolutePath() + ")" : "") + ", so it was taken as a hub repo id: " + e.getMessage(), e.status(), e);
        }
    }

    /** Whether a reference is shaped like a hub repo id with a namespace ({@code org/name[@revision]}). */
    public static boolean isHubId(String reference) {
        int at = reference.indexOf('@');
        String repo = at < 0 ? reference : reference.substring(0, at);
        return HubCache.looksLikeRepoId(reference) && repo.contains("/");
    }
}
