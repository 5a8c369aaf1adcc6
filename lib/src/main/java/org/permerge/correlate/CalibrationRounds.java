package org.permerge.correlate;

import java.util.ArrayList;
import java.util.List;

/**
 * The rounds of adaptive calibration ({@code stats --until-stable}): clip counts that double, each round's new clips a
 * shard of the split that no earlier round measured, so that a round's statistics are the exact merge of the previous
 * round's and the new clips' and their provenance shows that no clip counted twice. Round 0 is shard {@code 0/n}, with
 * {@code n} the largest power of two that leaves at least the first round's clips; round {@code r ≥ 1} adds shard
 * {@code m/2} of {@code m = n/2^(r−1)}, after which the rounds so far hold shard {@code 0/(m/2)}; the last round
 * holds every clip. Strided shards rather than the first clips keep every round a sample of the whole manifest (a
 * draw of two domains may be ordered).
 *
 * @param splitClips clips in the split the rounds cover
 * @param rounds     every round up to the one holding all clips
 */
public record CalibrationRounds(int splitClips, List<Round> rounds) {
    /**
     * One round.
     *
     * @param index the round, from 0
     * @param added the shard of the split whose clips this round adds
     * @param held  the shard the rounds so far hold together ({@code 0/1} in the last round)
     * @param clips clips held after this round
     */
    public record Round(int index, StatisticsProvenance.Shard added, StatisticsProvenance.Shard held, int clips) {}

    public CalibrationRounds {
        rounds = List.copyOf(rounds);
    }

    /**
     * The doubling rounds over a split of {@code splitClips} clips whose first round holds at least {@code firstClips}
     * (every clip when the split has fewer).
     */
    public static CalibrationRounds plan(int splitClips, int firstClips) {
        if (splitClips < 1) throw new IllegalArgumentException("no calibration clips to plan rounds over");
        if (firstClips < 1) throw new IllegalArgumentException("the first round needs at least 1 clip, got " + firstClips);
        int n = 1;
        // n ≤ splitClips keeps every added shard non-empty: its index n/2^r is below n.
        while ((long) n * 2 <= splitClips && clipsOf(new StatisticsProvenance.Shard(0, n * 2), splitClips) >= firstClips) n *= 2;
        List<Round> rounds = new ArrayList<>();
        rounds.add(new Round(0, new StatisticsProvenance.Shard(0, n), new StatisticsProvenance.Shard(0, n),
                clipsOf(new StatisticsProvenance.Shard(0, n), splitClips)));
        for (int m = n; m > 1; m /= 2) {
            StatisticsProvenance.Shard held = new StatisticsProvenance.Shard(0, m / 2);
            rounds.add(new Round(rounds.size(), new StatisticsProvenance.Shard(m / 2, m), held, clipsOf(held, splitClips)));
        }
        return new CalibrationRounds(splitClips, rounds);
    }

    /** Clips {@code i, i + n, ...} below {@code splitClips}: how many shard {@code i/n} holds. */
    static int clipsOf(StatisticsProvenance.Shard s, int splitClips) {
        return s.index() >= splitClips ? 0 : (int) (((long) splitClips - s.index() + s.count() - 1) / s.count());
    }

    /** Clips the shard holds of this split. */
    public int clipsOf(StatisticsProvenance.Shard s) {
        return clipsOf(s, splitClips);
    }

    /**
     * The index of the last round holding at most {@code maxClips} clips; refused when even the first round holds more,
     * naming both counts.
     */
    public int lastRoundWithin(int maxClips) {
        if (rounds.get(0).clips() > maxClips) {
            throw new IllegalArgumentException("the first round already holds " + rounds.get(0).clips() + " clips, more than the"
                    + " maximum of " + maxClips + "; lower the first round's clips or raise the maximum");
        }
        int last = 0;
        while (last + 1 < rounds.size() && rounds.get(last + 1).clips() <= maxClips) last++;
        return last;
    }
}
