package org.permerge.pretrain;

import org.permerge.audio.features.Chroma;
import org.permerge.audio.features.LogMel;
import org.permerge.audio.features.Mfcc;

import java.util.List;
import java.util.Locale;

/**
 * The two mini encoders' pretraining targets and seeds. Speech, as HuBERT's first iteration: k-means
 * (K = 100) over 13 MFCCs with deltas and delta-deltas. Music, as MERT adds a musical teacher to the
 * acoustic one: one codebook over a 64-band log-mel (timbre, register, onsets; K = 100) and one over
 * chroma (pitch classes, so the encoder cannot ignore pitch; K = 50), each with its own prediction head.
 * Every feature is framed like the encoder (25 ms frames, 20 ms hop: frame t covers samples [320t, 320t+400)).
 */
public final class MiniRecipes {
    /** Frame length and hop of the encoder's output frames at 16 kHz. */
    public static final double FRAME_SECONDS = 0.025;
    public static final double HOP_SECONDS = 0.020;

    private MiniRecipes() {}

    /** A domain of the mini world. */
    public enum Domain {
        SPEECH(1_234L), MUSIC(5_678L);

        /** Default seed; the two encoders differ in seed as HuBERT and MERT do. */
        public final long defaultSeed;

        Domain(long seed) {
            this.defaultSeed = seed;
        }

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Domain parse(String s) {
            for (Domain d : values()) if (d.key().equalsIgnoreCase(s)) return d;
            throw new IllegalArgumentException("unknown domain '" + s + "' (expected speech or music)");
        }
    }

    /** The target codebooks of a domain. */
    public static List<TargetCodebook> codebooks(Domain d) {
        return switch (d) {
            case SPEECH -> {
                Mfcc mfcc = new Mfcc().withHop(HOP_SECONDS).withDeltas(2);
                yield List.of(new TargetCodebook("mfcc", mfcc::compute, 100,
                        "MFCC 13 + delta + delta-delta (40 mel bands, 25 ms frames, 20 ms hop), z-scored per dimension"));
            }
            case MUSIC -> {
                LogMel logMel = new LogMel().withMels(64).withHop(HOP_SECONDS);
                Chroma chroma = new Chroma().withFraming(FRAME_SECONDS, HOP_SECONDS);
                yield List.of(
                        new TargetCodebook("logmel", logMel::compute, 100,
                                "log-mel 64 bands (25 ms frames, 20 ms hop), z-scored per dimension"),
                        new TargetCodebook("chroma", chroma::compute, 50,
                                "chroma 12 pitch classes (128 ms Hann window, 55-4200 Hz, 20 ms hop), max-normalised then z-scored"));
            }
        };
    }
}
