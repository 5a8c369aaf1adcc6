package org.permerge.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.permerge.testing.Fixtures;
import tech.tablesaw.api.Table;

class ArchitectureSummaryTest {

    /** Parameter count of transformers' state dict, from the shape list it wrote (name TAB [d0, d1, …]). */
    private static long transformersCount(Path shapes) throws Exception {
        return Files.readAllLines(shapes).stream()
                .mapToLong(line -> Arrays.stream(line.split("\t")[1].replaceAll("[\\[\\] ]", "").split(","))
                        .mapToLong(Long::parseLong).reduce(1, (p, d) -> p * d))
                .sum();
    }

    @ParameterizedTest
    @ValueSource(strings = {"hubert-base", "hubert-large"})
    void groupsAddUpToTransformersParameterCount(String arch) throws Exception {
        Path dir = Fixtures.fixtures().resolve("hf-hubert");
        EncoderConfig c = EncoderConfig.read(dir.resolve(arch + "-architecture-config.json"));
        Map<String, Long> groups = ArchitectureSummary.parameterGroups(c);
        assertEquals(transformersCount(dir.resolve(arch + "-architecture-state-dict-shapes.txt")),
                groups.values().stream().mapToLong(Long::longValue).sum());
        // attention: q, k, v, out projections of H×H plus bias, in every layer
        long h = c.hiddenSize();
        assertEquals(c.numHiddenLayers() * 4 * (h * h + h), groups.get("attention"));
        Table shares = ArchitectureSummary.shares("shares", Map.of(arch, c));
        double percent = shares.doubleColumn(arch + " %").sum();
        assertEquals(100.0, percent, 0.01, "shares of the groups must add up to 100 %");
    }
}
