package org.permerge.audio.corpus;

import org.permerge.audio.Audio;
import org.permerge.audio.ExternalTool;
import org.permerge.audio.Manifest;
import org.permerge.audio.Wav;

import java.nio.file.Files;
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
 * Synthetic music from fluidsynth with the FluidR3 General MIDI soundfont: two-second clips of a chord (major, minor,
 * diminished, augmented, sus4) on a root, played in a rhythmic style (sustained, staccato, arpeggio, waltz,
 * syncopated) by one of 32 instruments in 8 families, 16 kHz.
 *
 * <p>Each chunk of a few hundred clips is one MIDI file written here, clips 2.6 s apart with all sound cut at the
 * end of each clip, rendered by one fluidsynth process and sliced at the known times. Inside every class the
 * register, inversion, tempo, velocities, timing, a small detuning, loudness and background noise vary.
 */
public final class MusicCorpus {
    public static final int SAMPLE_RATE = 16000;
    public static final double CLIP_SECONDS = 2.0;
    public static final Path SOUNDFONT = Path.of("/usr/share/sounds/sf2/FluidR3_GM.sf2");
    static final long SALT = 0x3051cL;
    private static final double SLOT_SECONDS = 2.6;
    private static final double FIRST_SLOT = 0.5;
    private static final String[] NOTE_NAMES = {"C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"};

    /** A General MIDI instrument with the range its chord roots are drawn from. */
    public record Instrument(int program, String name, String family, int lowestRoot, int highestRoot) {}

    /** A chord quality as semitones above the root. */
    public record Quality(String name, int[] intervals) {}

    public static final List<Instrument> INSTRUMENTS = List.of(
            new Instrument(0, "acoustic_grand_piano", "piano", 45, 72),
            new Instrument(1, "bright_acoustic_piano", "piano", 45, 72),
            new Instrument(2, "electric_grand_piano", "piano", 45, 72),
            new Instrument(4, "electric_piano_1", "piano", 45, 72),
            new Instrument(8, "celesta", "chromatic_percussion", 60, 84),
            new Instrument(10, "music_box", "chromatic_percussion", 60, 84),
            new Instrument(11, "vibraphone", "chromatic_percussion", 53, 77),
            new Instrument(12, "marimba", "chromatic_percussion", 48, 72),
            new Instrument(16, "drawbar_organ", "organ", 45, 72),
            new Instrument(17, "percussive_organ", "organ", 45, 72),
            new Instrument(19, "church_organ", "organ", 45, 72),
            new Instrument(21, "accordion", "organ", 50, 74),
            new Instrument(24, "nylon_guitar", "guitar", 45, 67),
            new Instrument(25, "steel_guitar", "guitar", 45, 67),
            new Instrument(26, "jazz_guitar", "guitar", 45, 67),
            new Instrument(27, "clean_electric_guitar", "guitar", 45, 67),
            new Instrument(40, "violin", "strings", 57, 81),
            new Instrument(42, "cello", "strings", 38, 60),
            new Instrument(48, "string_ensemble_1", "strings", 48, 72),
            new Instrument(49, "string_ensemble_2", "strings", 48, 72),
            new Instrument(56, "trumpet", "brass", 55, 74),
            new Instrument(57, "trombone", "brass", 40, 62),
            new Instrument(60, "french_horn", "brass", 45, 67),
            new Instrument(61, "brass_section", "brass", 48, 70),
            new Instrument(64, "soprano_sax", "reed", 57, 79),
            new Instrument(65, "alto_sax", "reed", 50, 72),
            new Instrument(68, "oboe", "reed", 58, 80),
            new Instrument(71, "clarinet", "reed", 50, 74),
            new Instrument(72, "piccolo", "pipe", 72, 93),
            new Instrument(73, "flute", "pipe", 60, 84),
            new Instrument(74, "recorder", "pipe", 60, 84),
            new Instrument(75, "pan_flute", "pipe", 57, 81));

