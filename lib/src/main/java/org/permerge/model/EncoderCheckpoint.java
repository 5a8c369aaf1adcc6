package org.permerge.model;

import com.google.gson.JsonObject;
import org.permerge.checkpoint.CheckpointFormatException;
import org.permerge.checkpoint.DType;
import org.permerge.checkpoint.HubCache;
import org.permerge.checkpoint.ModelHash;
import org.permerge.checkpoint.ModelReference;
import org.permerge.checkpoint.Preprocessor;
import org.permerge.checkpoint.PyTorchZip;
import org.permerge.checkpoint.SafeTensors;
import org.permerge.checkpoint.ShardIndex;
import org.permerge.checkpoint.StateDict;
import org.permerge.checkpoint.Tensor;
import org.permerge.io.AtomicFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A HuBERT-family encoder checkpoint loaded from a Hugging Face model folder: its config, every weight
 * tensor under transformers' current names (checked one by one against {@link ParameterLayout}), and the
 * input preprocessing it declares.
 */
public final class EncoderCheckpoint {
    /** Weight files looked for in a model folder, in order of preference. */
    public static final List<String> WEIGHT_FILES = List.of(
            "model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json");
    /** Provenance file written beside the weights by {@link #save}. */
    public static final String PROVENANCE_FILE = org.permerge.checkpoint.Provenance.FILE;

    private final EncoderConfig config;
    private final StateDict weights;
    private final Preprocessor preprocessor;
    /** The learned mask embedding: in every HuBERT-family model, but stored only when the config enables masking. */
    public static final String MASKED_SPEC_EMBED = "masked_spec_embed";

    private final KeyLayout keyLayout;
    private final String source;
    private final boolean storesMaskedSpecEmbed;
    private final List<String> notes;
    private volatile String inferenceHash;

    private EncoderCheckpoint(EncoderConfig config, StateDict weights, Preprocessor preprocessor, KeyLayout keyLayout, String source,
                              boolean storesMaskedSpecEmbed, List<String> notes) {
        this.config = config;
        this.weights = weights;
        this.preprocessor = preprocessor;
        this.keyLayout = keyLayout;
        this.source = source;
        this.storesMaskedSpecEmbed = storesMaskedSpecEmbed;
        this.notes = List.copyOf(notes);
    }

    /**
     * Loads a model folder ({@code config.json} + {@code model.safetensors} or {@code pytorch_model.bin}, sharded or
     * not, + optional {@code preprocessor_config.json}) or one weights file inside such a folder.
     *
     * <p>Two departures from "every tensor exactly as expected", both as transformers loads such files, each with a
     * {@linkplain #notes() note} printed to stderr: a task model's checkpoint ({@code HubertForCTC},
     * {@code HubertForSequenceClassification}) loads its encoder from under the {@code hubert.}/{@code mert.} prefix and
     * ignores the task head; and a missing {@code masked_spec_embed} (used only for masking in pretraining) gets a
     * stand-in drawn as transformers initialises it, U[0, 1), from a fixed seed. It is absent by design when the config's
     * {@code mask_time_prob} and {@code mask_feature_prob} are both 0; then there is no note. {@link #save(Path, Map)}
     * writes the tensor only when the file had it.
     *
     * @throws CheckpointFormatException naming the file, tensor or field at fault
     */
    public static EncoderCheckpoint load(Path dirOrWeightsFile) {
        Path dir;
        Path weightsFile;
        if (Files.isDirectory(dirOrWeightsFile)) {
            dir = dirOrWeightsFile;
            weightsFile = null;
            for (String name : WEIGHT_FILES) {
                if (Files.isRegularFile(dir.resolve(name))) {
                    weightsFile = dir.resolve(name);
                    break;
                }
            }
            if (weightsFile == null) {
                throw new CheckpointFormatException(dir + ": no weights file found; expected one of " + WEIGHT_FILES);
            }
        } else if (Files.isRegularFile(dirOrWeightsFile)) {
            weightsFile = dirOrWeightsFile;
            dir = dirOrWeightsFile.toAbsolutePath().getParent();
        } else {
            throw new CheckpointFormatException(dirOrWeightsFile + ": no such checkpoint folder or weights file");
        }
        Path configFile = dir.resolve("config.json");
        if (!Files.isRegularFile(configFile)) {
            throw new CheckpointFormatException(dir + ": config.json is missing (needed beside " + weightsFile.getFileName() + ")");
        }
        JsonObject configJson = EncoderConfig.readJson(configFile);
        EncoderConfig config = EncoderConfig.fromJson(configJson, configFile.toString());
        boolean masking = EncoderConfig.hasMaskedSpecEmbed(configJson, configFile.toString());
        Preprocessor pre = Preprocessor.readOrDefault(dir);
        String source = weightsFile.toString();
        List<String> notes = new ArrayList<>();
        TaskModelKeys.Split split = TaskModelKeys.split(readWeights(weightsFile), source);
        if (split.note(source) != null) notes.add(split.note(source));
        KeyLayout layout = KeyLayout.detect(split.encoder().names(), source);
        StateDict current = layout.toCurrent(split.encoder());
        boolean stored = current.contains(MASKED_SPEC_EMBED);
        if (!stored) {
            current.put(MASKED_SPEC_EMBED, maskedSpecEmbedStandIn(config));
            if (masking) {
                notes.add(source + ": no '" + MASKED_SPEC_EMBED + "' although config.json enables masking (mask_time_prob or"
                        + " mask_feature_prob > 0); using a U[0, 1) stand-in as transformers does. It is used only for masking in"
                        + " pretraining, so outputs are unaffected, and permute/merge do not write it");
            }
        }
        StateDict weights = validate(current, config, source);
        for (String n : notes) System.err.println("permerge: note: " + n);
        return new EncoderCheckpoint(config, weights, pre, layout, source, stored, notes);
    }

