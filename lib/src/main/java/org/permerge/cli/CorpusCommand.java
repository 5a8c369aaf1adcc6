package org.permerge.cli;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.permerge.audio.Manifest;
import org.permerge.audio.corpus.CorpusOptions;
import org.permerge.audio.corpus.Corpora;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** `permerge corpus`: synthesises the mini world's speech or music corpus into a cache folder. */
@Command(name = "corpus", mixinStandardHelpOptions = true,
        description = {"Synthesise the offline mini world's speech (espeak-ng) or music (fluidsynth + FluidR3 GM) corpus:",
                "16 kHz clips, labels, per-task held-out splits and a calibration split, with a manifest.jsonl."})
public final class CorpusCommand implements Callable<Integer> {
    @Option(names = "--domain", required = true, description = "speech or music")
    String domain;

    @Option(names = "--out", description = "output folder (default: <project>/.cache/corpora/<domain>)")
    Path out;

    @Option(names = "--seed", description = "master seed (default: 1 for speech, 2 for music, as the mini study uses)")
    Long seed;

    @Option(names = "--clips", defaultValue = "2000", description = "labeled clips (default: ${DEFAULT-VALUE})")
    int clips;

    @Option(names = "--calibration", description = "unlabeled calibration clips (default: clips / 8)")
    Integer calibration;

    @Option(names = "--threads", description = "worker threads (default: all cores)")
    Integer threads;

    @Option(names = "--record", description = "also write a copy of the manifest here (e.g. data-manifests/mini/speech.jsonl); "
            + "it records where the audio is relative to itself")
    Path record;

    @Option(names = "--force", description = "rebuild the output folder (and replace --record) if they exist")
    boolean force;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        org.permerge.checkpoint.Provenance run = RunProvenance.start(spec);
        Corpora.Domain d = Corpora.Domain.parse(domain);
        Path dir = out != null ? out : projectRoot().resolve(".cache/corpora").resolve(d.key());
        OutputPaths guard = new OutputPaths();
        guard.folder("--out", dir, force);
        if (record != null) guard.input("--out", dir).file("--record", record, force);
        CorpusOptions o = new CorpusOptions(dir, seed != null ? seed : d.defaultSeed(), clips, calibration != null ? calibration : Math.max(1, clips / 8),
                threads != null ? threads : Runtime.getRuntime().availableProcessors());
        long t0 = System.nanoTime();
        Manifest m;
        try (ProgressBar bar = new ProgressBarBuilder().setTaskName(d.key()).setInitialMax(o.clips() + o.calibrationClips())
                .setStyle(ProgressBarStyle.ASCII).setUnit(" clips", 1).continuousUpdate().build()) {
            m = Corpora.build(d, o, bar::stepBy, run);
        }
        double s = (System.nanoTime() - t0) / 1e9;
        if (record != null) m.write(record);
        System.out.printf("%s corpus: %d clips (%d calibration) in %.1f s -> %s%n  manifest sha256 %s%n", d.key(),
                m.size(), m.split("calibration").size(), s, dir.resolve("manifest.jsonl"), m.checksum());
        return 0;
    }

    static Path projectRoot() {
        String home = System.getenv("PERMERGE_HOME");
        return Path.of(home != null ? home : System.getProperty("user.dir")).toAbsolutePath().normalize();
    }
}
