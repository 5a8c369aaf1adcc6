package org.permerge.extract;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.permerge.audio.Manifest;
import org.permerge.model.EncoderConfig;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/** The calibration clips an extraction runs over, as a table: what a reader checks before trusting the statistics. */
public final class ClipTable {
    private ClipTable() {}

    /**
     * Clips already at the model's rate: name ({@code prefix-i}), samples, seconds and the encoder frames each gives
     * ({@link EncoderConfig#framesFor}).
     */
    public static Table of(String name, String prefix, List<float[]> clips, int sampleRate, EncoderConfig config) {
        if (sampleRate <= 0) throw new IllegalArgumentException("sample rate must be > 0, got " + sampleRate);
        return Table.create(name,
                StringColumn.create("clip", IntStream.range(0, clips.size()).mapToObj(i -> prefix + "-" + i).toList()),
                IntColumn.create("samples", clips.stream().mapToInt(c -> c.length).toArray()),
                DoubleColumn.create("seconds", clips.stream().mapToDouble(c -> (double) c.length / sampleRate).toArray()),
                IntColumn.create("frames", clips.stream().mapToInt(c -> config.framesFor(c.length)).toArray()));
    }

    /**
     * The clips of a calibration manifest: id, corpus (the id's domain prefix), seconds, what generated the clip (its
     * {@code word} or {@code instrument} factor, where recorded) and the file relative to {@code root}.
     */
    public static Table of(String name, Manifest manifest, Path root) {
        List<Manifest.Clip> clips = manifest.clips();
        Path base = root.toAbsolutePath().normalize();
        return Table.create(name,
                StringColumn.create("clip", clips.stream().map(Manifest.Clip::id).toList()),
                StringColumn.create("corpus", clips.stream().map(c -> c.id().startsWith("music") ? "music" : "speech").toList()),
                DoubleColumn.create("seconds", clips.stream().mapToDouble(Manifest.Clip::duration).toArray()),
                StringColumn.create("generated from", clips.stream().map(c -> String.valueOf(c.factors().getOrDefault("word",
                        c.factors().getOrDefault("instrument", "")))).toList()),
                StringColumn.create("file", clips.stream().map(c -> relative(base, c.file())).toList()));
    }

    private static String relative(Path base, Path file) {
        Path f = file.toAbsolutePath().normalize();
        return f.startsWith(base) ? base.relativize(f).toString() : f.toString();
    }
}
