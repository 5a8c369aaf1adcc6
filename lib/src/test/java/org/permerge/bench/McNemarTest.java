package org.permerge.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class McNemarTest {

    /**
     * Fagerland, Lydersen &amp; Laake (BMC Med. Res. Methodol. 2013), airway hyper-responsiveness example:
     * 1 vs 7 discordant pairs, exact conditional McNemar p = 0.070; by hand 2·(1 + 8)/2^8 = 0.0703125.
     */
    @Test
    void textbookExample() {
        assertEquals(0.0703125, McNemar.exactPValue(1, 7), 1e-15);
        assertEquals(0.070, McNemar.exactPValue(1, 7), 5e-4);
        // and by hand: b = 2, c = 8 → 2·(1 + 10 + 45)/1024
        assertEquals(112.0 / 1024, McNemar.exactPValue(2, 8), 1e-15);
    }

    @Test
    void matchesScipyBinomtest() throws Exception {
        try (var in = new InputStreamReader(getClass().getResourceAsStream("/golden/bench/mcnemar-golden.json"),
                StandardCharsets.UTF_8)) {
            JsonObject root = JsonParser.parseReader(in).getAsJsonObject();
            for (JsonElement e : root.getAsJsonArray("cases")) {
                JsonObject c = e.getAsJsonObject();
                int b = c.get("b").getAsInt(), cc = c.get("c").getAsInt();
                double p = c.get("p").getAsDouble();
                assertEquals(p, McNemar.exactPValue(b, cc), 1e-9 * Math.max(p, 1e-6), "b=" + b + " c=" + cc);
                assertEquals(p, McNemar.exactPValue(cc, b), 1e-9 * Math.max(p, 1e-6), "symmetric in b, c");
            }
        }
    }

    @Test
    void countsDiscordantPairsFromCorrectness() {
        boolean[] a = {true, true, false, false, true, true, true, false};
        boolean[] b = {true, false, true, false, false, false, true, false};
        McNemar m = McNemar.exact(a, b);
        assertEquals(3, m.onlyFirstCorrect());
        assertEquals(1, m.onlySecondCorrect());
        assertEquals(McNemar.exactPValue(3, 1), m.pValue(), 0);
        assertEquals(0.625, m.pValue(), 1e-15); // 2·(1 + 4)/16
    }

    @Test
    void rejectsUnpairedInput() {
        assertThrows(IllegalArgumentException.class, () -> McNemar.exact(new boolean[3], new boolean[4]));
        TaskSpec t = TaskSpec.classification("word", Domain.SPEECH, "word");
        TaskOutcome x = TaskOutcome.ofCorrect(t, new String[] {"a", "b"}, new boolean[] {true, false});
        TaskOutcome y = TaskOutcome.ofCorrect(t, new String[] {"b", "a"}, new boolean[] {true, false});
        assertThrows(IllegalArgumentException.class, () -> McNemar.exact(x, y));
    }
}
