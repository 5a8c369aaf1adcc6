package org.permerge.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.permerge.checkpoint.SafeTensors;
import org.permerge.checkpoint.StateDict;
import org.permerge.checkpoint.Tensor;
import org.permerge.testing.Fixtures;
import picocli.CommandLine;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code permerge forward} writes every reference tensor of transformers' forward pass, within 1e-4. */
class ForwardCommandTest {

    @Test
    void forwardOutputMatchesTheFixtureForBothLayouts(@TempDir Path tmp) {
        for (String layout : new String[] {"hubert-tiny-base", "hubert-tiny-large"}) {
            Path dir = Fixtures.hubert(layout);
            Path refFile = dir.resolve("reference-activations.safetensors");
            Path out = tmp.resolve(layout + ".safetensors");
            int rc = new CommandLine(new Main()).execute("forward", "--model", dir.resolve("legacy-keys.pytorch_model.bin").toString(),
                    "--input", refFile.toString(), "--output", out.toString());
            assertEquals(0, rc);
            StateDict ref = SafeTensors.read(refFile);
            StateDict got = SafeTensors.read(out);
            for (String name : ref.names()) {
                if (name.equals("input_values")) continue;
                assertTrue(got.contains(name), "forward output lacks " + name);
                Tensor e = ref.get(name);
                Tensor a = got.get(name);
                assertArrayEquals(e.shape(), a.shape(), name);
                float[] ev = e.toFloatArray();
                float[] av = a.toFloatArray();
                for (int i = 0; i < ev.length; i++) {
                    assertEquals(ev[i], av[i], 1e-4, layout + " " + name + " at " + i);
                }
            }
            assertTrue(got.contains("tap.encoder.layers.1.attention.out_proj.input"));
            assertTrue(got.contains("tap.encoder.layers.0.feed_forward.intermediate_act"));
            assertEquals("pt", got.metadata().get("format"));
        }
    }

    @Test
    void paddedRowsViaAttentionMaskAndBadInputsAreNamed(@TempDir Path tmp) {
        Path dir = Fixtures.hubert("hubert-tiny-base");
        StateDict ref = SafeTensors.read(dir.resolve("reference-activations.safetensors"));
        float[] x = ref.get("input_values").toFloatArray();
        float[] mask = new float[x.length];
        for (int i = 0; i < 4000; i++) mask[i] = 1;
        for (int i = 0; i < 2000; i++) mask[4000 + i] = 1;
        for (int i = 6000; i < 8000; i++) x[i] = 0;
        StateDict in = new StateDict().put("input_values", Tensor.ofFloats(new long[] {2, 4000}, x))
                .put("attention_mask", Tensor.ofFloats(new long[] {2, 4000}, mask));
        Path inFile = tmp.resolve("in.safetensors");
        SafeTensors.write(inFile, in);
        Path out = tmp.resolve("out.safetensors");
        assertEquals(0, new CommandLine(new Main()).execute("forward", "--model", dir.toString(), "--input", inFile.toString(),
                "--output", out.toString()));
        StateDict got = SafeTensors.read(out);
        float[] frames = got.get("frames").toFloatArray();
        assertArrayEquals(new float[] {12, 6}, frames);
        // the full-length row is untouched by the padded one
        float[] lastRef = ref.get("last_hidden_state").toFloatArray();
        float[] last = got.get("last_hidden_state").toFloatArray();
        for (int i = 0; i < 12 * 32; i++) assertEquals(lastRef[i], last[i], 1e-4);

        SafeTensors.write(inFile, new StateDict().put("x", Tensor.ofFloats(new long[] {1, 4}, new float[4])));
        CommandLine cl = new CommandLine(new Main());
        java.io.StringWriter err = new java.io.StringWriter();
        cl.setErr(new java.io.PrintWriter(err));
        cl.setExecutionExceptionHandler((ex, c, p) -> {
            c.getErr().println(ex.getMessage());
            return 1;
        });
        assertNotEquals(0, cl.execute("forward", "--model", dir.toString(), "--input", inFile.toString(), "--output", out.toString(), "--force"));
        assertTrue(err.toString().contains("input_values"), err.toString());
    }
}
