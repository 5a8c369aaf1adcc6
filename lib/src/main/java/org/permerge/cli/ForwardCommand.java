package org.permerge.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.permerge.checkpoint.DType;
import org.permerge.model.EncoderCheckpoint;
import org.permerge.checkpoint.ModelReference;
import org.permerge.checkpoint.SafeTensors;
import org.permerge.checkpoint.StateDict;
import org.permerge.checkpoint.Tensor;
import org.permerge.model.EncoderOutput;
import org.permerge.model.HubertEncoder;
import org.permerge.model.TapConsumer;
import org.permerge.model.Taps;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;

/** {@code permerge forward}: one encoder forward pass over a batch of waveforms, every activation written out. */
@Command(name = "forward", mixinStandardHelpOptions = true,
        description = {"Run an encoder over input_values [B, N] and write hidden_states.K, last_hidden_state and every tap.",
                "Taps are written as tap.<module path> in transformers' layout (conv taps [B, C, T], others [B, T, D]),",
                "including the extra taps ...attention.out_proj.input and ...feed_forward.intermediate_act.",
                "The input is used as given (no preprocessing); an optional attention_mask [B, N] (1 = real sample,",
                "a prefix of each row) marks padded clips, whose results then equal single-clip runs."})
public final class ForwardCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = ModelReference.FORMS)
    String model;

    @Option(names = "--input", required = true, description = "safetensors file holding input_values [B, N] (+ optional attention_mask)")
    Path input;

    @Option(names = "--output", required = true, description = "safetensors file to write")
    Path output;

    @Option(names = "--force", description = "replace --output if it exists")
    boolean force;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;
    @Option(names = "--device", defaultValue = "auto", description = "where the encoder runs: "
            + org.permerge.model.EncoderDevice.NAMES + " (default ${DEFAULT-VALUE}: a GPU when DJL sees one; README, Running on a GPU)")
    String device;

    @Override
    public Integer call() {
        org.permerge.checkpoint.Provenance started = RunProvenance.start(spec);
        new OutputPaths().model("--model", model).input("--input", input).file("--output", output, force);
        EncoderCheckpoint ckpt = EncoderCheckpoint.load(model);
        StateDict in = SafeTensors.read(input);
        if (!in.contains("input_values")) {
            throw new IllegalArgumentException(input + ": no tensor 'input_values' (expected [B, N] waveforms); found " + in.names());
        }
        Tensor values = in.get("input_values");
        if (values.rank() != 2 || !values.dtype().isFloating()) {
            throw new IllegalArgumentException(input + ": input_values must be a floating [B, N] tensor, got " + values);
        }
        int[] lengths = in.contains("attention_mask") ? lengthsFromMask(in.get("attention_mask"), values.shape()) : null;
        StateDict out = run(ckpt, values, lengths, org.permerge.model.EncoderDevice.resolve(device));
        out.metadata().putAll(started.withThreads(RunProvenance.torchThreads()).withModel("source", ckpt.source(), ckpt.inferenceHash())
                .withData("input", input.toAbsolutePath().normalize().toString(), org.permerge.audio.Manifest.sha256(input))
                .withPrecision(org.permerge.checkpoint.Provenance.precisionOf(out)).finished().toMetadata());
        SafeTensors.write(output, out);
        System.out.println("wrote " + out.size() + " tensors to " + output);
        return 0;
    }

    /** Runs the encoder and collects every output as it is named in transformers' reference files. */
    static StateDict run(EncoderCheckpoint ckpt, Tensor values, int[] lengths) {
        return run(ckpt, values, lengths, null);
    }

    /** {@link #run(EncoderCheckpoint, Tensor, int[])} on the given device (null: the engine's default). */
    static StateDict run(EncoderCheckpoint ckpt, Tensor values, int[] lengths, ai.djl.Device device) {
        StateDict out = new StateDict();
        try (HubertEncoder enc = HubertEncoder.create(ckpt.config(), ckpt.weights(), device);
             NDManager scope = NDManager.newBaseManager(enc.device())) {
            TapConsumer collect = new TapConsumer() {
                @Override
                public void accept(String tap, NDArray activation, NDArray frameMask) {
                    out.put("tap." + tap, Tensor.of(Taps.isConv(tap) ? activation.transpose(0, 2, 1) : activation));
                }

                @Override
                public boolean wants(String tap) {
                    // The residual stream is written once, under transformers' output names.
                    return !tap.startsWith("hidden_states.") && !tap.equals(Taps.LAST_HIDDEN_STATE);
                }
            };
            EncoderOutput result = enc.forward(scope, values.toNDArray(scope), lengths, collect);
            for (int k = 0; k < result.hiddenStates().size(); k++) {
                out.put("hidden_states." + k, Tensor.of(result.hiddenStates().get(k)));
            }
            out.put("last_hidden_state", Tensor.of(result.lastHiddenState()));
            int[] frames = result.frames();
            ByteBuffer b = ByteBuffer.allocate(frames.length * 8).order(ByteOrder.LITTLE_ENDIAN);
            for (int f : frames) b.putLong(f);
            b.flip();
            out.put("frames", new Tensor(DType.I64, new long[] {frames.length}, b));
        }
        return out;
    }

    private static int[] lengthsFromMask(Tensor mask, long[] shape) {
        if (!Arrays.equals(mask.shape(), shape)) {
            throw new IllegalArgumentException("attention_mask has shape " + Arrays.toString(mask.shape())
                    + ", expected input_values' shape " + Arrays.toString(shape));
        }
        float[] m = mask.toFloatArray();
        int n = (int) shape[1];
        int[] lengths = new int[(int) shape[0]];
        for (int b = 0; b < lengths.length; b++) {
            int len = 0;
            while (len < n && m[b * n + len] != 0) len++;
            for (int i = len; i < n; i++) {
                if (m[b * n + i] != 0) {
                    throw new IllegalArgumentException("attention_mask row " + b + " is not a prefix of ones (sample "
                            + i + " is set after padding began at " + len + ")");
                }
            }
            lengths[b] = len;
        }
        return lengths;
    }
}