    public static final List<Quality> QUALITIES = List.of(
            new Quality("major", new int[] {0, 4, 7}), new Quality("minor", new int[] {0, 3, 7}),
            new Quality("diminished", new int[] {0, 3, 6}), new Quality("augmented", new int[] {0, 4, 8}),
            new Quality("sus4", new int[] {0, 5, 7}));

    public static final List<String> RHYTHMS = List.of("sustained", "staccato", "arpeggio", "waltz", "syncopated");

    /** One planned clip. */
    record Plan(int index, String id, String split, Instrument instrument, int root, Quality quality, String rhythm,
                int rootKey, int inversion, double bpm, int velocity, double detuneCents, double lead, double levelDb,
                double snrDb, double colour, SplittableRandom rng) {}

    private MusicCorpus() {}

    /** Throws, naming the Debian package, when fluidsynth or the FluidR3 soundfont is missing. */
    static void requireTools() {
        ExternalTool.FLUIDSYNTH.require();
        if (!Files.isRegularFile(SOUNDFONT)) {
            throw new IllegalStateException("soundfont " + SOUNDFONT + " not found: install the Debian package "
                    + "'fluid-soundfont-gm' (sudo apt-get install fluid-soundfont-gm, or sudo bash environment/setup.sh --audio)");
        }
    }

