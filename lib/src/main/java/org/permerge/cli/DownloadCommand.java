package org.permerge.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.permerge.bench.data.DatasetDownload;
import org.permerge.bench.data.DatasetManifest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ./permerge download <dataset>}: fetches, verifies and unpacks a real benchmark dataset. */
@Command(name = "download", mixinStandardHelpOptions = true,
        description = {"Download a real benchmark dataset described in data-manifests/datasets/: resumes partial "
                + "downloads, checks the published size and checksum (or records the sha256 on first download "
                + "where none is published), and unpacks it.",
                "Without a dataset name, lists the datasets with their licences."})
public final class DownloadCommand implements Callable<Integer> {
    @Parameters(arity = "0..1", paramLabel = "<dataset>", description = "dataset name, e.g. speech-commands-v1")
    String dataset;

    @Option(names = "--out", paramLabel = "<dir>", description = "where datasets go (default: .cache/datasets in the project)")
    Path out;

    @Option(names = "--manifests", paramLabel = "<dir>", description = "folder of dataset manifests (default: data-manifests/datasets)")
    Path manifests;

    @Override
    public Integer call() {
        Path home = Path.of(System.getenv().getOrDefault("PERMERGE_HOME", "."));
        Path folder = manifests != null ? manifests : home.resolve("data-manifests").resolve("datasets");
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException("no dataset manifests at " + folder.toAbsolutePath() + " (give --manifests)");
        }
        Map<String, DatasetManifest> all = DatasetManifest.readAll(folder);
        if (dataset == null) {
            for (DatasetManifest m : all.values()) {
                System.out.printf("%-30s %s%n%-30s licence: %s; files: %s%n", m.name(), m.title(), "", m.licence(),
                        m.files().stream().map(f -> f.file() + (f.checksum() == null ? " (unverified)" : " (" + f.checksum().algorithm() + ")")).toList());
            }
            return 0;
        }
        DatasetManifest m = all.get(dataset);
        if (m == null) {
            throw new IllegalArgumentException("unknown dataset '" + dataset + "'; known: " + all.keySet());
        }
        if (out != null && out.toString().isBlank()) throw new IllegalArgumentException("--out is empty: give the folder datasets go in");
        Path root = out != null ? out : home.resolve(".cache").resolve("datasets");
        System.err.println("downloading " + m.name() + " (" + m.licence() + ") into " + DatasetDownload.datasetFolder(m, root).toAbsolutePath());
        List<DatasetDownload.FileResult> results = DatasetDownload.http().download(m, root);
        for (DatasetDownload.FileResult r : results) {
            System.out.printf("%s  sha256 %s  (%s)%s%n", r.file(), r.sha256(), r.verified(),
                    r.unpacked() > 0 ? ", unpacked " + r.unpacked() + " files" : "");
        }
        if (m.name().equals("speech-commands-v1")) {
            var ks = org.permerge.bench.data.SpeechCommandsV1.build(DatasetDownload.datasetFolder(m, root));
            System.out.println("keyword-spotting manifest (SUPERB KS, 12 classes): " + ks.size() + " clips in "
                    + DatasetDownload.datasetFolder(m, root).resolve("ks-manifest.jsonl")
                    + " (use it as a task's \"manifest\" in a study file)");
        }
        if (m.name().equals("gtzan")) {
            var g = org.permerge.bench.data.Gtzan.build(DatasetDownload.datasetFolder(m, root));
            System.out.println("genre manifest (MARBLE, fault-filtered split): " + g.size() + " clips in "
                    + DatasetDownload.datasetFolder(m, root).resolve("genre-manifest.jsonl"));
        }
        if (m.name().equals("nsynth")) {
            var n = org.permerge.bench.data.NSynth.build(DatasetDownload.datasetFolder(m, root));
            System.out.println("instrument-family and pitch manifest (MARBLE, official splits): " + n.size() + " clips in "
                    + DatasetDownload.datasetFolder(m, root).resolve("nsynth-manifest.jsonl"));
        }
        if (m.name().equals("vocalset")) {
            var v = org.permerge.bench.data.VocalSet.build(DatasetDownload.datasetFolder(m, root));
            System.out.println("singer and technique manifest (MARBLE, 3 s segments, per-task splits): " + v.size() + " clips in "
                    + DatasetDownload.datasetFolder(m, root).resolve("vocalset-manifest.jsonl"));
        }
        return 0;
    }
}