    /** transformers' initialisation of a missing mask embedding, {@code uniform_()}, from a fixed seed so loads repeat. */
    private static Tensor maskedSpecEmbedStandIn(EncoderConfig config) {
        java.util.SplittableRandom rng = new java.util.SplittableRandom(0);
        float[] v = new float[config.hiddenSize()];
        for (int i = 0; i < v.length; i++) v[i] = (float) rng.nextDouble();
        return Tensor.ofFloats(new long[] {v.length}, v);
    }

    /**
     * Loads a local folder or weights file, or else a hub repo id such as {@code facebook/hubert-base-ls960} (optionally
     * {@code @revision}) through the Hugging Face cache ({@link HubCache#fromEnvironment()}), downloading what is missing
     * unless {@code HF_HUB_OFFLINE} is set.
     */
    public static EncoderCheckpoint load(String dirFileOrRepoId) {
        return load(dirFileOrRepoId, null);
    }

    /** {@link #load(String)} with an explicit cache (null: from the environment); see {@link ModelReference}. */
    public static EncoderCheckpoint load(String dirFileOrRepoId, HubCache cache) {
        return load(ModelReference.resolve(dirFileOrRepoId, cache));
    }

    /**
     * Wraps weights held in memory (e.g. a merge result) after the same checks as {@link #load}: names may be
     * current or legacy, every expected tensor must be present with its shape.
     */
    public static EncoderCheckpoint of(EncoderConfig config, StateDict weights, Preprocessor preprocessor) {
        KeyLayout layout = KeyLayout.detect(weights.names(), "in-memory weights");
        return new EncoderCheckpoint(config, validate(layout.toCurrent(weights), config, "in-memory weights"),
                preprocessor, layout, "in-memory weights", true, List.of());
    }

    /**
     * Weights derived from this checkpoint's (a permutation of them, a merge with it as model A), checked like
     * {@link #of}, with this checkpoint's config and preprocessing, and saved as this one is: without
     * {@code masked_spec_embed} when this checkpoint's file had none.
     */
    public EncoderCheckpoint derive(StateDict derivedWeights) {
        KeyLayout layout = KeyLayout.detect(derivedWeights.names(), "in-memory weights");
        return new EncoderCheckpoint(config, validate(layout.toCurrent(derivedWeights), config, "in-memory weights"),
                preprocessor, layout, "in-memory weights", storesMaskedSpecEmbed, List.of());
    }

