package org.permerge.model;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import org.permerge.checkpoint.CheckpointFormatException;
import org.permerge.checkpoint.DType;
import org.permerge.checkpoint.HubCache;
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
    public static final String PROVENANCE_FILE = "permerge-provenance.json";

    private final EncoderConfig config;
    private final StateDict weights;
    private final Preprocessor preprocessor;
    private final KeyLayout keyLayout;
    private final String source;

    private EncoderCheckpoint(EncoderConfig config, StateDict weights, Preprocessor preprocessor, KeyLayout keyLayout, String source) {
        this.config = config;
        this.weights = weights;
        this.preprocessor = preprocessor;
        this.keyLayout = keyLayout;
        this.source = source;
    }

    /**
     * Loads a model folder ({@code config.json} + {@code model.safetensors} or {@code pytorch_model.bin}, sharded or
     * not, + optional {@code preprocessor_config.json}) or one weights file inside such a folder.
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
        EncoderConfig config = EncoderConfig.read(configFile);
        Preprocessor pre = Preprocessor.readOrDefault(dir);
        StateDict raw = readWeights(weightsFile);
        KeyLayout layout = KeyLayout.detect(raw.names(), weightsFile.toString());
        StateDict weights = validate(layout.toCurrent(raw), config, weightsFile.toString());
        return new EncoderCheckpoint(config, weights, pre, layout, weightsFile.toString());
    }

    /**
     * Loads a local folder or weights file, or else a hub repo id such as {@code facebook/hubert-base-ls960} (optionally
     * {@code @revision}) through the Hugging Face cache ({@link HubCache#fromEnvironment()}), downloading what is missing
     * unless {@code HF_HUB_OFFLINE} is set.
     */
    public static EncoderCheckpoint load(String dirFileOrRepoId) {
        return load(dirFileOrRepoId, null);
    }

    /** {@link #load(String)} with an explicit cache (null: from the environment). */
    public static EncoderCheckpoint load(String dirFileOrRepoId, HubCache cache) {
        Path local = null;
        try {
            local = Path.of(dirFileOrRepoId);
        } catch (java.nio.file.InvalidPathException ignored) {
            // not a path on this system; may still be a repo id
        }
        if (local != null && Files.exists(local)) return load(local);
        if (HubCache.looksLikeRepoId(dirFileOrRepoId) && dirFileOrRepoId.contains("/")) {
            HubCache c = cache != null ? cache : HubCache.fromEnvironment();
            return load(c.resolve(dirFileOrRepoId));
        }
        throw new CheckpointFormatException("'" + dirFileOrRepoId + "' is neither an existing checkpoint folder or file"
                + " nor a hub repo id like facebook/hubert-base-ls960");
    }

    /**
     * Wraps weights held in memory (e.g. a merge result) after the same checks as {@link #load}: names may be
     * current or legacy, every expected tensor must be present with its shape.
     */
    public static EncoderCheckpoint of(EncoderConfig config, StateDict weights, Preprocessor preprocessor) {
        KeyLayout layout = KeyLayout.detect(weights.names(), "in-memory weights");
        return new EncoderCheckpoint(config, validate(layout.toCurrent(weights), config, "in-memory weights"),
                preprocessor, layout, "in-memory weights");
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
     * none missing, every shape right, float dtypes only. Returns them in transformers' order, as float32.
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
            out.put(e.getKey(), t.dtype() == DType.F32 ? t : Tensor.ofFloats(t.shape(), t.toFloatArray()));
        }
        return out;
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
        KeyLayout layout = KeyLayout.detect(weights.names(), "weights to save to " + dir);
        StateDict checked = validate(layout.toCurrent(weights), config, "weights to save to " + dir);
        StateDict toWrite = new StateDict(checked.tensors());
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
        JsonObject prov = new JsonObject();
        for (Map.Entry<String, String> e : new TreeMap<>(provenance).entrySet()) prov.addProperty(e.getKey(), e.getValue());
        AtomicFiles.writeString(dir.resolve(PROVENANCE_FILE), new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(prov) + "\n");
        // config.json last: a folder is only recognisable as a model once its weights are in place.
        AtomicFiles.writeString(dir.resolve("config.json"), config.toJsonString() + "\n");
    }

    /** Saves this checkpoint with the given provenance (see {@link #save(Path, EncoderConfig, StateDict, Preprocessor, Map)}). */
    public void save(Path dir, Map<String, String> provenance) {
        save(dir, config, weights, preprocessor, provenance);
    }

    public EncoderConfig config() {
        return config;
    }

    /** Every tensor of {@link ParameterLayout#expectedShapes}, float32, current names, in transformers' order. */
    public StateDict weights() {
        return weights;
    }

    public Preprocessor preprocessor() {
        return preprocessor;
    }

    /** The naming convention the weights were stored under. */
    public KeyLayout keyLayout() {
        return keyLayout;
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
