package org.permerge.model;

import ai.djl.Device;
import ai.djl.engine.Engine;

import java.util.Locale;

/**
 * The device an encoder runs on, as the command line names it: {@code auto} (DJL's best available: its first GPU
 * when the engine sees one, else the CPU), {@code cpu} or {@code gpu}. A GPU needs DJL's CUDA natives, which Maven
 * Central does not carry for this DJL version: build with the {@code gpu} profile and let DJL download them
 * ({@code DJL_OFFLINE=false}; README, "Running on a GPU").
 */
public final class EncoderDevice {
    /** The names {@link #resolve} accepts. */
    public static final String NAMES = "auto, cpu or gpu";

    private EncoderDevice() {
    }

    /**
     * The DJL device for a name; null for {@code auto} (the engine's default device).
     *
     * @throws IllegalArgumentException for another name, or for {@code gpu} when the engine sees no GPU
     */
    public static Device resolve(String name) {
        String key = name == null ? "auto" : name.trim().toLowerCase(Locale.ROOT);
        switch (key) {
            case "auto":
                return null;
            case "cpu":
                return Device.cpu();
            case "gpu":
                int gpus = Engine.getInstance().getGpuCount();
                if (gpus < 1) {
                    throw new IllegalArgumentException("device gpu: DJL's " + Engine.getInstance().getEngineName()
                            + " engine sees no GPU (its natives: " + Engine.getInstance().getVersion() + ", CPU-only unless"
                            + " built with -Pgpu and run with DJL_OFFLINE=false so that DJL fetches its CUDA natives; see the"
                            + " README, \"Running on a GPU\")");
                }
                return Device.gpu();
            default:
                throw new IllegalArgumentException("device '" + name + "': expected " + NAMES);
        }
    }
}
