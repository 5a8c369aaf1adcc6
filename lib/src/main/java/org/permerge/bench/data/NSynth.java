package org.permerge.bench.data;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.permerge.audio.Audio;
import org.permerge.audio.Manifest;
import org.permerge.audio.Wav;

/**
 * The MARBLE instrument-family and pitch tasks as one probe manifest, built from the downloaded NSynth jsonwav
 * archives ({@code ./permerge download nsynth}): one clip per note {@code nsynth-<split>/audio/<note_str>.wav},
 * labelled from that folder's {@code examples.json} ({@code instrument_family_str}, and {@code pitch} as the MIDI
 * note number), with the official splits: nsynth-train to train, nsynth-valid to dev, nsynth-test to test.
 */
public final class NSynth {
    /** Label key of the instrument task: the instrument family name (bass, brass, ..., vocal). */
    public static final String INSTRUMENT = "instrument_family";
    /** Label key of the pitch task: the MIDI note number as a decimal string. */
    public static final String PITCH = "pitch";
    /** The archive folders with their splits, in order. */
    public static final Map<String, String> FOLDERS = splits();

    private NSynth() {}

    private static Map<String, String> splits() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("nsynth-train", "train");
        m.put("nsynth-valid", "dev");
        m.put("nsynth-test", "test");
        return java.util.Collections.unmodifiableMap(m);
    }

    /** Builds {@code <dataset>/nsynth-manifest.jsonl} from the three unpacked split folders and returns it. */
    public static Manifest build(Path dataset) {
        for (String folder : FOLDERS.keySet()) {
            Path ex = dataset.resolve(folder).resolve("examples.json");
            if (!Files.exists(ex)) {
                throw new IllegalArgumentException("not an unpacked NSynth download: " + ex + " is missing (run ./permerge download nsynth)");
            }
        }
        List<Manifest.Clip> clips = new ArrayList<>();
        for (Map.Entry<String, String> f : FOLDERS.entrySet()) {
            Path dir = dataset.resolve(f.getKey());
            // sorted so the manifest (and its checksum) does not depend on the JSON's key order
            for (Map.Entry<String, JsonObject> e : examples(dir.resolve("examples.json")).entrySet()) {
                String note = e.getKey();
                JsonObject o = e.getValue();
                Path wav = dir.resolve("audio").resolve(note + ".wav");
                if (!Files.exists(wav)) {
                    throw new IllegalArgumentException(dir.resolve("examples.json") + " lists note " + note + " but " + wav + " is missing");
                }
                Map<String, String> labels = new LinkedHashMap<>();
                labels.put(INSTRUMENT, string(o, "instrument_family_str", note));
                labels.put(PITCH, Integer.toString(integer(o, "pitch", note)));
                Map<String, Object> factors = new LinkedHashMap<>();
                if (o.has("velocity")) factors.put("velocity", integer(o, "velocity", note));
                if (o.has("instrument_source_str")) factors.put("instrument_source", string(o, "instrument_source_str", note));
                Audio a = Wav.read(wav);
                clips.add(new Manifest.Clip(f.getKey() + "/" + note, dataset.relativize(wav).toString().replace('\\', '/'),
                        a.durationSeconds(), a.sampleRate(), labels, f.getValue(), Map.of(), factors, Manifest.sha256(wav), dataset));
            }
        }
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("generator", "permerge NSynth (MARBLE instrument family and pitch)");
        header.put("source", "nsynth-{train,valid,test}.jsonwav.tar.gz");
        header.put("labels", INSTRUMENT + " = instrument_family_str, " + PITCH + " = pitch (MIDI note) from examples.json");
        header.put("split_rule", "official splits: nsynth-train = train, nsynth-valid = dev, nsynth-test = test");
        Manifest m = Manifest.of(header, clips, dataset);
        m.write(dataset.resolve("nsynth-manifest.jsonl"));
        return Manifest.read(dataset.resolve("nsynth-manifest.jsonl"));
    }

    private static Map<String, JsonObject> examples(Path file) {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            JsonElement root = JsonParser.parseReader(r);
            if (!root.isJsonObject()) throw new IllegalArgumentException(file + ": expected a JSON object of notes by note_str");
            Map<String, JsonObject> out = new TreeMap<>();
            for (Map.Entry<String, JsonElement> e : root.getAsJsonObject().entrySet()) {
                if (!e.getValue().isJsonObject()) throw new IllegalArgumentException(file + ": note " + e.getKey() + " is not an object");
                out.put(e.getKey(), e.getValue().getAsJsonObject());
            }
            return out;
        } catch (JsonParseException e) {
            throw new IllegalArgumentException(file + ": malformed JSON: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static String string(JsonObject o, String key, String note) {
        JsonElement v = o.get(key);
        if (v == null || !v.isJsonPrimitive()) throw new IllegalArgumentException("NSynth note " + note + " has no '" + key + "'");
        return v.getAsString();
    }

    private static int integer(JsonObject o, String key, String note) {
        JsonElement v = o.get(key);
        if (v == null || !v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber()) {
            throw new IllegalArgumentException("NSynth note " + note + " has no integer '" + key + "' (got " + v + ")");
        }
        double d = v.getAsDouble();
        if (d != Math.rint(d)) throw new IllegalArgumentException("NSynth note " + note + ": '" + key + "' is " + d + ", expected an integer");
        return (int) d;
    }
}