    /** Reads one weights file by its format: safetensors, a torch.save zip, or a transformers shard index. */
    public static StateDict readWeights(Path file) {
        String name = file.getFileName().toString();
        if (name.endsWith(".index.json")) return readSharded(file);
        if (name.endsWith(".safetensors")) return SafeTensors.read(file);
        if (PyTorchZip.isZip(file)) return PyTorchZip.read(file);
        throw new CheckpointFormatException(file + ": not a safetensors file (by name) nor a torch.save zip archive"
                + " (legacy pre-1.6 torch.save files are not supported; re-save them with a current torch)");
    }

    /** transformers' sharded checkpoints: an index whose "weight_map" maps each tensor to its shard file. */
    private static StateDict readSharded(Path index) {
        Map<String, String> map = ShardIndex.read(index);
        Map<String, StateDict> shards = new LinkedHashMap<>();
        StateDict out = new StateDict();
        for (Map.Entry<String, String> e : map.entrySet()) {
            StateDict sd = shards.computeIfAbsent(e.getValue(), s -> readWeights(index.resolveSibling(s)));
            if (!sd.contains(e.getKey())) {
                throw new CheckpointFormatException(index + ": tensor '" + e.getKey() + "' is listed in shard " + e.getValue() + " but not stored there");
            }
            out.put(e.getKey(), sd.get(e.getKey()));
        }
        for (Map.Entry<String, StateDict> s : shards.entrySet()) {
            for (String n : s.getValue().names()) {
                if (!map.containsKey(n)) {
                    throw new CheckpointFormatException(index + ": shard " + s.getKey() + " holds tensor '" + n + "' that the index does not list");
                }
            }
            out.metadata().putAll(s.getValue().metadata());
        }
        return out;
    }

