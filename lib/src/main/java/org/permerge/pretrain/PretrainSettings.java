package org.permerge.pretrain;

/**
 * Knobs of one masked-prediction run; every field goes into the checkpoint's provenance.
 *
 * @param steps        optimiser steps
 * @param batchSize    clips per step
 * @param clipSamples  samples per training crop (16000 = 1 s at 16 kHz); shorter clips are zero-padded
 * @param peakLearningRate peak of the warmup + linear-decay schedule
 * @param warmupShare  share of the steps spent warming up
 * @param mask         span masking
 * @param headDim      projection width of each prediction head
 * @param maxFitFrames frames sampled to fit each k-means
 * @param seed         seed of the k-means draws, the crops, their order and the masks (the data side)
 * @param initSeed     seed of the initial weights (encoder and prediction heads); two runs with the same init seed
 *                     start from identical weights whatever their data and data seed — the shared start that HuBERT
 *                     Base and MERT have (both fairseq recipes set {@code common.seed: 1337})
 * @param featureGradMult factor on the gradient that reaches the CNN feature encoder (HuBERT's
 *                     {@code feature_grad_mult}: 0.1 in the Base recipes, so the CNN stays near its start)
 */
public record PretrainSettings(int steps, int batchSize, int clipSamples, double peakLearningRate, double warmupShare,
                               SpanMask mask, int headDim, int maxFitFrames, long seed, long initSeed, double featureGradMult) {

    /** HuBERT Base's {@code feature_grad_mult}. */
    public static final double HUBERT_FEATURE_GRAD_MULT = 0.1;

    public PretrainSettings {
        if (steps < 1) throw new IllegalArgumentException("pretrain: steps " + steps + " must be ≥ 1");
        if (!(featureGradMult >= 0 && featureGradMult <= 1)) {
            throw new IllegalArgumentException("pretrain: feature gradient factor " + featureGradMult + " must be in [0, 1]");
        }
        if (batchSize < 1) throw new IllegalArgumentException("pretrain: batch size " + batchSize + " must be ≥ 1");
        if (clipSamples < 400) throw new IllegalArgumentException("pretrain: clip of " + clipSamples + " samples is shorter than one encoder frame (400)");
        if (!(warmupShare >= 0 && warmupShare <= 1)) throw new IllegalArgumentException("pretrain: warmup share " + warmupShare + " must be in [0, 1]");
    }

    /** Settings whose weights start from the data seed and whose CNN gets the full gradient (the round-3 mini recipe). */
    public PretrainSettings(int steps, int batchSize, int clipSamples, double peakLearningRate, double warmupShare,
                            SpanMask mask, int headDim, int maxFitFrames, long seed) {
        this(steps, batchSize, clipSamples, peakLearningRate, warmupShare, mask, headDim, maxFitFrames, seed, seed, 1.0);
    }

    /**
     * The mini encoders' recipe: batches of 32 one-second crops at a peak learning rate of 2e-3 with 8 % warmup
     * then linear decay (what fitted 2 500 steps, about 20 minutes on two quiet cores, into a model that beats
     * log-mel; batches of 8 at 5e-4 — HuBERT Base's rate — had not left the unigram plateau after 700 steps), span
     * masks of 5 frames (100 ms) with starts drawn at 0.65 × frames / 5 — HuBERT's 10-frame spans leave a
     * one-second clip (49 frames) with only 4–5 long holes and little context, so the span is halved and the masked
     * share (~50 %) kept — and each k-means fitted on a sample of 60 000 frames. The weights start from the data seed
     * and the CNN gets HuBERT's gradient factor 0.1.
     */
    public static PretrainSettings mini(int steps, long seed) {
        return new PretrainSettings(steps, 32, 16000, 2e-3, 0.08, new SpanMask(0.65, 5, 2), 64, 60000, seed, seed,
                HUBERT_FEATURE_GRAD_MULT);
    }

    /** The same settings with another batch size. */
    public PretrainSettings withBatch(int b) {
        return new PretrainSettings(steps, b, clipSamples, peakLearningRate, warmupShare, mask, headDim, maxFitFrames, seed,
                initSeed, featureGradMult);
    }

    /** The same settings with another peak learning rate. */
    public PretrainSettings withLearningRate(double lr) {
        return new PretrainSettings(steps, batchSize, clipSamples, lr, warmupShare, mask, headDim, maxFitFrames, seed,
                initSeed, featureGradMult);
    }

    /** The same settings with the initial weights drawn from another seed. */
    public PretrainSettings withInitSeed(long s) {
        return new PretrainSettings(steps, batchSize, clipSamples, peakLearningRate, warmupShare, mask, headDim, maxFitFrames, seed,
                s, featureGradMult);
    }

    /** The same settings with another factor on the CNN's gradient. */
    public PretrainSettings withFeatureGradMult(double f) {
        return new PretrainSettings(steps, batchSize, clipSamples, peakLearningRate, warmupShare, mask, headDim, maxFitFrames, seed,
                initSeed, f);
    }

    public int warmupSteps() {
        return (int) Math.round(steps * warmupShare);
    }
}
