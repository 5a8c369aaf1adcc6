package org.permerge.merge;

import org.permerge.checkpoint.CheckpointFormatException;
import org.permerge.checkpoint.StateDict;
import org.permerge.checkpoint.Tensor;
import org.permerge.permute.PermutationSpec;
import org.permerge.permute.Permutations;

/**
 * Weight interpolation θ = λ·θ_A + (1 − λ)·π(θ_B) over every stored tensor (the positional conv's weight-norm
 * g and v separately, as the authors do), streaming one tensor at a time so that only the result and one
 * tensor's temporaries are held. λ = 1 returns A's values exactly; λ = 0 returns π(B)'s exactly.
 */
public final class Interpolation {
    private Interpolation() {}

    /**
     * The merged state dict (float32), in A's tensor order. Both checkpoints and the permutations are
     * validated against the spec first; a non-finite weight is an error naming the tensor.
     */
    public static StateDict interpolate(PermutationSpec spec, StateDict a, StateDict b, Permutations perms, Lambda lambda) {
        spec.validate(a);
        spec.validate(b);
        spec.validate(perms);
        StateDict out = new StateDict();
        for (String name : a.names()) {
            Tensor bp = spec.apply(name, b.get(name), perms);
            out.put(name, interpolate(name, a.get(name), bp, lambda.forTensor(name)));
        }
        return out;
    }

    /** λ·a + (1 − λ)·b element-wise for one tensor, computed in float64 and stored as float32. */
    public static Tensor interpolate(String name, Tensor a, Tensor b, double lambda) {
        if (!java.util.Arrays.equals(a.shape(), b.shape())) {
            throw new CheckpointFormatException("tensor '" + name + "': shapes differ between the models, " + a + " vs " + b);
        }
        float[] x = a.toFloatArray();
        float[] y = b.toFloatArray();
        double mu = 1 - lambda;
        for (int i = 0; i < x.length; i++) {
            if (!Float.isFinite(x[i]) || !Float.isFinite(y[i])) {
                throw new CheckpointFormatException("tensor '" + name + "' element " + i + " is not finite (A: " + x[i] + ", B: " + y[i] + ")");
            }
            x[i] = (float) (lambda * x[i] + mu * y[i]);
        }
        return Tensor.ofFloats(a.shape(), x);
    }
}
