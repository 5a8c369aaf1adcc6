package org.permerge.cli;

import org.permerge.audio.Audio;
import org.permerge.audio.Manifest;
import org.permerge.audio.Resampler;
import org.permerge.pretrain.MiniArchitecture;
import org.permerge.pretrain.MiniRecipes;
import org.permerge.pretrain.PretrainSettings;
import org.permerge.study.ProbeEvidence;
import org.permerge.pretrain.Pretraining;
import org.permerge.checkpoint.Provenance;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/** `permerge pretrain`: pretrains a mini encoder from scratch by HuBERT-style masked prediction on a corpus. */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
        description = {"Pretrain a mini HuBERT-architecture encoder from scratch on the mini world's speech or music corpus",
                "(k-means frame targets, span masking, masked prediction) and save it as a Hugging Face folder."})
public final class PretrainCommand implements Callable<Integer> {
    @Option(names = "--domain", required = true, description = "speech or music")
    String domain;

    @Option(names = "--out", required = true, description = "output folder (config.json, model.safetensors, loss curve)")
    Path out;

    @Option(names = "--corpus", description = "corpus manifest (default: <project>/.cache/corpora/<domain>/manifest.jsonl)")
    Path corpus;

    @Option(names = "--steps", defaultValue = "2500", description = "optimiser steps (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--batch", defaultValue = "32", description = "one-second crops per step (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--lr", defaultValue = "2e-3", description = "peak learning rate (default: ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--seed", description = "seed of the data side: k-means, crops, order, masks (default: 1234 for speech, 5678 for music)")
    Long seed;

    @Option(names = "--init-seed", description = "seed of the initial weights (default: --seed). Give two encoders the same init seed "
            + "to start them from identical step-0 weights, as HuBERT Base and MERT are (fairseq's common.seed 1337)")
    Long initSeed;

    @Option(names = "--feature-grad-mult", defaultValue = "0.1",
            description = "factor on the CNN feature encoder's gradient, HuBERT's feature_grad_mult (default: ${DEFAULT-VALUE}, as "
                    + "HuBERT Base's recipe; the round-3 mini encoders were trained with 1)")
    double featureGradMult;

    @Option(names = "--splits", split = ",", defaultValue = "train,dev",
            description = "train on clips whose split is one of these in every task (default: ${DEFAULT-VALUE}; test clips are never used)")
    List<String> splits;

    @Option(names = "--max-clips", description = "use at most this many clips (the first in manifest order)")
    Integer maxClips;

    @Option(names = "--threads", defaultValue = "1",
            description = "libtorch intra-op threads (default: ${DEFAULT-VALUE}; the committed encoders used 2 on an otherwise idle 2-core machine, 2.1 steps/s; on a busy machine one thread is several times faster than fighting for cores)")
    int threads;

    @Option(names = "--max-minutes", description = "stop training after this many minutes even if steps remain (default: no limit)")
    Double maxMinutes;

    @Option(names = "--codebook-weight", split = ",", paramLabel = "NAME=W",
            description = "weight of a target codebook's loss (default 1 each), e.g. chroma=3 for the music encoder's pitch-class codebook")
    Map<String, Double> codebookWeights = new LinkedHashMap<>();

    @Option(names = "--init-from", description = "continue from this checkpoint (same mini architecture; a folder, weights file or hub repo id)"
            + " instead of a fresh initialisation")
    String initFrom;

    @Option(names = "--evaluate-only",
            description = "skip training: probe the checkpoint in --out against the log-mel baseline on the domain's three tasks"
                    + " (writes probe-evidence.md there)")
    boolean evaluateOnly;

