package org.permerge.study;

import org.permerge.audio.Manifest;
import org.permerge.bench.Domain;
import org.permerge.bench.FbankFeatures;
import org.permerge.bench.Interval;
import org.permerge.bench.LayerFeatures;
import org.permerge.bench.PairedBootstrap;
import org.permerge.bench.ProbeConfig;
import org.permerge.bench.ProbeFeatures;
import org.permerge.bench.ProbeTask;
import org.permerge.bench.TaskOutcome;
import org.permerge.io.AtomicFiles;
import org.permerge.model.EncoderCheckpoint;
import org.permerge.model.HubertEncoder;
import org.permerge.pretrain.MiniRecipes;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Evidence that a pretrained mini encoder learned something: the benchmark's probe (learned layer weights
 * + linear head, early stopping on dev) on the encoder's hidden states pooled as the mini study pools them versus the same probe
 * on the fixed log-mel baseline (80 bands, 25 ms, 10 ms hop, mean + std pooled), on the three tasks of the
 * encoder's domain in the mini study, with 95 % paired-bootstrap intervals on test accuracy.
 */
public final class ProbeEvidence {
    /** One task's comparison. */
    public record Row(String task, int testClips, Interval encoder, Interval logMel, Interval difference) {
        public boolean encoderWins() {
            return difference.estimate() > 0;
        }
    }

    private ProbeEvidence() {}

    /** Runs every task of {@code domain} in the "mini" study over the corpus and writes {@code probe-evidence.md} into the checkpoint folder. */
    public static List<Row> run(Path checkpoint, Manifest corpus, MiniRecipes.Domain domain, PrintStream log) {
        StudyConfig study = StudyConfig.load("mini");
        Domain benchDomain = Domain.parse(domain.key());
        List<ProbeTask> tasks = new ArrayList<>();
        for (StudyConfig.TaskEntry t : study.tasks()) {
            if (t.domain() == benchDomain) tasks.add(ProbeTask.of(t.spec(), corpus));
        }
        List<Manifest.Clip> clips = ProbeTask.union(tasks);
        EncoderCheckpoint ck = EncoderCheckpoint.load(checkpoint);
        LayerFeatures enc;
        try (HubertEncoder e = HubertEncoder.create(ck.config(), ck.weights())) {
            enc = ProbeFeatures.hiddenStates(e, ck.preprocessor(), clips, 8, domain.key(), study.pooling());
        }
        LayerFeatures fbank = FbankFeatures.compute(clips);
        ProbeConfig probe = study.probe();
        PairedBootstrap boot = new PairedBootstrap(study.bootstrapReplicates(), study.seed());
        List<Row> rows = new ArrayList<>();
        for (ProbeTask t : tasks) {
            TaskOutcome a = t.evaluate(enc, probe);
            TaskOutcome b = t.evaluate(fbank, probe);
            Row r = new Row(t.spec().name(), a.size(), boot.interval(a, 0.95), boot.interval(b, 0.95), boot.difference(a, b, 0.95));
            rows.add(r);
            log.println(format(r));
        }
        StringBuilder md = new StringBuilder();
        md.append("# Probe evidence: ").append(checkpoint.getFileName()).append(" vs the log-mel baseline\n\n");
        md.append("Probe: the benchmark's (learned softmax layer weights over all hidden states, ").append(study.pooling().label())
                .append(" pooled per clip, + linear head; ").append(probe).append("). Baseline: 80-band log-mel, 25 ms / 10 ms, mean + std pooled (FbankFeatures). ")
                .append("Test accuracy with 95 % percentile bootstrap intervals (")
                .append(study.bootstrapReplicates()).append(" replicates, seed ").append(study.seed())
                .append("); the difference interval is paired over the same test clips.\n\n");
        md.append("Corpus manifest sha256: ").append(corpus.checksum()).append("\n\n");
        md.append("| task | test clips | encoder | log-mel | encoder − log-mel |\n|---|---|---|---|---|\n");
        int wins = 0;
        int significant = 0;
        for (Row r : rows) {
            if (r.difference().lower() > 0) significant++;
            md.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s |%n", r.task(), r.testClips(), ci(r.encoder()), ci(r.logMel()), ci(r.difference())));
            if (r.encoderWins()) wins++;
        }
        md.append(String.format(Locale.ROOT, "%nThe encoder's point estimate beats log-mel on %d of %d tasks; on %d of them the 95 %% "
                + "interval of the paired difference lies above zero.%n", wins, rows.size(), significant));
        AtomicFiles.writeString(checkpoint.resolve("probe-evidence.md"), md.toString());
        return rows;
    }

    static String format(Row r) {
        return String.format(Locale.ROOT, "%-8s n=%d encoder %s  log-mel %s  diff %s", r.task(), r.testClips(), ci(r.encoder()), ci(r.logMel()), ci(r.difference()));
    }

    private static String ci(Interval i) {
        return String.format(Locale.ROOT, "%.3f [%.3f, %.3f]", i.estimate(), i.lower(), i.upper());
    }
}