    public static Manifest build(CorpusOptions options, IntConsumer progress) {
        requireTools();
        Random rng = new Random(options.seed() ^ SALT);
        Map<String, String> programGroup = new LinkedHashMap<>();
        for (Instrument i : INSTRUMENTS) programGroup.put(i.name(), i.family());
        Holdout programs = Holdout.stratified("instrument", programGroup, 1, 1, rng);
        Map<String, String> rhythmGroup = new LinkedHashMap<>();
        for (String r : RHYTHMS) rhythmGroup.put(r, "all");
        Holdout rhythms = Holdout.stratified("rhythm", rhythmGroup, 1, 1, rng);
        List<String> families = INSTRUMENTS.stream().map(Instrument::family).distinct().toList();
        Map<String, BalancedCycle<Instrument>> byFamily = new LinkedHashMap<>();
        for (String f : families) {
            byFamily.put(f, new BalancedCycle<>(INSTRUMENTS.stream().filter(i -> i.family().equals(f)).toList(), rng));
        }
        BalancedCycle<String> familyCycle = new BalancedCycle<>(families, rng);
        List<Integer> pcs = new ArrayList<>();
        for (int i = 0; i < 12; i++) pcs.add(i);
        BalancedCycle<Integer> rootCycle = new BalancedCycle<>(pcs, rng);
        BalancedCycle<Quality> qualityCycle = new BalancedCycle<>(QUALITIES, rng);
        BalancedCycle<String> rhythmCycle = new BalancedCycle<>(RHYTHMS, rng);
        List<Plan> plans = new ArrayList<>();
        for (int i = 0; i < options.clips(); i++) {
            plans.add(plan(options.seed(), i, "labeled", byFamily.get(familyCycle.next()).next(), rootCycle.next(),
                    qualityCycle.next(), rhythmCycle.next()));
        }
        BalancedCycle<Instrument> calInstruments = new BalancedCycle<>(INSTRUMENTS.stream()
                .filter(i -> programs.of(i.name()).equals(Holdout.TRAIN)).toList(), rng);
        BalancedCycle<String> calRhythms = new BalancedCycle<>(rhythms.values(Holdout.TRAIN), rng);
        for (int i = 0; i < options.calibrationClips(); i++) {
            plans.add(plan(options.seed(), options.clips() + i, "calibration", calInstruments.next(), rootCycle.next(),
                    qualityCycle.next(), calRhythms.next()));
        }

        Path work = CorpusFiles.workDir(options.out());
        List<List<Plan>> chunks = new ArrayList<>();
        // a few large chunks: each fluidsynth process loads the 141 MB soundfont; the size depends only on the clip
        // count, never on the thread count, so the audio does not either
        int chunkSize = Math.max(100, Math.min(600, (plans.size() + 3) / 4));
        for (int i = 0; i < plans.size(); i += chunkSize) chunks.add(plans.subList(i, Math.min(plans.size(), i + chunkSize)));
        Manifest.Clip[] rows = new Manifest.Clip[plans.size()];
        Parallel.forEach(chunks, options.threads(), (k, chunk) -> {
            float[] audio = render(work, k, chunk);
            int len = (int) Math.round(CLIP_SECONDS * SAMPLE_RATE);
            for (int j = 0; j < chunk.size(); j++) {
                Plan p = chunk.get(j);
                int start = (int) Math.round((FIRST_SLOT + j * SLOT_SECONDS) * SAMPLE_RATE);
                float[] slice = new float[len];
                System.arraycopy(audio, start, slice, 0, Math.max(0, Math.min(len, audio.length - start)));
                rows[p.index()] = finishClip(options.out(), p, slice, programs, rhythms);
                progress.accept(1);
            }
        });
        CorpusFiles.deleteQuietly(work);

        Map<String, Object> header = CorpusFiles.header("music", options, SAMPLE_RATE);
        Map<String, Object> tools = new LinkedHashMap<>();
        tools.put("fluidsynth", ToolVersions.fluidsynth());
        tools.put("fluidsynth_flags", "-ni -q -R 0 -C 0 -g 0.5 -O float -T wav -r 16000");
        tools.put("soundfont", SOUNDFONT.toString());
        tools.put("soundfont_sha256", Manifest.sha256(SOUNDFONT));
        tools.put("fluid-soundfont-gm", ToolVersions.debianPackage("fluid-soundfont-gm"));
        header.put("tools", tools);
        Map<String, Object> tasks = new LinkedHashMap<>();
        tasks.put("family", CorpusFiles.task("family", rhythms));
        tasks.put("root", CorpusFiles.task("root", programs));
        tasks.put("chord", CorpusFiles.task("quality", programs));
        tasks.put("rhythm", CorpusFiles.task("rhythm", programs));
        header.put("tasks", tasks);
        header.put("split_rule", "Each task holds out a factor it does not predict: instrument family is tested on "
                + "rhythmic styles never heard in training (one style each for dev and test); root, chord quality and "
                + "rhythm are tested on instruments never heard in training (one instrument per family each for dev "
                + "and test). The root task leaves out augmented chords, whose root is ambiguous (they are symmetric). "
                + "A row's 'splits' gives its split per task; 'split' is 'labeled' or 'calibration'. Calibration clips "
                + "carry no labels and draw only training-side instruments and rhythms.");
        header.put("factors", ClipAssembly.ordered(
                "root_key", "MIDI key of the root, any octave that keeps it inside the instrument's range",
                "inversion", "0 (50 %), 1 (30 %) or 2 (20 %)",
                "bpm", "uniform(90, 150)",
                "velocity", "uniform(45, 115) per clip, +-10 per note; timing jitter N(0, 5 ms) per note",
                "detune_cents", "uniform(-25, 25) by pitch bend (bend range +-2 semitones)",
                "lead_s", "uniform(0.03, 0.25) before the first note",
                "level_db", "uniform(-30, -16) dBFS RMS of the clip",
                "snr_db", "uniform(20, 45), noise colour uniform(0, 0.97) (one-pole low-pass of white noise)"));
        return CorpusFiles.writeManifest(header, rows, options);
    }

