package org.permerge.pretrain;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;

import java.util.HashMap;
import java.util.Map;

/**
 * Adam with decoupled weight decay (on matrices and conv kernels only), global-norm gradient clipping and
 * a warmup + linear-decay learning rate — HuBERT's optimiser recipe (peak 5e-4, clip 10 in fairseq),
 * written on NDArrays so it needs no DJL Trainer.
 */
public final class AdamW {
    private final NDManager stateManager;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final double clipNorm;
    private final Schedule schedule;
    private final Map<String, NDArray[]> moments = new HashMap<>();
    private int step;
    private int skipped;
    /** Non-finite gradients tolerated (each skips one update) before the run is declared diverged. */
    static final int MAX_SKIPPED = 20;

    /** Warmup from 0 to {@code peak} over {@code warmup} steps, then linear decay to 0 at {@code total}. */
    public record Schedule(double peak, int warmup, int total) {
        public Schedule {
            if (total < 1 || warmup < 0 || warmup > total || !(peak > 0)) {
                throw new IllegalArgumentException("learning-rate schedule: need peak > 0 and 0 ≤ warmup ≤ total ≥ 1, got peak="
                        + peak + " warmup=" + warmup + " total=" + total);
            }
        }

        /** Learning rate at 1-based step t. */
        public double at(int t) {
            if (warmup > 0 && t <= warmup) return peak * t / warmup;
            if (total == warmup) return peak;
            return peak * Math.max(0.0, (double) (total - t) / (total - warmup));
        }
    }

    public AdamW(NDManager stateManager, Schedule schedule, double beta1, double beta2, double eps, double weightDecay, double clipNorm) {
        this.stateManager = stateManager;
        this.schedule = schedule;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.clipNorm = clipNorm;
    }

    /** HuBERT's defaults: β = (0.9, 0.98), ε = 1e-6, weight decay 0.01, clip norm 10. */
    public static AdamW hubert(NDManager stateManager, Schedule schedule) {
        return new AdamW(stateManager, schedule, 0.9, 0.98, 1e-6, 0.01, 10.0);
    }

    /**
     * One update of every parameter from its accumulated gradient, which is then zeroed.
     * Temporaries live in {@code scope}; the caller closes it.
     *
     * @return the global gradient norm before clipping
     */
    public double update(NDManager scope, Map<String, NDArray> parameters) {
        step++;
        Map<String, NDArray> grads = new HashMap<>();
        double sq = 0;
        for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
            NDArray g = e.getValue().getGradient();
            g.attach(scope); // the gradient handle only; the parameter keeps its .grad
            grads.put(e.getKey(), g);
            sq += g.square().sum().getFloat();
        }
        double norm = Math.sqrt(sq);
        if (!Double.isFinite(norm)) {
            // As fairseq does on overflow: drop this batch's update (gradients zeroed, moments untouched) rather than
            // poison the weights; a run that keeps overflowing shows it in the skipped count and the loss curve.
            skipped++;
            if (skipped > MAX_SKIPPED) {
                throw new IllegalStateException("gradient norm is " + norm + " at step " + step + " and " + skipped
                        + " updates were skipped: training diverged");
            }
            for (NDArray g : grads.values()) g.set(new NDIndex("..."), 0f); // in place: 0·inf would be NaN
            return norm;
        }
        double scale = clipNorm > 0 && norm > clipNorm ? clipNorm / (norm + 1e-6) : 1.0;
        double lr = schedule.at(step);
        double bc1 = 1 - Math.pow(beta1, step);
        double bc2 = 1 - Math.pow(beta2, step);
        for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
            NDArray w = e.getValue();
            NDArray g = grads.get(e.getKey());
            if (scale != 1.0) g.muli(scale);
            NDArray[] mv = moments.computeIfAbsent(e.getKey(), k -> new NDArray[] {
                    stateManager.zeros(w.getShape()), stateManager.zeros(w.getShape())});
            mv[0].muli(beta1).addi(g.mul(1 - beta1));
            mv[1].muli(beta2).addi(g.square().muli(1 - beta2));
            NDArray vHat = mv[1].div(bc2);
            vHat.attach(scope);
            NDArray denom = vHat.sqrt().addi(eps);
            NDArray delta = mv[0].div(bc1);
            delta.attach(scope);
            delta.divi(denom).muli(lr);
            if (weightDecay > 0 && w.getShape().dimension() >= 2) {
                w.muli(1 - lr * weightDecay);
            }
            w.subi(delta);
            g.subi(g); // zero the accumulated gradient in place
        }
        return norm;
    }

    /** Learning rate used by the last update. */
    public double lastLearningRate() {
        return schedule.at(Math.max(step, 1));
    }

    /** Updates skipped because the gradient was not finite. */
    public int skippedUpdates() {
        return skipped;
    }

    public int steps() {
        return step;
    }
}