    @Option(names = "--force", description = "replace --out if it is not empty")
    boolean force;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        // Must precede the engine's start: OpenMP threads spinning on a busy machine cost more than they give.
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        MiniRecipes.Domain d = MiniRecipes.Domain.parse(domain);
        Path root = CorpusCommand.projectRoot();
        Path manifestFile = corpus != null ? corpus : root.resolve(".cache/corpora").resolve(d.key()).resolve("manifest.jsonl");
        if (!Files.isRegularFile(manifestFile)) {
            throw new IllegalArgumentException("corpus manifest " + manifestFile + " not found; build it with ./permerge corpus --domain " + d.key());
        }
        if (!evaluateOnly) new OutputPaths().input("--corpus", manifestFile).model("--init-from", initFrom).folder("--out", out, force);
        Manifest manifest = Manifest.read(manifestFile);
        if (evaluateOnly) {
            ProbeEvidence.run(out.toAbsolutePath(), manifest, d, System.out);
            return 0;
        }
        Set<String> allowed = Set.copyOf(splits);
        List<Manifest.Clip> chosen = new ArrayList<>();
        for (Manifest.Clip c : manifest.clips()) {
            boolean ok = c.splits().isEmpty() ? allowed.contains(c.split()) : allowed.containsAll(c.splits().values());
            if (ok) chosen.add(c);
            if (maxClips != null && chosen.size() >= maxClips) break;
        }
        if (chosen.isEmpty()) throw new IllegalArgumentException(manifestFile + ": no clip is in splits " + splits + " for every task");
        List<float[]> clips = new ArrayList<>(chosen.size());
        for (Manifest.Clip c : chosen) {
            Audio a = c.load();
            float[] mono = a.mono();
            clips.add(a.sampleRate() == Pretraining.SAMPLE_RATE ? mono : Resampler.resample(mono, a.sampleRate(), Pretraining.SAMPLE_RATE));
        }
        long s = seed != null ? seed : d.defaultSeed;
        if (initSeed != null && initFrom != null) {
            throw new IllegalArgumentException("--init-seed and --init-from both choose the initial weights: give one");
        }
        PretrainSettings settings = PretrainSettings.mini(steps, s).withBatch(batch).withLearningRate(lr)
                .withInitSeed(initSeed != null ? initSeed : s).withFeatureGradMult(featureGradMult);
        // The command as typed; the settings it resolved to (defaults included) are the pretrain.* entries.
        Provenance prov = RunProvenance.start(spec).withThreads(threads)
                .withData("corpus", root.relativize(manifestFile.toAbsolutePath().normalize()).toString(), manifest.checksum())
                .withStep("pretrain", Map.of("domain", d.key(), "effective_command", "./permerge pretrain " + String.join(" ", commandLine())))
                .withStep("corpus", Map.of("splits", String.join(",", splits)));
        org.permerge.checkpoint.StateDict initial = null;
        if (initFrom != null) {
            org.permerge.model.EncoderCheckpoint start = org.permerge.model.EncoderCheckpoint.load(initFrom);
            if (!start.config().equals(MiniArchitecture.config())) {
                throw new IllegalArgumentException(initFrom + ": architecture " + start.config() + " is not the mini one " + MiniArchitecture.config());
            }
            initial = start.weights();
            prov = prov.withModel("init", start.source(), start.inferenceHash())
                    .withStep("pretrain", Map.of("init_from_file_sha256", Manifest.sha256(Path.of(start.source()))));
        }
        Pretraining.run(MiniArchitecture.config(), initial, clips, weighted(MiniRecipes.codebooks(d)), settings, out.toAbsolutePath(), prov.toMetadata(), System.err, true,
                maxMinutes != null ? maxMinutes * 60 : Double.POSITIVE_INFINITY);
        return 0;
    }

    private List<String> commandLine() {
        List<String> a = new ArrayList<>(List.of("--domain", domain, "--out", out.toString(), "--steps", Integer.toString(steps),
                "--batch", Integer.toString(batch), "--lr", Double.toString(lr), "--splits", String.join(",", splits),
                "--threads", Integer.toString(threads)));
        if (seed != null) a.addAll(List.of("--seed", seed.toString()));
        if (initSeed != null) a.addAll(List.of("--init-seed", initSeed.toString()));
        a.addAll(List.of("--feature-grad-mult", Double.toString(featureGradMult)));
        if (corpus != null) a.addAll(List.of("--corpus", corpus.toString()));
        if (maxClips != null) a.addAll(List.of("--max-clips", maxClips.toString()));
        if (maxMinutes != null) a.addAll(List.of("--max-minutes", maxMinutes.toString()));
        if (initFrom != null) a.addAll(List.of("--init-from", initFrom.toString()));
        return a;
    }

    private List<org.permerge.pretrain.TargetCodebook> weighted(List<org.permerge.pretrain.TargetCodebook> books) {
        List<org.permerge.pretrain.TargetCodebook> out = new ArrayList<>();
        for (org.permerge.pretrain.TargetCodebook b : books) {
            Double w = codebookWeights.get(b.name());
            out.add(w == null ? b : b.withWeight(w));
        }
        for (String name : codebookWeights.keySet()) {
            if (books.stream().noneMatch(b -> b.name().equals(name))) {
                throw new IllegalArgumentException("--codebook-weight: no codebook '" + name + "' for " + domain + " (has "
                        + books.stream().map(org.permerge.pretrain.TargetCodebook::name).toList() + ")");
            }
        }
        return out;
    }
}
