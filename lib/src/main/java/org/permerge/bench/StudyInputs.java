package org.permerge.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.permerge.audio.Manifest;
import org.permerge.checkpoint.EncoderCheckpoint;
import org.permerge.correlate.AlignmentStatistics;
import org.permerge.extract.PairedExtraction;
import org.permerge.model.HubertEncoder;

/**
 * What a study starts from, step by step as the notebooks walk through it: models A and B, the speech and music
 * corpora (generated on first use), and the calibration draw — clips of both domains shuffled together, as the
 * paper does. {@link Reproduction} starts from the same object, so a notebook and {@code ./permerge reproduce}
 * see the same models and the same calibration clips for the same study configuration.
 */
public final class StudyInputs {
    private final StudyConfig config;
    private final Path project;
    private final EncoderCheckpoint a;
    private final EncoderCheckpoint b;
    private final Manifest speech;
    private final Manifest music;
    private final Manifest calibration;

    private StudyInputs(StudyConfig config, Path project, EncoderCheckpoint a, EncoderCheckpoint b, Manifest speech,
                        Manifest music, Manifest calibration) {
        this.config = config;
        this.project = project;
        this.a = a;
        this.b = b;
        this.speech = speech;
        this.music = music;
        this.calibration = calibration;
    }

    /** Loads both models, builds or verifies both corpora and draws the calibration set; paths are relative to {@code project}. */
    public static StudyInputs prepare(StudyConfig config, Path project) {
        EncoderCheckpoint a = Reproduction.load(config.modelA(), project);
        EncoderCheckpoint b = Reproduction.load(config.modelB(), project);
        Manifest speech = Reproduction.corpus(config.speech(), "speech", project);
        Manifest music = Reproduction.corpus(config.music(), "music", project);
        List<Manifest.Clip> clips = new ArrayList<>();
        clips.addAll(take(speech.split("calibration").clips(), config.calibrationClipsPerDomain(), config.seed(), "speech"));
        clips.addAll(take(music.split("calibration").clips(), config.calibrationClipsPerDomain(), config.seed() + 1, "music"));
        Collections.shuffle(clips, new Random(config.seed()));
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("generator", "permerge study " + config.name() + ": calibration draw");
        header.put("seed", config.seed());
        header.put("clips_per_domain", config.calibrationClipsPerDomain());
        header.put("speech_manifest_sha256", speech.checksum());
        header.put("music_manifest_sha256", music.checksum());
        Manifest calibration = Manifest.of(header, clips, project.toAbsolutePath().normalize());
        return new StudyInputs(config, project, a, b, speech, music, calibration);
    }

    public StudyConfig config() {
        return config;
    }

    /**
     * The folder model A was loaded from, for the command line ({@code permerge merge --a}); empty when the study
     * makes A a seeded random stand-in, which only exists in memory.
     */
    public java.util.Optional<Path> folderA() {
        return folder(config.modelA());
    }

    /** The folder model B was loaded from; empty for a seeded random stand-in. */
    public java.util.Optional<Path> folderB() {
        return folder(config.modelB());
    }

    private java.util.Optional<Path> folder(StudyConfig.ModelSource src) {
        return src.randomSeed() != null ? java.util.Optional.empty() : java.util.Optional.of(Reproduction.resolve(project, src.path()));
    }

    /** Model A (the reference, kept unpermuted: speech in the study). */
    public EncoderCheckpoint modelA() {
        return a;
    }

    /** Model B (the one permuted toward A: music in the study). */
    public EncoderCheckpoint modelB() {
        return b;
    }

    public Manifest speech() {
        return speech;
    }

    public Manifest music() {
        return music;
    }

    /** The calibration draw: {@code calibration_clips_per_domain} of each corpus's calibration split, shuffled together. */
    public Manifest calibration() {
        return calibration;
    }

    /**
     * The first {@code n} clips of the calibration draw as model A sees them (A's preprocessing: its sampling rate,
     * zero-mean unit-variance where it normalises), for the forward passes a notebook compares models on.
     */
    public List<float[]> calibrationClips(int n) {
        if (n < 1) throw new IllegalArgumentException("need at least one calibration clip, got " + n);
        List<float[]> out = new ArrayList<>();
        for (Manifest.Clip c : calibration.clips().subList(0, Math.min(n, calibration.size()))) {
            out.add(a.preprocessor().apply(c.load().mono(), c.sampleRate()));
        }
        return out;
    }

    /**
     * Writes the calibration draw as a manifest the command line reads ({@code permerge stats|merge --calibration}),
     * its clip paths rebased onto the file's folder.
     */
    public Path writeCalibration(Path file) {
        calibration.write(file);
        return file;
    }

    /**
     * Alignment statistics of A and B over the calibration draw. They are cached under
     * {@code .cache/statistics/} by the content of both models' weights and the draw, so the notebooks that
     * follow one another (and a re-run) accumulate them once.
     */
    public AlignmentStatistics statistics() {
        String key = ModelHash.combine(ModelHash.of(a.weights()), ModelHash.of(b.weights()), calibration.checksum(),
                String.valueOf(a.preprocessor()), String.valueOf(b.preprocessor()));
        Path file = project.resolve(".cache").resolve("statistics").resolve(key.substring(0, 32) + ".safetensors");
        if (Files.isRegularFile(file)) {
            try {
                return AlignmentStatistics.load(file);
            } catch (RuntimeException e) {
                System.err.println("permerge: ignoring unreadable cached statistics " + file + ": " + e.getMessage());
            }
        }
        AlignmentStatistics stats = AlignmentStatistics.builder().setConfigA(a.config()).setConfigB(b.config())
                .optProvenance("study", config.name())
                .optProvenance("calibration", calibration.size() + " clips (" + config.calibrationClipsPerDomain() + " per domain)")
                .optProvenance("calibration.sha256", calibration.checksum())
                .optProvenance("speech_manifest_sha256", speech.checksum()).optProvenance("music_manifest_sha256", music.checksum())
                .optProvenance("seed", Long.toString(config.seed())).build();
        try (HubertEncoder ea = HubertEncoder.create(a.config(), a.weights());
             HubertEncoder eb = HubertEncoder.create(b.config(), b.weights())) {
            PairedExtraction.builder().setModelA(ea, a.preprocessor()).setModelB(eb, b.preprocessor()).optResample(true).build()
                    .run(calibration, stats);
        }
        stats.save(file);
        return stats;
    }

    private static List<Manifest.Clip> take(List<Manifest.Clip> clips, int n, long seed, String domain) {
        if (clips.isEmpty()) throw new IllegalArgumentException("the " + domain + " corpus has no calibration clips (split 'calibration')");
        List<Manifest.Clip> copy = new ArrayList<>(clips);
        Collections.shuffle(copy, new Random(seed));
        return copy.subList(0, Math.min(n, copy.size()));
    }
}
