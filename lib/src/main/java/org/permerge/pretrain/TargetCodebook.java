package org.permerge.pretrain;

/**
 * One discrete target stream: a frame feature and the number of k-means clusters fitted to it
 * (HuBERT uses one codebook; the music encoder adds a pitch-class one, as MERT adds a musical teacher).
 *
 * @param name      short name used in parameter names, logs and provenance (e.g. "mfcc", "chroma")
 * @param features  the frame feature
 * @param clusters  k-means K
 * @param recipe    human description of the feature, kept in provenance
 * @param weight    weight of this codebook's cross-entropy in the summed loss (1 in HuBERT and MERT)
 */
public record TargetCodebook(String name, FrameFeatures features, int clusters, String recipe, double weight) {
    public TargetCodebook {
        if (!name.matches("[a-z0-9_]+")) throw new IllegalArgumentException("codebook name '" + name + "' must be lower-case letters, digits or _");
        if (clusters < 2) throw new IllegalArgumentException("codebook " + name + ": need at least 2 clusters, got " + clusters);
        if (!(weight > 0) || Double.isInfinite(weight)) throw new IllegalArgumentException("codebook " + name + ": loss weight " + weight + " must be finite and > 0");
    }

    /** A codebook with loss weight 1. */
    public TargetCodebook(String name, FrameFeatures features, int clusters, String recipe) {
        this(name, features, clusters, recipe, 1.0);
    }

    /** The same codebook with another loss weight. */
    public TargetCodebook withWeight(double w) {
        return new TargetCodebook(name, features, clusters, recipe, w);
    }
}
