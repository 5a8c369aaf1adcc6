package org.permerge.extract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.permerge.checkpoint.Preprocessor;
import org.permerge.model.EncoderCheckpoint;
import org.permerge.model.EncoderOutput;
import org.permerge.model.HubertEncoder;
import org.permerge.model.TapConsumer;
import org.permerge.model.Taps;
import org.permerge.testing.Fixtures;

/** The one forward loop: every clip once, in its batch's row, the same values for any batching of workers. */
class ForwardLoopTest {
    static HubertEncoder encoder;

    @BeforeAll
    static void load() {
        encoder = HubertEncoder.create(EncoderCheckpoint.load(Fixtures.hubert("hubert-tiny-base")));
    }

    @AfterAll
    static void close() {
        encoder.close();
    }

    static ClipSource source(int... lengths) {
        return ClipSource.of(ExtractionTest.clips(5, lengths), 16000);
    }

    @Test
    void batchPlansHoldEveryClipOnce() {
        ClipSource s = source(1500, 4000, 900, 2600, 3000);
        List<int[]> longest = ClipBatches.longestFirst(0.4).plan(s);
        int[] flat = longest.stream().flatMapToInt(Arrays::stream).toArray();
        assertArrayEquals(new int[] {1, 4, 3, 0, 2}, flat, "longest first");
        for (int[] b : longest) {
            assertTrue(b.length == 1 || b.length * s.seconds(b[0]) <= 0.4 + 1e-12, "padded seconds within the limit");
        }
        List<int[]> inOrder = ClipBatches.inOrder(2).plan(s);
        assertEquals(3, inOrder.size());
        assertArrayEquals(new int[] {0, 1}, inOrder.get(0));
        assertArrayEquals(new int[] {4}, inOrder.get(2));
        assertArrayEquals(new int[] {0, 1, 2, 3, 4}, ClipBatches.all().plan(s).get(0));
        assertTrue(ClipBatches.all().plan(ClipSource.of(List.of(), 16000)).isEmpty());
        assertThrows(IllegalArgumentException.class, () -> ClipBatches.inOrder(0));
    }

    /** The last hidden state of each clip run alone: no padding, so the reference for any batching. */
    static float[] alone(float[] clip) {
        try (NDManager scope = NDManager.newBaseManager()) {
            return encoder.forward(scope, List.of(clip), null).lastHiddenState().toFloatArray();
        }
    }

    @Test
    void severalWorkersGiveEachClipItsOwnValuesAndStepTheProgressPerClip() {
        ClipSource s = source(1500, 4000, 900, 2600, 3000, 1200);
        Map<Integer, float[]> got = new ConcurrentHashMap<>();
        Map<Integer, String> threads = new ConcurrentHashMap<>();
        AtomicReference<ProgressBar> bar = new AtomicReference<>();
        ProgressBarConsumer silent = new ProgressBarConsumer() {
            public int getMaxRenderedLength() {
                return 80;
            }

            public void accept(String rendered) {}

            public void close() {}
        };
        ForwardLoop.builder().addModel(encoder, ClipPreparation.of(Preprocessor.DEFAULT, encoder.config()))
                .optBatches(ClipBatches.inOrder(1)).optWorkers(3)
                .optProgress((task, max) -> {
                    bar.set(new ProgressBarBuilder().setTaskName(task).setInitialMax(max).setConsumer(silent).build());
                    return bar.get();
                }, "test").build()
                .run(s, (batch, model, out) -> {
                    assertEquals(1, batch.size());
                    assertEquals(0, model);
                    assertEquals(s.seconds(batch.clip(0)), batch.audioSeconds(0), 1e-12);
                    float[] prev = got.put(batch.clip(0), out.lastHiddenState().toFloatArray());
                    assertEquals(null, prev, "clip " + batch.clip(0) + " twice");
                    threads.put(batch.clip(0), Thread.currentThread().getName());
                });
        assertEquals(6, got.size());
        for (int i = 0; i < s.size(); i++) assertArrayEquals(alone(s.load(i).mono()), got.get(i), "clip " + i);
        assertEquals(6, bar.get().getCurrent());
        assertEquals("test", bar.get().getTaskName());
        assertTrue(threads.values().stream().allMatch(t -> t.startsWith("permerge-forward")), threads.toString());
    }

    @Test
    void theBatchScopeOutlivesAModelsPassAndEachModelGetsItsOwnPreparation() {
        ClipSource s = source(2000, 3000);
        String tap = Taps.layer(1);
        List<float[]> firstInputs = new ArrayList<>();
        List<float[]> secondInputs = new ArrayList<>();
        List<float[][]> pairs = new ArrayList<>();
        ForwardLoop.builder()
                .addModel(encoder, ClipPreparation.of(Preprocessor.DEFAULT, encoder.config()))
                .addModel(encoder, ClipPreparation.of(new Preprocessor(16000, true), encoder.config()))
                .optBatches(ClipBatches.longestFirst(60)).build()
                .run(s, new ForwardLoop.BatchConsumer() {
                    NDArray held;

                    @Override
                    public TapConsumer taps(ForwardLoop.Batch batch, int model) {
                        return new TapConsumer() {
                            public void accept(String t, NDArray activation, NDArray mask) {
                                if (model == 0) {
                                    held = ForwardLoop.realFrames(activation, mask);
                                    held.attach(batch.scope());
                                } else {
                                    pairs.add(new float[][] {held.toFloatArray(), ForwardLoop.realFrames(activation, mask).toFloatArray()});
                                }
                            }

                            public boolean wants(String t) {
                                return t.equals(tap);
                            }
                        };
                    }

                    @Override
                    public void accept(ForwardLoop.Batch batch, int model, EncoderOutput out) {
                        assertArrayEquals(new int[] {1, 0}, batch.clips());
                        (model == 0 ? firstInputs : secondInputs).addAll(batch.inputs(model));
                    }
                });
        assertEquals(1, pairs.size());
        assertArrayEquals(s.load(1).mono(), firstInputs.get(0), "raw waveform model: the clip itself");
        assertArrayEquals(ClipPreparationTest.normalised(s.load(1).mono()), secondInputs.get(0), 1e-5f);
        assertEquals(pairs.get(0)[0].length, pairs.get(0)[1].length, "both models' frames of the tap, held across passes");
        assertTrue(!Arrays.equals(pairs.get(0)[0], pairs.get(0)[1]), "normalised input gives other activations");
    }

    @Test
    void aFailingBatchStopsTheRunWithItsOwnError() {
        ClipSource s = source(1500, 4000, 900, 2600);
        IllegalStateException boom = new IllegalStateException("batch 2 failed");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ForwardLoop.builder()
                .addModel(encoder, ClipPreparation.of(Preprocessor.DEFAULT, encoder.config()))
                .optBatches(ClipBatches.inOrder(1)).optWorkers(2).build()
                .run(s, (batch, model, out) -> {
                    if (batch.index() == 2) throw boom;
                }));
        assertSame(boom, e);
        assertThrows(IllegalArgumentException.class, () -> ForwardLoop.builder().build());
        assertThrows(IllegalArgumentException.class, () -> ForwardLoop.builder().optWorkers(0));
    }
}
