package org.permerge.pretrain;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PredictionHeadTest {
    @Test
    void maskedCrossEntropyOfCosineLogitsMatchesADirectComputation() {
        int b = 2, t = 3, h = 5, d = 4, k = 6;
        Random r = new Random(1);
        float[] hid = new float[b * t * h];
        for (int i = 0; i < hid.length; i++) hid[i] = (float) r.nextGaussian();
        int[] tgt = {0, 5, 2, 3, 1, 4};
        float[] w = {1, 0, 1, 1, 0, 1};
        try (NDManager m = NDManager.newBaseManager()) {
            PredictionHead head = new PredictionHead(m, "head.x", h, d, k, 3);
            Map<String, NDArray> p = head.parameters();
            float[] pw = p.get("head.x.final_proj.weight").toFloatArray();
            float[] pb = p.get("head.x.final_proj.bias").toFloatArray();
            float[] e = p.get("head.x.label_embeddings").toFloatArray();
            NDList out = head.loss(m.create(hid, new Shape(b, t, h)), m.create(tgt, new Shape(b, t)), m.create(w, new Shape(b, t)));
            double total = 0, weight = 0, correct = 0;
            for (int f = 0; f < b * t; f++) {
                double[] proj = new double[d];
                for (int i = 0; i < d; i++) {
                    proj[i] = pb[i];
                    for (int j = 0; j < h; j++) proj[i] += pw[i * h + j] * hid[f * h + j];
                }
                double[] logits = new double[k];
                int arg = 0;
                for (int c = 0; c < k; c++) {
                    double dot = 0, np = 0, ne = 0;
                    for (int i = 0; i < d; i++) {
                        dot += proj[i] * e[c * d + i];
                        np += proj[i] * proj[i];
                        ne += e[c * d + i] * e[c * d + i];
                    }
                    logits[c] = dot / Math.sqrt(np) / Math.sqrt(ne) / 0.1;
                    if (logits[c] > logits[arg]) arg = c;
                }
                double max = logits[arg], z = 0;
                for (double l : logits) z += Math.exp(l - max);
                double ce = -(logits[tgt[f]] - max - Math.log(z));
                total += w[f] * ce;
                weight += w[f];
                if (arg == tgt[f]) correct += w[f];
            }
            assertEquals(total / weight, out.get(0).getFloat(), 1e-4);
            assertEquals(correct, out.get(1).getFloat(), 1e-6);
        }
    }
}
