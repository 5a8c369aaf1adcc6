package org.permerge.correlate;

import org.junit.jupiter.api.Test;
import org.permerge.audio.Resampler;
import org.permerge.model.EncoderCheckpoint;
import org.permerge.checkpoint.ModelHash;
import org.permerge.testing.Fixtures;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The one statistics path: each model hears the clips at its own rate; the provenance is the fixed record. */
class CalibrationTest {
    @Test
    void clipsAtAnotherRateAreResampledAsIfGivenAtTheModelsRateAndTheProvenanceIsRecorded() {
        EncoderCheckpoint a = EncoderCheckpoint.load(Fixtures.hubert("hubert-tiny-base"));
        Random rnd = new Random(10);
        List<float[]> at8k = new ArrayList<>();
        List<float[]> at16k = new ArrayList<>();
        for (int c = 0; c < 2; c++) {
            float[] x = new float[2400 + 400 * c];
            for (int t = 0; t < x.length; t++) x[t] = (float) (0.3 * Math.sin(2 * Math.PI * 300 * t / 8000.0) + 0.1 * rnd.nextGaussian());
            at8k.add(x);
            at16k.add(Resampler.resample(x, 8000, 16000));
        }
        Calibration.Options o = Calibration.Options.defaults().withProvenance("study", "test");
        AlignmentStatistics resampled = Calibration.collect(a, a, at8k, 8000, o).statistics();
        AlignmentStatistics direct = Calibration.collect(a, a, at16k, 16000, o).statistics();
        for (String space : new String[] {"cnn.0", "ffn.1", "attn.0", "residual"}) {
            assertEquals(direct.correlation(space).count(), resampled.correlation(space).count(), space);
            assertArrayEquals(direct.correlation(space).comoment(), resampled.correlation(space).comoment(), 1e-9, space);
        }
        StatisticsProvenance p = resampled.origin();
        String hash = ModelHash.ofInference(a.weights());
        assertEquals(hash, p.modelASha256());
        assertEquals(hash, p.modelBSha256());
        assertEquals(2, p.clips());
        assertEquals(Boolean.TRUE, p.resample());
        assertEquals("test", p.extras().get("study"));
        assertNotEquals(p.manifestSha256(), direct.origin().manifestSha256(), "other clips, other checksum");
        assertEquals(List.of(new StatisticsProvenance.Shard(0, 1)), p.shards());
    }
}
