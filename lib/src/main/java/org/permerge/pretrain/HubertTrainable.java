package org.permerge.pretrain;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.permerge.checkpoint.StateDict;
import org.permerge.model.EncoderConfig;
import org.permerge.model.HubertEncoder;

import java.util.Map;

/** The project's {@link HubertEncoder} seen as a {@link TrainableEncoder}. */
public final class HubertTrainable implements TrainableEncoder {
    private final HubertEncoder encoder;

    public HubertTrainable(HubertEncoder encoder) {
        this.encoder = encoder;
    }

    /** A freshly initialised encoder (HuBERT's initialisation, {@link Initialization}) of the config. */
    public static HubertTrainable initialise(EncoderConfig config, long seed) {
        return new HubertTrainable(HubertEncoder.create(config, Initialization.random(config, seed)));
    }

    public HubertEncoder encoder() {
        return encoder;
    }

    @Override
    public EncoderConfig config() {
        return encoder.config();
    }

    @Override
    public NDArray lastHiddenState(NDManager scope, NDArray inputValues, NDArray maskTimeIndices) {
        return encoder.forwardTrain(scope, inputValues, null, maskTimeIndices).lastHiddenState();
    }

    @Override
    public Map<String, NDArray> parameters() {
        return encoder.parameters();
    }

    @Override
    public StateDict toStateDict() {
        return encoder.toStateDict();
    }

    @Override
    public void close() {
        encoder.close();
    }
}
