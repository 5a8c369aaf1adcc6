package org.permerge.cli;

import ai.djl.engine.Engine;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code permerge doctor}: the project's path is right at every checked shape, and the report names the machine. */
class DoctorCommandTest {
    @Test
    void theProjectPathIsRightAtEveryShapeAndTheMachineIsNamed() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = new CommandLine(new Main()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                .execute("doctor", "--repeats", "1", "--seed", "3");
        String text = out.toString();
        assertEquals(0, rc, text + err);
        assertTrue(text.contains("libtorch: " + Engine.getEngine("PyTorch").getVersion()), text);
        assertTrue(text.contains("cpu:"), text);
        List<String> rows = Arrays.stream(text.split("\n")).filter(l -> l.startsWith("conv1d") || l.startsWith("gelu")
                || l.startsWith("layer_norm") || l.startsWith("linear") || l.startsWith("matmul") || l.startsWith("softmax")).toList();
        assertEquals(42, rows.size(), text);
        for (String row : rows) {
            // columns: op, shape, route, libtorch op, permerge path, why; only the permerge path must be right
            String projectColumn = row.substring(82, Math.min(row.length(), 98));
            assertFalse(projectColumn.contains("WRONG") || projectColumn.contains("UNSTABLE"), row);
        }
        assertTrue(text.contains("permerge's path: right and bit-for-bit repeatable in every row. OK"), text);
    }

    @Test
    void anyNonFiniteValueCountsAsWrong() {
        assertEquals(0.0, DoctorCommand.relativeError(new float[] {1f, -2f}, new double[] {1, -2}));
        assertEquals(0.25, DoctorCommand.relativeError(new float[] {1.5f, -2f}, new double[] {1, -2}), 1e-12);
        assertTrue(Double.isInfinite(DoctorCommand.relativeError(new float[] {Float.NaN, 0f}, new double[] {1, 2})));
        assertFalse(DoctorCommand.relativeError(new float[] {1f}, new double[] {1}) > DoctorCommand.TOLERANCE);
    }
}
