package org.permerge.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.permerge.audio.Manifest;
import org.permerge.bench.data.CalibrationDraw;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** `permerge calibration`: a seeded calibration draw from a real dataset's audio (FLAC, MP3, WAV, ...). */
@Command(name = "calibration", mixinStandardHelpOptions = true,
        description = {"Draw a calibration set from a downloaded dataset (e.g. LibriSpeech train-clean-100, FMA small):",
                "N files chosen with a seed, decoded to mono 16-bit WAV at the encoders' rate (ffmpeg or sox for non-WAV),",
                "cut to --max-seconds, with a manifest.jsonl for 'permerge stats|merge --calibration'."})
public final class CalibrationCommand implements Callable<Integer> {
    @Option(names = "--from", required = true, description = "folder holding the dataset's audio (e.g. .cache/datasets/librispeech-train-clean-100)")
    Path source;

    @Option(names = "--glob", defaultValue = "**/*.flac", description = "which files, relative to --from (default: ${DEFAULT-VALUE})")
    String glob;

    @Option(names = "--clips", defaultValue = "5000", description = "how many files to draw (default: ${DEFAULT-VALUE}, the paper's)")
    int clips;

    @Option(names = "--max-seconds", defaultValue = "15", description = "cut each clip to at most this long (default: ${DEFAULT-VALUE})")
    double maxSeconds;

    @Option(names = "--rate", defaultValue = "16000", description = "sample rate of the written clips (default: ${DEFAULT-VALUE})")
    int rate;

    @Option(names = "--seed", defaultValue = "1", description = "seed of the draw (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--skip-unreadable", description = "draw another file in place of one that cannot be decoded (listed in the header)")
    boolean skipUnreadable;

    @Option(names = "--out", required = true, description = "output folder (manifest.jsonl and clips/)")
    Path out;

    @Option(names = "--force", description = "replace --out if it is not empty")
    boolean force;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        org.permerge.checkpoint.Provenance run = RunProvenance.start(spec);
        new OutputPaths().input("--from", source).folder("--out", out, force);
        Manifest[] drawn = new Manifest[1];
        // Built beside --out and renamed into place: a failed draw leaves the previous one whole.
        org.permerge.io.AtomicFiles.replaceFolder(out, dir -> {
            CalibrationDraw.Options o = new CalibrationDraw.Options(source, glob, clips, maxSeconds, rate, seed, dir, skipUnreadable);
            try (ProgressBar bar = new ProgressBarBuilder().setTaskName("calibration").setInitialMax(clips)
                    .setStyle(ProgressBarStyle.ASCII).setUnit(" clips", 1).continuousUpdate().build()) {
                drawn[0] = CalibrationDraw.build(o, bar::stepTo);
            }
            // In the same unit as the draw: a folder with a manifest always says how it was drawn.
            run.withThreads(1).withPrecision("PCM_S16").withSeed("draw", seed)
                    .withData("source", source.toAbsolutePath().normalize().toString(), null)
                    .withData("calibration", "manifest.jsonl", drawn[0].checksum())
                    .withStep("draw", java.util.Map.of("glob", glob, "clips", Integer.toString(clips), "max_seconds", Double.toString(maxSeconds),
                            "rate", Integer.toString(rate), "skip_unreadable", Boolean.toString(skipUnreadable)))
                    .finished().write(dir.resolve(org.permerge.checkpoint.Provenance.FILE));
        });
        Manifest m = drawn[0];
        Object shortClips = m.header().get("skipped_too_short");
        if (shortClips instanceof Number n && n.longValue() > 0) {
            System.out.println("skipped " + n + " files shorter than " + CalibrationDraw.MIN_SECONDS + " s (one encoder frame); drew others in their place");
        }
        System.out.printf("calibration draw: %d clips, %.1f s of audio -> %s%n  manifest sha256 %s%n", m.size(),
                m.clips().stream().mapToDouble(Manifest.Clip::duration).sum(), out.resolve("manifest.jsonl"), m.checksum());
        return 0;
    }
}