    private static Plan plan(long seed, int index, String split, Instrument inst, int root, Quality q, String rhythm) {
        SplittableRandom r = ClipAssembly.clipRandom(seed, SALT, index);
        List<Integer> keys = new ArrayList<>();
        for (int k = root; k <= 127; k += 12) if (k >= inst.lowestRoot() && k <= inst.highestRoot() - 7) keys.add(k);
        if (keys.isEmpty()) throw new IllegalStateException("no " + NOTE_NAMES[root] + " in range of " + inst.name());
        int key = keys.get(r.nextInt(keys.size()));
        double u = r.nextDouble();
        int inversion = u < 0.5 ? 0 : u < 0.8 ? 1 : 2;
        double bpm = ClipAssembly.uniform(r, 90, 150);
        int velocity = (int) ClipAssembly.uniform(r, 45, 116);
        double detune = ClipAssembly.uniform(r, -25, 25);
        double lead = ClipAssembly.uniform(r, 0.03, 0.25);
        double level = ClipAssembly.uniform(r, -30, -16);
        double snr = ClipAssembly.uniform(r, 20, 45);
        double colour = ClipAssembly.uniform(r, 0, 0.97);
        String id = String.format(Locale.ROOT, "music-%05d", index);
        return new Plan(index, id, split, inst, root, q, rhythm, key, inversion, bpm, velocity, detune, lead, level, snr,
                colour, r);
    }

    /** The chord's keys, lowest first, after inversion. */
    static int[] voicing(int rootKey, Quality q, int inversion) {
        int[] k = new int[q.intervals().length];
        for (int i = 0; i < k.length; i++) k[i] = rootKey + q.intervals()[i] + (i < inversion ? 12 : 0);
        java.util.Arrays.sort(k);
        return k;
    }

    /** Writes the chunk's notes into a MIDI file, one clip per slot, and renders it with fluidsynth. */
    static float[] render(Path work, int k, List<Plan> chunk) {
        MidiFile midi = new MidiFile();
        for (int j = 0; j < chunk.size(); j++) {
            Plan p = chunk.get(j);
            double t0 = FIRST_SLOT + j * SLOT_SECONDS;
            int ch = j % 15 >= 9 ? j % 15 + 1 : j % 15; // channel 9 is percussion in General MIDI
            midi.programChange(t0 - 0.2, ch, p.instrument().program());
            midi.pitchBend(t0 - 0.2, ch, (int) Math.round(8192 + p.detuneCents() / 200.0 * 8192));
            pattern(midi, p, t0, ch);
            midi.silence(t0 + CLIP_SECONDS, ch);
        }
        Path mid = work.resolve("chunk-" + k + ".mid");
        Path wav = work.resolve("chunk-" + k + ".wav");
        midi.write(mid);
        ExternalTool.FLUIDSYNTH.run(List.of("-ni", "-q", "-R", "0", "-C", "0", "-g", "0.5", "-O", "float", "-T", "wav",
                "-F", wav.toString(), "-r", Integer.toString(SAMPLE_RATE), SOUNDFONT.toString(), mid.toString()), null);
        Audio a = Wav.read(wav);
        if (a.sampleRate() != SAMPLE_RATE) {
            throw new IllegalStateException("fluidsynth wrote " + a.sampleRate() + " Hz to " + wav + ", asked for " + SAMPLE_RATE);
        }
        CorpusFiles.deleteQuietly(mid);
        CorpusFiles.deleteQuietly(wav);
        return a.mono();
    }

