package org.permerge.model;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.permerge.testing.Fixtures;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ParameterLayoutTest {
    @ParameterizedTest
    @CsvSource({
            "hubert-tiny-base/config.json, hubert-tiny-base/state_dict_keys.txt",
            "hubert-tiny-large/config.json, hubert-tiny-large/state_dict_keys.txt",
            "hubert-base-architecture-config.json, hubert-base-architecture-state-dict-shapes.txt",
            "hubert-large-architecture-config.json, hubert-large-architecture-state-dict-shapes.txt"})
    void expectedShapesEqualTransformersStateDict(String config, String keys) throws Exception {
        Path dir = Fixtures.fixtures().resolve("hf-hubert");
        EncoderConfig c = EncoderConfig.read(dir.resolve(config));
        Map<String, String> fromTransformers = new LinkedHashMap<>();
        for (String line : Files.readAllLines(dir.resolve(keys))) {
            String[] f = line.split("\t");
            fromTransformers.put(f[0], f[1].replace(" ", ""));
        }
        Map<String, String> ours = new LinkedHashMap<>();
        ParameterLayout.expectedShapes(c).forEach((k, v) -> ours.put(k, Arrays.toString(v).replace(" ", "")));
        assertEquals(new java.util.TreeMap<>(fromTransformers), new java.util.TreeMap<>(ours));
    }
}
