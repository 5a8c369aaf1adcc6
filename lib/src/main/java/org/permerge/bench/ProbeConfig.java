package org.permerge.bench;

/**
 * Probe training settings (SUPERB-style: learnable softmax layer weights + a small head), all recorded in a
 * table's provenance.
 *
 * @param hiddenUnits  width of the optional hidden layer (ReLU); 0 = linear head
 * @param learningRate Adam step size
 * @param weightDecay  L2 penalty on the head's weights (not on the layer weights)
 * @param batchSize    clips per step
 * @param maxEpochs    upper bound on training epochs
 * @param patience     epochs without dev improvement before stopping early
 * @param seed         seed for initialisation and batch order
 */
public record ProbeConfig(int hiddenUnits, double learningRate, double weightDecay, int batchSize, int maxEpochs,
                          int patience, long seed) {
    public ProbeConfig {
        if (hiddenUnits < 0) throw new IllegalArgumentException("hiddenUnits must be ≥ 0, got " + hiddenUnits);
        if (!(learningRate > 0)) throw new IllegalArgumentException("learningRate must be positive, got " + learningRate);
        if (!(weightDecay >= 0)) throw new IllegalArgumentException("weightDecay must be ≥ 0, got " + weightDecay);
        if (batchSize <= 0 || maxEpochs <= 0 || patience <= 0) {
            throw new IllegalArgumentException("batchSize, maxEpochs and patience must be positive: "
                    + batchSize + ", " + maxEpochs + ", " + patience);
        }
    }

    /** Linear head, Adam 1e-2, batch 32, up to 200 epochs, patience 20, seed 0. */
    public static ProbeConfig defaults() {
        return new ProbeConfig(0, 1e-2, 1e-4, 32, 200, 20, 0L);
    }

    public ProbeConfig withSeed(long s) {
        return new ProbeConfig(hiddenUnits, learningRate, weightDecay, batchSize, maxEpochs, patience, s);
    }

    public ProbeConfig withHiddenUnits(int h) {
        return new ProbeConfig(h, learningRate, weightDecay, batchSize, maxEpochs, patience, seed);
    }
}