    /** The notes of one clip in its rhythmic style, all ending before the clip does. */
    static void pattern(MidiFile midi, Plan p, double t0, int ch) {
        SplittableRandom r = new SplittableRandom(p.rng().nextLong());
        double beat = 60.0 / p.bpm();
        double end = CLIP_SECONDS - 0.15;
        int[] chord = voicing(p.rootKey(), p.quality(), p.inversion());
        List<double[]> hits = new ArrayList<>(); // {onset, duration, which}: which -1 = whole chord, -2 = bass, i = note i
        switch (p.rhythm()) {
            case "sustained" -> hits.add(new double[] {0, ClipAssembly.uniform(r, 1.2, 1.7), -1});
            case "staccato" -> {
                for (double t = 0; t < end - 0.1; t += beat) hits.add(new double[] {t, 0.22 * beat, -1});
            }
            case "arpeggio" -> {
                int[] order = {0, 1, 2, 3, 2, 1};
                int n = 0;
                for (double t = 0; t < end - 0.1; t += beat / 2, n++) hits.add(new double[] {t, 0.48 * beat, order[n % order.length]});
            }
            case "waltz" -> {
                for (int b = 0; b * beat < end - 0.1; b++) {
                    hits.add(b % 3 == 0 ? new double[] {b * beat, 0.9 * beat, -2} : new double[] {b * beat, 0.45 * beat, -1});
                }
            }
            case "syncopated" -> {
                double[] cells = {0, 1.5, 3.0, 4.0, 5.5, 7.0}; // 3+3+2 eighths
                for (double c : cells) if (c * beat < end - 0.1) hits.add(new double[] {c * beat, 0.35 * beat, -1});
            }
            default -> throw new IllegalStateException("unknown rhythm " + p.rhythm());
        }
        for (double[] h : hits) {
            double on = t0 + p.lead() + h[0] + Math.max(-0.015, Math.min(0.015, 0.005 * r.nextGaussian()));
            double dur = Math.min(h[1], t0 + end - on);
            if (dur <= 0.02) continue;
            int[] keys;
            if (h[2] == -1) {
                keys = chord;
            } else if (h[2] == -2) {
                int bass = p.rootKey() - 12 >= p.instrument().lowestRoot() - 5 ? p.rootKey() - 12 : p.rootKey();
                keys = new int[] {bass};
            } else {
                int i = (int) h[2];
                keys = new int[] {i < chord.length ? chord[i] : chord[0] + 12};
            }
            for (int key : keys) {
                int v = Math.max(20, Math.min(127, p.velocity() + (int) Math.round(ClipAssembly.uniform(r, -10, 10))));
                midi.note(on, dur, ch, key, v);
            }
        }
    }

    private static Manifest.Clip finishClip(Path out, Plan p, float[] slice, Holdout programs, Holdout rhythms) {
        float[] x = ClipAssembly.finish(slice, slice.length, 0, p.levelDb(), p.snrDb(), p.colour(), 320, p.rng());
        ClipAssembly.Written w = ClipAssembly.write(out, p.id(), x, SAMPLE_RATE);
        Map<String, String> labels = new LinkedHashMap<>();
        Map<String, String> splits = new LinkedHashMap<>();
        String rootName = NOTE_NAMES[p.root()];
        if (p.split().equals("labeled")) {
            labels.put("family", p.instrument().family());
            labels.put("instrument", p.instrument().name());
            labels.put("root", rootName);
            labels.put("quality", p.quality().name());
            labels.put("rhythm", p.rhythm());
            splits.put("family", rhythms.of(p.rhythm()));
            if (!p.quality().name().equals("augmented")) splits.put("root", programs.of(p.instrument().name()));
            splits.put("chord", programs.of(p.instrument().name()));
            splits.put("rhythm", programs.of(p.instrument().name()));
        }
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("family", p.instrument().family());
        f.put("program", p.instrument().program());
        f.put("instrument", p.instrument().name());
        f.put("root", rootName);
        f.put("quality", p.quality().name());
        f.put("rhythm", p.rhythm());
        f.put("root_key", p.rootKey());
        f.put("inversion", p.inversion());
        f.put("bpm", ClipAssembly.round(p.bpm(), 1));
        f.put("velocity", p.velocity());
        f.put("detune_cents", ClipAssembly.round(p.detuneCents(), 1));
        f.put("lead_s", ClipAssembly.round(p.lead(), 4));
        f.put("level_db", ClipAssembly.round(p.levelDb(), 2));
        f.put("snr_db", ClipAssembly.round(p.snrDb(), 2));
        f.put("noise_colour", ClipAssembly.round(p.colour(), 3));
        return new Manifest.Clip(p.id(), w.path(), w.duration(), SAMPLE_RATE, labels, p.split(), splits, f, w.sha256(),
                out.toAbsolutePath().normalize());
    }
}
