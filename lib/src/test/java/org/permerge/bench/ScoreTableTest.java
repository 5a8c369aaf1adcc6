package org.permerge.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import java.util.List;

class ScoreTableTest {
    private static final TaskSpec WORD = TaskSpec.classification("word", Domain.SPEECH, "word");
    private static final TaskSpec SPEAKER = TaskSpec.classification("speaker", Domain.SPEECH, "speaker");
    private static final TaskSpec INSTR = TaskSpec.classification("instrument", Domain.MUSIC, "instrument");
    private static final TaskSpec ASR = new TaskSpec("asr", Domain.SPEECH, Metric.ERROR_RATE, "text");

    private static TaskOutcome acc(TaskSpec t, int correct, int n) {
        return org.permerge.testing.Outcomes.accuracy(t, correct, n);
    }

    private static TaskOutcome wer(double rate) {
        int n = 10;
        String[] ids = new String[n];
        double[] num = new double[n], den = new double[n];
        for (int i = 0; i < n; i++) {
            ids[i] = "u" + i;
            den[i] = 20;
            num[i] = rate * 20;
        }
        return new TaskOutcome(ASR, ids, num, den);
    }

    @Test
    void normalisedScoreByHand() {
        assertEquals(0.75, SuperbScore.normalised(Metric.ACCURACY, 0.8, 0.5, 0.9), 1e-12);
        // error rates: (0.30 − 0.10)/(0.30 − 0.06) = 0.8333…; flipping to 1 − e leaves the ratio unchanged
        assertEquals(0.2 / 0.24, SuperbScore.normalised(Metric.ERROR_RATE, 0.10, 0.30, 0.06), 1e-12);
        assertEquals(0.06, SuperbScore.reference(Metric.ERROR_RATE, 0.06, 0.2), 0);
        assertEquals(0.9, SuperbScore.reference(Metric.ACCURACY, 0.9, 0.2), 0);
        assertEquals(-250.0, 1000 * SuperbScore.normalised(Metric.ACCURACY, 0.4, 0.5, 0.9), 1e-9);
        assertTrue(Double.isNaN(SuperbScore.normalised(Metric.ACCURACY, 0.4, 0.5, 0.5)));
        assertEquals(500.0, SuperbScore.average(new double[] {0.25, 0.75}), 1e-12);
    }

    /**
     * Hand-computed table. Accuracies (correct/100): fbank word 50, speaker 20, instrument 40; A 90, 80, 50;
     * B 60, 30, 90; M 85, 50, 70. ASR WER: fbank 0.30, A 0.06, B 0.50, M 0.10.
     */
    @Test
    void tableByHand() {
        ScoreTable.Builder b = ScoreTable.builder().setTasks(List.of(WORD, SPEAKER, INSTR, ASR))
                .setBaseline("fbank").setReferences("A", "B").optBootstrap(new PairedBootstrap(200, 1));
        int[][] acc = {{50, 20, 40}, {90, 80, 50}, {60, 30, 90}, {85, 50, 70}};
        double[] w = {0.30, 0.06, 0.50, 0.10};
        String[] models = {"fbank", "A", "B", "M"};
        for (int m = 0; m < 4; m++) {
            b.add(models[m], acc(WORD, acc[m][0], 100)).add(models[m], acc(SPEAKER, acc[m][1], 100))
                    .add(models[m], acc(INSTR, acc[m][2], 100)).add(models[m], wer(w[m]));
        }
        ScoreTable t = b.build();
        assertEquals(0.9, t.referenceScore(WORD), 1e-12);
        assertEquals(0.9, t.referenceScore(INSTR), 1e-12);
        assertEquals(0.06, t.referenceScore(ASR), 1e-12);

        // M: word (85−50)/(90−50)=0.875, speaker (50−20)/(80−20)=0.5, instrument (70−40)/(90−40)=0.6,
        // asr (0.30−0.10)/(0.30−0.06)=0.83333
        assertEquals(875, t.interval("M", ScoreTable.Column.task(WORD, ScoreTable.Scale.NORMALISED)).estimate(), 1e-9);
        double speech = 1000 * (0.875 + 0.5 + 0.2 / 0.24) / 3;
        assertEquals(speech, t.interval("M", ScoreTable.Column.average(Domain.SPEECH, ScoreTable.Scale.NORMALISED)).estimate(), 1e-9);
        assertEquals(600, t.interval("M", ScoreTable.Column.average(Domain.MUSIC, ScoreTable.Scale.NORMALISED)).estimate(), 1e-9);
        double overall = 1000 * (0.875 + 0.5 + 0.6 + 0.2 / 0.24) / 4;
        assertEquals(overall, t.interval("M", ScoreTable.Column.average(null, ScoreTable.Scale.NORMALISED)).estimate(), 1e-9);
        // raw averages on the higher-is-better scale, percent: speech (85 + 50 + 90)/3
        assertEquals(75.0, t.interval("M", ScoreTable.Column.average(Domain.SPEECH, ScoreTable.Scale.RAW)).estimate(), 1e-9);
        assertEquals((85 + 50 + 70 + 90) / 4.0, t.interval("M", ScoreTable.Column.average(null, ScoreTable.Scale.RAW)).estimate(), 1e-9);
        // the baseline scores 0 and the better reference 1000 by construction
        assertEquals(0, t.interval("fbank", ScoreTable.Column.average(null, ScoreTable.Scale.NORMALISED)).estimate(), 1e-9);
        assertEquals(1000, t.interval("A", ScoreTable.Column.task(WORD, ScoreTable.Scale.NORMALISED)).estimate(), 1e-9);

        ScoreTable.Column overallCol = ScoreTable.Column.average(null, ScoreTable.Scale.NORMALISED);
        Interval iv = t.interval("M", overallCol);
        assertTrue(iv.lower() < iv.estimate() && iv.estimate() < iv.upper(), iv.toString());
        Interval d = t.difference("M", "M", overallCol);
        assertEquals(0, d.upper() - d.lower(), 0);

        String md = t.toMarkdown();
        assertTrue(md.contains("| M |"), md);
        assertTrue(md.contains("875.0"), md);
        String csv = t.toCsv();
        assertEquals(5, csv.lines().count());
        assertTrue(csv.startsWith("model,word,word_lo,word_hi"), csv);
    }

    @Test
    void missingRowsAreNamed() {
        ScoreTable.Builder b = ScoreTable.builder().setTasks(List.of(WORD)).setBaseline("fbank").setReferences("A", "B")
                .add("fbank", acc(WORD, 1, 2)).add("A", acc(WORD, 1, 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::build);
        assertTrue(e.getMessage().contains("'B'"), e.getMessage());
    }
}
