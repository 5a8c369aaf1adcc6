package org.permerge.sweep;

import org.permerge.model.EncoderCheckpoint;
import org.permerge.checkpoint.SafeTensors;
import org.permerge.checkpoint.StateDict;
import org.permerge.model.EncoderConfig;
import org.permerge.testing.Fixtures;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * One config of the generated HuBERT sweep ({@code data-manifests/fixtures/hubert-sweep}, made by
 * {@code make_sweep.py}): its config, weights, the batch it was run on and the reference activations.
 */
record SweepCase(String name, Path dir) {

    /** Every config folder of the sweep, in name order. */
    static List<SweepCase> all() {
        Path root = Fixtures.fixtures().resolve("hubert-sweep");
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(p -> Files.isRegularFile(p.resolve("config.json"))).sorted()
                    .map(p -> new SweepCase(p.getFileName().toString(), p)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("listing " + root, e);
        }
    }

    EncoderConfig config() {
        return EncoderConfig.read(dir.resolve("config.json"));
    }

    /** The weights as the project loads a checkpoint folder (transformers 5.x names). */
    EncoderCheckpoint checkpoint() {
        return EncoderCheckpoint.load(dir);
    }

    /** input_values, input_lengths, hidden_states.K, last_hidden_state and tap.* (NaN beyond a clip's frames). */
    StateDict reference() {
        return SafeTensors.read(dir.resolve("reference-activations.safetensors"));
    }

    /** Samples of each clip of the reference batch. */
    int[] lengths(StateDict ref) {
        double[] l = ref.get("input_lengths").toDoubleArray();
        int[] out = new int[l.length];
        for (int i = 0; i < l.length; i++) out[i] = (int) l[i];
        return out;
    }

    /** The reference batch as separate clips (padding removed). */
    List<float[]> clips(StateDict ref) {
        int[] lengths = lengths(ref);
        float[] x = ref.get("input_values").toFloatArray();
        int n = x.length / lengths.length;
        List<float[]> clips = new ArrayList<>();
        for (int b = 0; b < lengths.length; b++) clips.add(Arrays.copyOfRange(x, b * n, b * n + lengths[b]));
        return clips;
    }

    @Override
    public String toString() {
        return name;
    }
}
