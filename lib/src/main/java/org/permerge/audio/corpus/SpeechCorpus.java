package org.permerge.audio.corpus;

import org.permerge.audio.Audio;
import org.permerge.audio.ExternalTool;
import org.permerge.audio.Manifest;
import org.permerge.audio.Resampler;
import org.permerge.audio.Wav;
import org.permerge.io.AtomicFiles;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;

/**
 * Synthetic spoken words from espeak-ng (main-archive voices only): words × speakers (an English accent with a voice
 * variant) × speaking styles, 16 kHz, about one second per clip.
 *
 * <p>Many utterances go through one espeak-ng process as SSML, separated by long breaks; espeak-ng's pauses are
 * exact digital silence, so the utterances are cut apart at silent runs and the count is checked (a batch that does
 * not split cleanly is re-rendered one utterance per process). Styles are prosody settings (pitch, rate, pitch range)
 * plus punctuation intonation; every clip also draws its own pitch, rate and range jitter, loudness, onset time and
 * background noise, so no single synthesiser setting identifies a class.
 */
public final class SpeechCorpus {
    public static final int SAMPLE_RATE = 16000;
    static final long SALT = 0x5bee_c4L;
    private static final int BATCH = 100;
    private static final int BREAK_MS = 600;
    /** Silent runs shorter than this are inside a word (stop closures); espeak-ng's were at most ~60 ms here. */
    private static final double MIN_GAP_S = 0.25;

    /** One synthetic speaker: an espeak-ng English voice with a variant. */
    public record Speaker(String accent, String variant, String gender) {
        public String id() {
            return accent + "+" + variant;
        }
    }

    /** A speaking style: punctuation and prosody relative to the voice's defaults. */
    public record Style(String name, String punctuation, double pitchPercent, double ratePercent, double rangePercent) {}

    public static final List<String> WORDS = List.of("yes", "no", "up", "down", "left", "right", "on", "off", "stop",
            "go", "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "bed", "bird", "cat",
            "dog");

    private static final String[] ACCENTS = {"en-us", "en-gb", "en-gb-scotland", "en-029", "en-gb-x-rp", "en-us-nyc"};
    private static final String[] FEMALE = {"Alicia", "Andrea", "Annie", "aunty", "belinda", "linda", "steph", "anika",
        "f1", "f2", "f3", "f4"};
    private static final String[] MALE = {"adam", "Alex", "benjamin", "caleb", "david", "ed", "m1", "m2", "m3", "m4",
        "m7", "Mr"};

    public static final List<Speaker> SPEAKERS = speakers();

    public static final List<Style> STYLES = List.of(
            new Style("neutral", ".", 0, 100, 100),
            new Style("excited", "!", 30, 122, 170),
            new Style("sad", ".", -20, 78, 35),
            new Style("question", "?", 5, 100, 125));

    private static List<Speaker> speakers() {
        List<Speaker> s = new ArrayList<>();
        for (int i = 0; i < FEMALE.length; i++) {
            s.add(new Speaker(ACCENTS[(2 * i) % ACCENTS.length], FEMALE[i], "female"));
            s.add(new Speaker(ACCENTS[(2 * i + 1) % ACCENTS.length], MALE[i], "male"));
        }
        return List.copyOf(s);
    }

    /** One planned clip: its content and the nuisance draws. */
    record Plan(int index, String id, String split, String word, Speaker speaker, Style style, double pitch, double rate,
                double range, double levelDb, double snrDb, double colour, double offsetFraction, SplittableRandom rng) {
        String ssml() {
            return String.format(Locale.ROOT, "<voice name=\"%s\"><prosody pitch=\"%+.0f%%\" rate=\"%.0f%%\" range=\"%.0f%%\">%s%s</prosody></voice>",
                    speaker.id(), pitch, rate, range, word, style.punctuation());
        }
    }

    private SpeechCorpus() {}

    /** Builds the corpus into {@code options.out()} and returns its manifest (also written as manifest.jsonl). */
    /** Throws, naming the Debian package, when espeak-ng is missing. */
    static void requireTools() {
        ExternalTool.ESPEAK_NG.require();
    }

