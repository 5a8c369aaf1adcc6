package org.permerge.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** Constants kept by the autograd graph survive a GC that frees the Java memory of closed arrays. */
class GraphScalarsTest {
    @Test
    void gradientsThroughConstantsSurviveFreedJavaMemory() {
        for (int it = 0; it < 5; it++) {
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray x = m.create(new float[] {1, -2, 3, 0.5f}, new Shape(4));
                NDArray y = m.create(new float[] {4, 5, -6, 7}, new Shape(4));
                x.setRequiresGradient(true);
                y.setRequiresGradient(true);
                float[] timesValue;
                float[] divValue;
                List<ByteBuffer> held;
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray a = GraphScalars.times(x, 3.0);
                    NDArray b = GraphScalars.dividedBy(y, 0.25);
                    timesValue = a.toFloatArray();
                    divValue = b.toFloatArray();
                    NDArray loss = a.sum().add(b.sum());
                    held = FreedJavaMemory.freeAndPoison();
                    gc.backward(loss);
                }
                // d(3x)/dx = 3, d(y/0.25)/dy = 4, exact in float
                assertArrayEquals(new float[] {3, 3, 3, 3}, x.getGradient().toFloatArray(), 0f, "iteration " + it);
                assertArrayEquals(new float[] {4, 4, 4, 4}, y.getGradient().toFloatArray(), 0f, "iteration " + it);
                assertArrayEquals(new float[] {3, -6, 9, 1.5f}, timesValue, 0f);
                assertArrayEquals(new float[] {16, 20, -24, 28}, divValue, 0f);
                held.clear();
            }
        }
    }
}
