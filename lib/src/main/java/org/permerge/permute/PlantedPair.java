package org.permerge.permute;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.permerge.model.EncoderCheckpoint;
import org.permerge.correlate.AlignmentStatistics;
import org.permerge.correlate.Calibration;
import org.permerge.checkpoint.StateDict;
import org.permerge.checkpoint.Tensor;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * A model pair with a known answer, for notebooks that must run in seconds: B is A with planted random
 * permutations of its units plus seeded weight noise, so matching should find the inverse of the plant.
 */
public final class PlantedPair {

    /** The pair and what was planted. */
    public record Pair(EncoderCheckpoint a, EncoderCheckpoint b, Permutations planted, double noise, long seed) {

        /** Runs A and B over {@code clips} and accumulates the alignment statistics of every space. */
        public AlignmentStatistics statistics(List<float[]> clips, int sampleRate) {
            return PlantedPair.statistics(a, b, clips, sampleRate);
        }

        /**
         * How much of the plant {@code found} undoes, per space of {@code spaces}: the share of A's units whose
         * matched unit of B is the one the plant moved them to (the found permutation maps A's unit i to B's
         * unit perm[i], the plant moved B's unit planted[j] to j, so the truth is the plant's inverse).
         */
        public List<Recovery> recovery(Permutations found, Collection<String> spaces) {
            PermutationSpec spec = PermutationSpec.hubert(a.config());
            List<Recovery> out = new ArrayList<>();
            for (String name : spaces) {
                Space s = spec.space(name);
                int[] truth = Permutations.inverse(planted.effective(s));
                int[] got = found.effective(s);
                int ok = 0;
                for (int i = 0; i < truth.length; i++) {
                    if (truth[i] == got[i]) ok++;
                }
                out.add(new Recovery(name, truth.length, ok));
            }
            return out;
        }
    }

    /** One space of a planted-recovery check: of {@code units}, {@code recovered} matched to their true partner. */
    public record Recovery(String space, int units, int recovered) {
        /** The recovered share, 0..1. */
        public double fraction() {
            return recovered / (double) units;
        }

        /** The mean recovered share over spaces (each space counts once, whatever its size); NaN for none. */
        public static double mean(List<Recovery> rows) {
            return rows.stream().mapToDouble(Recovery::fraction).average().orElse(Double.NaN);
        }

        /** A table named {@code name}: space, units, units recovered (share). */
        public static Table table(String name, List<Recovery> rows) {
            return Table.create(name, StringColumn.create("space", rows.stream().map(Recovery::space).toList()),
                    IntColumn.create("units", rows.stream().mapToInt(Recovery::units).toArray()),
                    DoubleColumn.create("units recovered", rows.stream().mapToDouble(Recovery::fraction).toArray()));
        }
    }

    private PlantedPair() {}

    /**
     * B = A with {@code spaces} permuted by {@link Permutations#random} (seeded) and every floating tensor
     * perturbed by Gaussian noise of {@code noise} × that tensor's standard deviation.
     */
    public static Pair of(EncoderCheckpoint a, Collection<String> spaces, long seed, double noise) {
        if (!(noise >= 0)) {
            throw new IllegalArgumentException("noise must be >= 0, got " + noise);
        }
        PermutationSpec spec = PermutationSpec.hubert(a.config());
        Permutations planted = Permutations.random(a.config(), spaces, seed);
        StateDict permuted = spec.apply(a.weights(), planted);
        StateDict b = noise == 0 ? permuted : perturb(permuted, noise, seed);
        return new Pair(a, EncoderCheckpoint.of(a.config(), b, a.preprocessor()), planted, noise, seed);
    }

    /** Every spec space of A's architecture permuted: the full plant. */
    public static Pair of(EncoderCheckpoint a, long seed, double noise) {
        return of(a, PermutationSpec.hubert(a.config()).spaces().keySet(), seed, noise);
    }

    /** Runs {@code a} and {@code b} over {@code clips} and accumulates the alignment statistics of every space. */
    public static AlignmentStatistics statistics(EncoderCheckpoint a, EncoderCheckpoint b, List<float[]> clips,
                                                 int sampleRate) {
        return Calibration.collect(a, b, clips, sampleRate, Calibration.Options.defaults()
                .withProvenance("created_by", "permerge " + org.permerge.Version.VERSION + " planted pair")).statistics();
    }

    static StateDict perturb(StateDict sd, double noise, long seed) {
        SplittableRandom rng = new SplittableRandom(seed ^ 0x5DEECE66DL);
        StateDict out = new StateDict();
        for (Map.Entry<String, Tensor> e : sd.tensors().entrySet()) {
            Tensor t = e.getValue();
            if (!t.dtype().isFloating()) {
                out.put(e.getKey(), t);
                continue;
            }
            float[] w = t.toFloatArray();
            double mean = 0;
            for (float v : w) {
                mean += v;
            }
            mean /= w.length;
            double var = 0;
            for (float v : w) {
                var += (v - mean) * (v - mean);
            }
            double scale = noise * Math.sqrt(var / w.length);
            for (int i = 0; i < w.length; i++) {
                w[i] += (float) (scale * gaussian(rng));
            }
            out.put(e.getKey(), Tensor.ofFloats(t.shape(), w));
        }
        return out;
    }

    private static double gaussian(SplittableRandom rng) {
        // Box-Muller; SplittableRandom has no nextGaussian on Java 17
        double u = 1.0 - rng.nextDouble();
        double v = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    /**
     * Seeded calibration clips for a planted pair: tone mixtures with random pitches, envelopes and noise.
     * Any input that drives the units works for recovering a plant; real studies use a corpus manifest.
     */
    public static List<float[]> calibrationClips(int clips, double seconds, int sampleRate, long seed) {
        if (clips <= 0 || !(seconds > 0) || sampleRate <= 0) {
            throw new IllegalArgumentException("need clips > 0, seconds > 0, sampleRate > 0; got " + clips + ", "
                    + seconds + ", " + sampleRate);
        }
        SplittableRandom rng = new SplittableRandom(seed);
        int n = (int) Math.round(seconds * sampleRate);
        List<float[]> out = new ArrayList<>(clips);
        for (int c = 0; c < clips; c++) {
            float[] x = new float[n];
            int tones = 1 + rng.nextInt(4);
            for (int k = 0; k < tones; k++) {
                double f = 80 * Math.pow(2, rng.nextDouble() * 6);
                double amp = 0.1 + 0.3 * rng.nextDouble();
                double phase = rng.nextDouble() * 2 * Math.PI;
                double rateHz = 0.5 + 4 * rng.nextDouble();
                for (int i = 0; i < n; i++) {
                    double t = (double) i / sampleRate;
                    double env = 0.5 + 0.5 * Math.sin(2 * Math.PI * rateHz * t + phase);
                    x[i] += (float) (amp * env * Math.sin(2 * Math.PI * f * t + phase));
                }
            }
            double noise = 0.01 + 0.05 * rng.nextDouble();
            for (int i = 0; i < n; i++) {
                x[i] += (float) (noise * gaussian(rng));
            }
            out.add(x);
        }
        return out;
    }
}