    public static Manifest build(CorpusOptions options, IntConsumer progress) {
        requireTools();
        Random rng = new Random(options.seed() ^ SALT);
        Map<String, String> voiceGroup = new LinkedHashMap<>();
        for (Speaker s : SPEAKERS) voiceGroup.put(s.id(), s.gender());
        Holdout voices = Holdout.stratified("speaker", voiceGroup, 2, 2, rng);
        Map<String, String> wordGroup = new LinkedHashMap<>();
        for (String w : WORDS) wordGroup.put(w, "all");
        Holdout words = Holdout.stratified("word", wordGroup, 4, 4, rng);

        List<Plan> plans = new ArrayList<>();
        BalancedCycle<String> wordCycle = new BalancedCycle<>(WORDS, rng);
        BalancedCycle<Speaker> speakerCycle = new BalancedCycle<>(SPEAKERS, rng);
        BalancedCycle<Style> styleCycle = new BalancedCycle<>(STYLES, rng);
        for (int i = 0; i < options.clips(); i++) {
            plans.add(plan(options.seed(), i, "labeled", wordCycle.next(), speakerCycle.next(), styleCycle.next()));
        }
        BalancedCycle<String> calWords = new BalancedCycle<>(words.values(Holdout.TRAIN), rng);
        List<Speaker> trainSpeakers = SPEAKERS.stream().filter(s -> voices.of(s.id()).equals(Holdout.TRAIN)).toList();
        BalancedCycle<Speaker> calSpeakers = new BalancedCycle<>(trainSpeakers, rng);
        for (int i = 0; i < options.calibrationClips(); i++) {
            plans.add(plan(options.seed(), options.clips() + i, "calibration", calWords.next(), calSpeakers.next(),
                    styleCycle.next()));
        }

        Path work = CorpusFiles.workDir(options.out());
        List<List<Plan>> batches = new ArrayList<>();
        for (int i = 0; i < plans.size(); i += BATCH) batches.add(plans.subList(i, Math.min(plans.size(), i + BATCH)));
        Manifest.Clip[] rows = new Manifest.Clip[plans.size()];
        Parallel.forEach(batches, options.threads(), (k, batch) -> {
            List<float[]> sounds = renderBatch(work, k, batch);
            for (int j = 0; j < batch.size(); j++) {
                Plan p = batch.get(j);
                rows[p.index()] = finishClip(options.out(), p, sounds.get(j), voices, words);
                progress.accept(1);
            }
        });
        CorpusFiles.deleteQuietly(work);

        Map<String, Object> header = CorpusFiles.header("speech", options, SAMPLE_RATE);
        Map<String, Object> tools = new LinkedHashMap<>();
        tools.put("espeak-ng", ToolVersions.espeak());
        tools.put("espeak-ng-data", ToolVersions.debianPackage("espeak-ng-data"));
        header.put("tools", tools);
        Map<String, Object> tasks = new LinkedHashMap<>();
        tasks.put("word", CorpusFiles.task("word", voices));
        tasks.put("speaker", CorpusFiles.task("speaker", words));
        tasks.put("style", CorpusFiles.task("style", voices));
        header.put("tasks", tasks);
        header.put("split_rule", "Each task holds out a factor it does not predict: the word and style tasks are tested "
                + "on speakers never heard in training (2 female + 2 male speakers each for dev and test), the speaker "
                + "task on words never said in training (4 words each for dev and test). A row's 'splits' gives its "
                + "split per task; 'split' is 'labeled' or 'calibration'. Calibration clips carry no labels and draw "
                + "only training-side speakers and words.");
        header.put("factors", ClipAssembly.ordered(
                "pitch_percent", "style pitch + uniform(-12, 12) (SSML prosody, relative to the voice)",
                "rate_percent", "style rate x uniform(0.9, 1.1)",
                "range_percent", "style range x uniform(0.8, 1.25)",
                "level_db", "uniform(-32, -18) dBFS RMS of the utterance",
                "snr_db", "uniform(15, 40), noise colour uniform(0, 0.97) (one-pole low-pass of white noise)",
                "onset_s", "uniform over the clip's free time, at least 30 ms from either end"));
        header.put("styles", STYLES.stream().map(s -> ClipAssembly.ordered("name", s.name(), "punctuation", s.punctuation(),
                "pitch_percent", s.pitchPercent(), "rate_percent", s.ratePercent(), "range_percent", s.rangePercent())).toList());
        return CorpusFiles.writeManifest(header, rows, options);
    }

    private static Plan plan(long seed, int index, String split, String word, Speaker speaker, Style style) {
        SplittableRandom r = ClipAssembly.clipRandom(seed, SALT, index);
        double pitch = style.pitchPercent() + ClipAssembly.uniform(r, -12, 12);
        double rate = style.ratePercent() * ClipAssembly.uniform(r, 0.9, 1.1);
        double range = style.rangePercent() * ClipAssembly.uniform(r, 0.8, 1.25);
        double level = ClipAssembly.uniform(r, -32, -18);
        double snr = ClipAssembly.uniform(r, 15, 40);
        double colour = ClipAssembly.uniform(r, 0, 0.97);
        double offset = r.nextDouble();
        String id = String.format(Locale.ROOT, "speech-%05d", index);
        return new Plan(index, id, split, word, speaker, style, pitch, rate, range, level, snr, colour, offset, r);
    }

