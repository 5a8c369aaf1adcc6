package org.permerge.pretrain;

/**
 * One discrete target stream: a frame feature and the number of k-means clusters fitted to it
 * (HuBERT uses one codebook; the music encoder adds a pitch-class one, as MERT adds a musical teacher).
 *
 * @param name      short name used in parameter names, logs and provenance (e.g. "mfcc", "chroma")
 * @param features  the frame feature
 * @param clusters  k-means K
 * @param recipe    human description of the feature, kept in provenance
 */
public record TargetCodebook(String name, FrameFeatures features, int clusters, String recipe) {
    public TargetCodebook {
        if (!name.matches("[a-z0-9_]+")) throw new IllegalArgumentException("codebook name '" + name + "' must be lower-case letters, digits or _");
        if (clusters < 2) throw new IllegalArgumentException("codebook " + name + ": need at least 2 clusters, got " + clusters);
    }
}
