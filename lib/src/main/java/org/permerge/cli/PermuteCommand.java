package org.permerge.cli;

import org.permerge.checkpoint.Provenance;
import org.permerge.io.AtomicFiles;
import org.permerge.model.EncoderCheckpoint;
import org.permerge.checkpoint.ModelReference;
import org.permerge.checkpoint.StateDict;
import org.permerge.permute.InvarianceCheck;
import org.permerge.permute.PermutationSpec;
import org.permerge.permute.Permutations;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/** {@code permerge permute}: a checkpoint with random permutations of chosen spaces applied (same function, other basis). */
@Command(name = "permute", mixinStandardHelpOptions = true,
        description = {"Apply random permutations (heads and groups reordered, >= 90 % of units moved) to a checkpoint.",
                "The result computes the same function; the permutations are written to permutations.json beside it.",
                "With --check, both models are run on noise audio and every tap is compared (the invariant)."})
public final class PermuteCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = ModelReference.FORMS)
    String model;

    @Option(names = "--seed", required = true, description = "random seed")
    long seed;

    @Option(names = "--spaces", defaultValue = "all",
            description = "all, or spaces/families separated by , or + (cnn, ffn, attn, qk, residual, ffn.3, ...); default ${DEFAULT-VALUE}")
    String spaces;

    @Option(names = "--out", required = true, description = "output folder")
    Path out;

    @Option(names = "--force", description = "replace --out if it exists")
    boolean force;

    @Option(names = "--check", description = "run the invariance check on noise audio after permuting")
    boolean check;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec command;

    @Override
    public Integer call() {
        new OutputPaths().model("--model", model).folder("--out", out, force);
        EncoderCheckpoint ckpt = EncoderCheckpoint.load(model);
        PermutationSpec spec = PermutationSpec.hubert(ckpt.config());
        List<String> chosen = spec.select(spaces);
        Permutations perms = Permutations.random(ckpt.config(), chosen, seed);
        StateDict permuted = spec.apply(ckpt.weights(), perms);
        // Permuting is plain array copying on one thread; --check runs libtorch after the folder is written.
        Provenance prov = RunProvenance.start(command).withThreads(1).withModel("source", ckpt.source(), ckpt.inferenceHash())
                .withSeed("permute", seed).withStep("permute", Map.of("spaces", String.join(",", chosen)))
                .withPrecision(Provenance.precisionOf(permuted));
        EncoderCheckpoint derived = ckpt.derive(permuted);
        AtomicFiles.replaceFolder(out, dir -> {
            derived.save(dir, prov.finished());
            AtomicFiles.writeString(dir.resolve("permutations.json"), perms.toJson().toString() + "\n");
        });
        System.out.println("permuted " + chosen.size() + " spaces of " + ckpt.source() + " -> " + out + " (" + perms + ")");
        if (check) {
            SplittableRandom rng = new SplittableRandom(seed);
            List<float[]> clips = new ArrayList<>();
            for (int c = 0; c < 2; c++) {
                float[] x = new float[ckpt.preprocessor().samplingRate() / 2];
                for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextGaussian();
                clips.add(x);
            }
            InvarianceCheck.Report r = InvarianceCheck.compare(ckpt.config(), ckpt.weights(), permuted, perms, clips);
            boolean ok = r.holds(InvarianceCheck.TOLERANCE);
            System.out.println("invariance check " + (ok ? "PASSED" : "FAILED") + ": " + r);
            return ok ? 0 : 2;
        }
        return 0;
    }
}