    private static Manifest.Clip finishClip(Path out, Plan p, float[] sound, Holdout voices, Holdout words) {
        int margin = (int) (0.03 * SAMPLE_RATE);
        int length = Math.max(SAMPLE_RATE, sound.length + 2 * margin);
        int offset = margin + (int) (p.offsetFraction() * (length - sound.length - 2 * margin));
        float[] x = ClipAssembly.finish(sound, length, offset, p.levelDb(), p.snrDb(), p.colour(), 0, p.rng());
        ClipAssembly.Written w = ClipAssembly.write(out, p.id(), x, SAMPLE_RATE);
        Map<String, String> labels = new LinkedHashMap<>();
        Map<String, String> splits = new LinkedHashMap<>();
        if (p.split().equals("labeled")) {
            labels.put("word", p.word());
            labels.put("speaker", p.speaker().id());
            labels.put("style", p.style().name());
            labels.put("gender", p.speaker().gender());
            splits.put("word", voices.of(p.speaker().id()));
            splits.put("speaker", words.of(p.word()));
            splits.put("style", voices.of(p.speaker().id()));
        }
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("word", p.word());
        f.put("speaker", p.speaker().id());
        f.put("style", p.style().name());
        f.put("pitch_percent", ClipAssembly.round(p.pitch(), 0));
        f.put("rate_percent", ClipAssembly.round(p.rate(), 0));
        f.put("range_percent", ClipAssembly.round(p.range(), 0));
        f.put("level_db", ClipAssembly.round(p.levelDb(), 2));
        f.put("snr_db", ClipAssembly.round(p.snrDb(), 2));
        f.put("noise_colour", ClipAssembly.round(p.colour(), 3));
        f.put("onset_s", ClipAssembly.round(offset / (double) SAMPLE_RATE, 4));
        f.put("speech_s", ClipAssembly.round(sound.length / (double) SAMPLE_RATE, 4));
        return new Manifest.Clip(p.id(), w.path(), w.duration(), SAMPLE_RATE, labels, p.split(), splits, f, w.sha256(),
                out.toAbsolutePath().normalize());
    }

    /** Renders a batch through one espeak-ng process and returns each utterance at 16 kHz. */
    static List<float[]> renderBatch(Path work, int k, List<Plan> batch) {
        StringBuilder ssml = new StringBuilder("<speak>\n");
        for (Plan p : batch) ssml.append(p.ssml()).append("<break time=\"").append(BREAK_MS).append("ms\"/>\n");
        ssml.append("</speak>\n");
        Audio a = speak(work, "batch-" + k, ssml.toString());
        List<int[]> segments = segments(a.mono(), a.sampleRate());
        List<float[]> out = new ArrayList<>();
        if (segments.size() == batch.size()) {
            for (int[] s : segments) out.add(toClipRate(a.mono(), s, a.sampleRate()));
            return out;
        }
        // rare: an utterance with a long internal pause or none at all; render those one by one
        for (Plan p : batch) {
            Audio one = speak(work, "clip-" + p.index(), "<speak>" + p.ssml() + "</speak>");
            List<int[]> s = segments(one.mono(), one.sampleRate());
            if (s.isEmpty()) throw new IllegalStateException("espeak-ng produced silence for " + p.ssml());
            out.add(toClipRate(one.mono(), new int[] {s.get(0)[0], s.get(s.size() - 1)[1]}, one.sampleRate()));
        }
        return out;
    }

    private static Audio speak(Path work, String name, String ssml) {
        Path in = work.resolve(name + ".ssml");
        Path wav = work.resolve(name + ".wav");
        AtomicFiles.writeString(in, ssml);
        ExternalTool.ESPEAK_NG.run(List.of("-m", "-w", wav.toString(), "-f", in.toString()), null);
        Audio a = Wav.read(wav);
        CorpusFiles.deleteQuietly(in);
        CorpusFiles.deleteQuietly(wav);
        return a;
    }

    /** Non-silent runs [start, end), with silent gaps shorter than {@link #MIN_GAP_S} bridged. */
    static List<int[]> segments(float[] x, int rate) {
        int minGap = (int) (MIN_GAP_S * rate);
        List<int[]> runs = new ArrayList<>();
        int i = 0;
        while (i < x.length) {
            while (i < x.length && x[i] == 0f) i++;
            if (i == x.length) break;
            int s = i;
            while (i < x.length && x[i] != 0f) i++;
            if (!runs.isEmpty() && s - runs.get(runs.size() - 1)[1] < minGap) runs.get(runs.size() - 1)[1] = i;
            else runs.add(new int[] {s, i});
        }
        return runs;
    }

    private static float[] toClipRate(float[] x, int[] seg, int rate) {
        float[] s = java.util.Arrays.copyOfRange(x, seg[0], seg[1]);
        return Resampler.resample(s, rate, SAMPLE_RATE);
    }
}