    /**
     * Checks that weights (already under current names) are exactly the tensors {@code config} needs: no unknown,
     * none missing, every shape right, float dtypes only, every value finite. Returns them in transformers' order, as
     * float32.
     */
    public static StateDict validate(StateDict weights, EncoderConfig config, String source) {
        Map<String, long[]> expected = ParameterLayout.expectedShapes(config);
        Set<String> unknown = new LinkedHashSet<>(weights.names());
        unknown.removeAll(expected.keySet());
        Set<String> missing = new LinkedHashSet<>(expected.keySet());
        missing.removeAll(weights.names());
        if (!unknown.isEmpty() || !missing.isEmpty()) {
            StringBuilder sb = new StringBuilder(source).append(": tensors do not match the ").append(config.layoutName())
                    .append(" encoder of config.json (").append(config.numHiddenLayers()).append(" layers)");
            if (!missing.isEmpty()) sb.append("; missing ").append(missing.size()).append(": ").append(list(missing));
            if (!unknown.isEmpty()) sb.append("; unknown ").append(unknown.size()).append(": ").append(list(unknown));
            throw new CheckpointFormatException(sb.toString());
        }
        StateDict out = new StateDict();
        out.metadata().putAll(weights.metadata());
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            Tensor t = weights.get(e.getKey());
            if (!Arrays.equals(t.shape(), e.getValue())) {
                throw new CheckpointFormatException(source + ": tensor '" + e.getKey() + "' has shape " + Arrays.toString(t.shape())
                        + ", expected " + Arrays.toString(e.getValue()) + " for " + config);
            }
            if (!t.dtype().isFloating()) {
                throw new CheckpointFormatException(source + ": tensor '" + e.getKey() + "' has dtype " + t.dtype()
                        + ", expected a floating-point type (F32, F16, BF16 or F64)");
            }
            Tensor f32 = t.dtype() == DType.F32 ? t : Tensor.ofFloats(t.shape(), t.toFloatArray());
            requireFinite(f32, e.getKey(), source, t.dtype());
            out.put(e.getKey(), f32);
        }
        return out;
    }

    /** A NaN or infinite weight (or one beyond float32's range before conversion) poisons every output: refused by name. */
    private static void requireFinite(Tensor f32, String name, String source, DType stored) {
        java.nio.FloatBuffer b = f32.bytes().asFloatBuffer();
        for (int i = 0; i < b.limit(); i++) {
            float v = b.get(i);
            if (!Float.isFinite(v)) {
                throw new CheckpointFormatException(source + ": tensor '" + name + "' holds a non-finite value (" + v + ") at flat index " + i
                        + (stored == DType.F32 ? "" : " (as float32; stored as " + stored + ")") + "; expected finite weights");
            }
        }
    }

    private static String list(Set<String> names) {
        List<String> l = new ArrayList<>(names);
        return l.size() <= 12 ? l.toString() : l.subList(0, 12) + " and " + (l.size() - 12) + " more";
    }

    /**
     * Writes a Hugging Face model folder that transformers' {@code HubertModel.from_pretrained} loads:
     * {@code config.json} (model_type hubert), {@code model.safetensors} (current names, {@code "format": "pt"},
     * provenance in its {@code __metadata__}), {@code preprocessor_config.json} and {@code permerge-provenance.json}.
     * Every file is written atomically; the weights are checked against the config first.
     */
    public static void save(Path dir, EncoderConfig config, StateDict weights, Preprocessor preprocessor, Map<String, String> provenance) {
        save(dir, config, weights, preprocessor, provenance, true);
    }

    private static void save(Path dir, EncoderConfig config, StateDict weights, Preprocessor preprocessor, Map<String, String> provenance,
                             boolean withMaskedSpecEmbed) {
        KeyLayout layout = KeyLayout.detect(weights.names(), "weights to save to " + dir);
        StateDict checked = validate(layout.toCurrent(weights), config, "weights to save to " + dir);
        StateDict toWrite = new StateDict(checked.tensors());
        if (!withMaskedSpecEmbed) toWrite.remove(MASKED_SPEC_EMBED);
        // Stale metadata from the source checkpoint would misdescribe the new file: only the provenance goes in.
        toWrite.metadata().put("format", "pt");
        for (Map.Entry<String, String> e : new TreeMap<>(provenance).entrySet()) {
            if (!e.getKey().equals("format")) toWrite.metadata().put(e.getKey(), e.getValue());
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir + ": " + e.getMessage(), e);
        }
        SafeTensors.write(dir.resolve("model.safetensors"), toWrite);
        AtomicFiles.writeString(dir.resolve(Preprocessor.FILE_NAME), preprocessor.toJsonString() + "\n");
        AtomicFiles.writeString(dir.resolve(PROVENANCE_FILE), org.permerge.checkpoint.Provenance.toJson(provenance));
        // config.json last: a folder is only recognisable as a model once its weights are in place.
        AtomicFiles.writeString(dir.resolve("config.json"), config.toJsonString() + "\n");
    }

    /**
     * Saves this checkpoint with the given provenance (see {@link #save(Path, EncoderConfig, StateDict, Preprocessor, Map)}),
     * leaving out {@code masked_spec_embed} when the file it came from had none (transformers then initialises it, as for
     * that file).
     */
    public void save(Path dir, org.permerge.checkpoint.Provenance provenance) {
        save(dir, provenance.toMetadata());
    }

    /** Saves this checkpoint with provenance entries as given (see {@link #save(Path, org.permerge.checkpoint.Provenance)}). */
    public void save(Path dir, Map<String, String> provenance) {
        save(dir, config, weights, preprocessor, provenance, storesMaskedSpecEmbed);
    }

    public EncoderConfig config() {
        return config;
    }

    /** Every tensor of {@link ParameterLayout#expectedShapes}, float32, current names, in transformers' order. */
    public StateDict weights() {
        return weights;
    }

    /**
     * {@link ModelHash#ofInference} of the weights, computed once: every merge and every statistics run records or
     * checks it, and the study merges the same two checkpoints many times (hashing Base-size weights takes about a
     * second each).
     */
    public String inferenceHash() {
        String h = inferenceHash;
        if (h == null) {
            h = ModelHash.ofInference(weights);
            inferenceHash = h;
        }
        return h;
    }

    public Preprocessor preprocessor() {
        return preprocessor;
    }

    /** The naming convention the weights were stored under. */
    public KeyLayout keyLayout() {
        return keyLayout;
    }

    /** Whether the weights file held {@code masked_spec_embed}; when not, {@link #weights()} holds a stand-in that is never saved. */
    public boolean storesMaskedSpecEmbed() {
        return storesMaskedSpecEmbed;
    }

    /** What loading departed from the file as stored (a task model's prefix and head, a stand-in tensor); printed as it loads. */
    public List<String> notes() {
        return notes;
    }

    /** Where the weights came from (a file path, or "in-memory weights"). */
    public String source() {
        return source;
    }

    @Override
    public String toString() {
        return "EncoderCheckpoint[" + source + ", " + config + ", " + preprocessor + "]";
    }
}
