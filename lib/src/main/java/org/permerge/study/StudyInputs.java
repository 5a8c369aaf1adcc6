package org.permerge.study;

import org.permerge.checkpoint.ModelHash;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.permerge.audio.Manifest;
import org.permerge.audio.corpus.Corpora;
import org.permerge.audio.corpus.CorpusOptions;
import org.permerge.checkpoint.ModelHash;
import org.permerge.model.EncoderCheckpoint;
import org.permerge.checkpoint.ModelReference;
import org.permerge.correlate.AlignmentStatistics;
import org.permerge.correlate.Calibration;
import org.permerge.extract.ClipPreparation;
import org.permerge.permute.RandomWeights;

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
        EncoderCheckpoint a = load(config.modelA(), project);
        EncoderCheckpoint b = load(config.modelB(), project);
        Manifest speech = corpus(config.speech(), "speech", project);
        Manifest music = corpus(config.music(), "music", project);
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
        return src.randomSeed() != null ? java.util.Optional.empty() : java.util.Optional.of(modelPath(src, project));
    }

    /** A Markdown summary for a notebook: the study, both models (label, path, architecture) and the calibration draw. */
    public String summary() {
        return "**study** `" + config.name() + "`  \n**A** " + config.modelA().label() + " `" + config.modelA().path() + "`: " + a.config()
                + "  \n**B** " + config.modelB().label() + " `" + config.modelB().path() + "`: " + b.config()
                + "  \n**calibration** " + calibration.size() + " clips (" + config.calibrationClipsPerDomain()
                + " per domain, speech and music shuffled together)";
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
     * The first {@code n} clips of the calibration draw as model A sees them ({@link ClipPreparation} with A's
     * preprocessing: resampled to its rate, zero-mean unit-variance where it normalises), for the forward passes a
     * notebook compares models on.
     */
    public List<float[]> calibrationClips(int n) {
        if (n < 1) throw new IllegalArgumentException("need at least one calibration clip, got " + n);
        return ClipPreparation.of(a.preprocessor(), a.config()).withResample(true)
                .prepare(calibration.clips().subList(0, Math.min(n, calibration.size())));
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
     * Alignment statistics of A and B over the calibration draw ({@link Calibration#collect} with
     * {@link #calibrationOptions()}). They are cached in {@link #statisticsFile()} by the content of both models'
     * weights and the draw, so the notebooks that follow one another (and a re-run) accumulate them once.
     */
    public AlignmentStatistics statistics() {
        Path file = statisticsFile();
        if (Files.isRegularFile(file)) {
            try {
                return AlignmentStatistics.load(file);
            } catch (RuntimeException e) {
                System.err.println("permerge: ignoring unreadable cached statistics " + file + ": " + e.getMessage());
            }
        }
        AlignmentStatistics stats = Calibration.collect(a, b, calibration, calibrationOptions()).statistics();
        stats.save(file);
        return stats;
    }

    /** The options the study collects its statistics with: defaults, and the study's provenance. */
    public Calibration.Options calibrationOptions() {
        return Calibration.Options.defaults()
                .withProvenance("calibration.manifest", "study " + config.name() + " calibration draw: " + calibration.size() + " clips ("
                        + config.calibrationClipsPerDomain() + " per domain)")
                .withProvenance("created_by", "permerge " + org.permerge.Version.VERSION + " study")
                .withProvenance("study", config.name())
                .withProvenance("speech_manifest_sha256", speech.checksum()).withProvenance("music_manifest_sha256", music.checksum())
                .withProvenance("seed", Long.toString(config.seed()));
    }

    /**
     * Where {@link #statistics()} caches the statistics of this pair and draw: {@code .cache/statistics/} under the
     * project, named by the content of both models, the draw and both preprocessors.
     */
    public Path statisticsFile() {
        String key = ModelHash.combine(ModelHash.of(a.weights()), ModelHash.of(b.weights()), calibration.checksum(),
                String.valueOf(a.preprocessor()), String.valueOf(b.preprocessor()));
        return project.resolve(".cache").resolve("statistics").resolve(key.substring(0, 32) + ".safetensors");
    }

    static EncoderCheckpoint load(StudyConfig.ModelSource src, Path project) {
        EncoderCheckpoint c = EncoderCheckpoint.load(modelPath(src, project));
        if (src.randomSeed() == null) return c;
        // A stand-in second model: the same architecture with seeded random weights.
        return EncoderCheckpoint.of(c.config(), RandomWeights.create(c.config(), src.randomSeed()), c.preprocessor());
    }

    /**
     * Where a model of the config is: a path as {@link #resolve} finds it, or else a hub repo id through the Hugging Face
     * cache ({@link ModelReference}).
     */
    static Path modelPath(StudyConfig.ModelSource src, Path project) {
        Path p = resolve(project, src.path());
        if (Files.exists(p)) return p;
        if (ModelReference.isHubId(src.path()) && !Path.of(src.path()).isAbsolute()) return ModelReference.resolve(src.path());
        throw new IllegalArgumentException("model " + src.label() + ": no checkpoint at " + p
                + " (the preset's path is relative to the project folder " + project + ", or a hub repo id org/name)");
    }

    /** A path of the config: relative to the project, else to the checkout (e.g. the committed mini checkpoints). */
    static Path resolve(Path project, String path) {
        Path direct = project.resolve(path).normalize();
        if (!Files.exists(direct) && !Path.of(path).isAbsolute()) {
            // e.g. the committed mini checkpoints, for a study run in another folder (tests use a temporary project)
            Path checkout = checkoutRoot();
            if (checkout != null && Files.exists(checkout.resolve(path))) return checkout.resolve(path).normalize();
        }
        return direct;
    }

    private static Path checkoutRoot() {
        try {
            return org.permerge.study.Project.root();
        } catch (IllegalStateException e) {
            return null;
        }
    }

    /**
     * A corpus: a recorded manifest whose audio is present and matches its checksums; or, when the audio is
     * missing, the mini world's generator run with the recorded seed and sizes into the manifest's audio root
     * (a fresh clone); or, without a manifest, a generated corpus cached under {@code .cache/corpora}.
     */
    static Manifest corpus(StudyConfig.CorpusSource src, String domain, Path project) {
        Path dir;
        Manifest recorded = null;
        if (src.manifest() != null) {
            recorded = Manifest.read(resolve(project, src.manifest()));
            if (verified(recorded)) return recorded;
            dir = recorded.audioRoot();
        } else {
            dir = project.resolve(".cache").resolve("corpora")
                    .resolve(domain + "-seed" + src.seed() + "-clips" + src.clips() + "-cal" + src.calibrationClips());
            Path manifest = dir.resolve("manifest.jsonl");
            if (Files.isRegularFile(manifest)) {
                Manifest m = Manifest.read(manifest);
                if (verified(m)) return m;
            }
        }
        System.err.println("permerge: generating the " + domain + " corpus into " + dir);
        // A recorded manifest is regenerated exactly as it was made: its own seed and sizes win over the preset's.
        long seed = recorded != null ? headerInt(recorded, "seed", src.seed()) : src.seed();
        int clips = recorded != null ? (int) headerInt(recorded, "clips", src.clips()) : src.clips();
        int calibration = recorded != null ? (int) headerInt(recorded, "calibration_clips", src.calibrationClips())
                : src.calibrationClips();
        CorpusOptions opts = new CorpusOptions(dir, seed, clips, calibration,
                Math.max(1, Runtime.getRuntime().availableProcessors()));
        Manifest generated = Corpora.build(Corpora.Domain.parse(domain), opts, n -> { });
        if (recorded != null) {
            if (verified(recorded)) return recorded;
            // Other tool versions render other bytes: the study still runs, on the corpus made here.
            System.err.println("permerge: the regenerated " + domain + " audio differs from " + src.manifest()
                    + " (other espeak-ng/fluidsynth versions?); using the corpus generated here");
        }
        return generated;
    }

    private static long headerInt(Manifest m, String key, long fallback) {
        Object v = m.header().get(key);
        return v instanceof Number n ? n.longValue() : fallback;
    }

    private static boolean verified(Manifest m) {
        try {
            m.verify();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static List<Manifest.Clip> take(List<Manifest.Clip> clips, int n, long seed, String domain) {
        if (clips.isEmpty()) throw new IllegalArgumentException("the " + domain + " corpus has no calibration clips (split 'calibration')");
        List<Manifest.Clip> copy = new ArrayList<>(clips);
        Collections.shuffle(copy, new Random(seed));
        return copy.subList(0, Math.min(n, copy.size()));
    }
}
