package org.permerge.match;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import org.permerge.correlate.AlignmentStatistics;
import org.permerge.correlate.Calibration;
import org.permerge.correlate.CalibrationRounds;
import org.permerge.correlate.StatisticsProvenance;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Adaptive calibration ({@code stats --until-stable}): statistics accumulate in doubling rounds
 * ({@link CalibrationRounds}), each round's the exact merge of the previous round's and its new clips'; after each
 * round the assignment of every space is solved, and the rounds stop once, in every space, fewer than a threshold
 * fraction of units changed partner since the round before — or at the maximum. A head of attention or a group of the
 * positional convolution counts as one unit, which changed partner when it is matched to another head or group of B
 * ({@code qk.L} follows {@code attn.L}'s head order, so its heads change with those); how many single units changed,
 * inside heads and groups too, is reported beside it. Optionally the rounds go on to every clip so that the stable assignment can be
 * compared with the full calibration's.
 */
public final class AdaptiveCalibration {
    private AdaptiveCalibration() {}

    /**
     * One space's assignment as the stopping rule counts it.
     *
     * @param partner   {@code partner[i]}: the unit of B matched to unit i of A (the permutation acting on the space's axes)
     * @param blockSize units that move together as one block (1, or the head or group width); a block's partner is the
     *                  block of B its units go to, so a rearrangement inside the block does not change it
     */
    public record Assignment(int[] partner, int blockSize) {
        public Assignment {
            Objects.requireNonNull(partner, "partner");
            if (blockSize < 1 || partner.length % blockSize != 0) {
                throw new IllegalArgumentException("an assignment of " + partner.length + " units cannot count blocks of " + blockSize);
            }
            partner = partner.clone();
            for (int i = 0; i < partner.length; i++) {
                if (partner[i] / blockSize != partner[i - i % blockSize] / blockSize) {
                    throw new IllegalArgumentException("unit " + i + " goes to block " + partner[i] / blockSize + " of B but the first"
                            + " unit of its block to block " + partner[i - i % blockSize] / blockSize + ": not a permutation of whole"
                            + " blocks of " + blockSize);
                }
            }
        }

        /** Units as the stopping rule counts them: blocks. */
        public int units() {
            return partner.length / blockSize;
        }

        /** The block of B matched to block {@code b} of A. */
        public int blockPartner(int b) {
            return partner[b * blockSize] / blockSize;
        }

        @Override
        public int[] partner() {
            return partner.clone();
        }
    }

    /**
     * Counted units whose partner differs between two assignments of one space: units, or for a head or group space the
     * heads or groups matched to another head or group of B.
     */
    public static int changedUnits(String space, Assignment before, Assignment after) {
        comparable(space, before, after);
        int changed = 0;
        for (int b = 0; b < before.units(); b++) if (before.blockPartner(b) != after.blockPartner(b)) changed++;
        return changed;
    }

    /** Single units (dimensions, even inside heads or groups) whose partner differs: what the report adds for information. */
    public static int changedDimensions(String space, Assignment before, Assignment after) {
        comparable(space, before, after);
        int changed = 0;
        for (int i = 0; i < before.partner.length; i++) if (before.partner[i] != after.partner[i]) changed++;
        return changed;
    }

    private static void comparable(String space, Assignment before, Assignment after) {
        if (before.partner.length != after.partner.length || before.blockSize != after.blockSize) {
            throw new IllegalArgumentException("space " + space + ": cannot compare an assignment of " + before.partner.length + " units"
                    + " in blocks of " + before.blockSize + " with one of " + after.partner.length + " in blocks of " + after.blockSize);
        }
    }

    /**
     * How the rounds run.
     *
     * @param firstClips     clips of the first round (at least; strided shards make it the next count up)
     * @param maxClips       the rounds stop at the last one holding at most this many clips when nothing was stable
     * @param stableFraction a round is stable when in every space fewer than this fraction of units changed partner
     * @param toFull         go on past the stable round to every clip, to compare the stable assignment with the full
     *                       calibration's
     */
    public record Settings(int firstClips, int maxClips, double stableFraction, boolean toFull) {
        public Settings {
            if (firstClips < 1) throw new IllegalArgumentException("--first-clips must be >= 1, got " + firstClips);
            if (maxClips < 1) throw new IllegalArgumentException("--max-clips must be >= 1, got " + maxClips);
            if (!(stableFraction > 0 && stableFraction <= 1)) {
                throw new IllegalArgumentException("--stable-fraction must be in (0, 1], got " + stableFraction
                        + " (0 would never stop: fewer than 0 units cannot change)");
            }
        }
    }

    /** Collects the statistics of a round's new clips: one shard of the split. */
    @FunctionalInterface
    public interface Collector {
        Calibration.Collected collect(StatisticsProvenance.Shard clips);
    }

    /** Solves every space's assignment from accumulated statistics, in the spec's order. */
    @FunctionalInterface
    public interface Solver {
        Map<String, Assignment> solve(AlignmentStatistics statistics);
    }

    /**
     * One space in one round.
     *
     * @param units             counted units (heads or groups in their spaces)
     * @param changed           counted units whose partner changed since the round before (-1 in round 0)
     * @param dimensions        single units of the space
     * @param changedDimensions single units whose partner changed (-1 in round 0), inside heads or groups too
     */
    public record Change(int units, int changed, int dimensions, int changedDimensions) {
        /** The fraction changed, NaN in round 0. */
        public double fraction() {
            return changed < 0 ? Double.NaN : (double) changed / units;
        }
    }

    /**
     * One round.
     *
     * @param round   its place in the plan
     * @param frames  frames of model A accumulated after it
     * @param changes every space's change since the round before
     * @param stable  whether every space changed by less than the threshold
     */
    public record Round(CalibrationRounds.Round round, long frames, Map<String, Change> changes, boolean stable) {
        public Round {
            changes = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(changes));
        }

        /** The space that changed most, with its fraction; null in round 0. */
        public Map.Entry<String, Change> largest() {
            Map.Entry<String, Change> top = null;
            for (Map.Entry<String, Change> e : changes.entrySet()) {
                if (e.getValue().changed() >= 0 && (top == null || e.getValue().fraction() > top.getValue().fraction())) top = e;
            }
            return top;
        }
    }

    /**
     * What the rounds found.
     *
     * @param splitClips     clips in the calibration split
     * @param settings       how they ran
     * @param rounds         every round run (past the kept one when run to the full calibration)
     * @param kept           the round whose statistics were kept: the stable one, else the last within the maximum
     * @param stable         whether the kept round was stable (false: the maximum was reached first)
     * @param clipsNeeded    per space, the clips of the earliest round from which it changed by less than the threshold in
     *                       every round run, -1 when it still changed more in the last
     * @param agreement      per space, the fraction of units whose partner in the kept round is their partner in the full
     *                       calibration; empty unless the rounds ran to every clip
     * @param roundAgreement per round, the same for every space; empty unless the rounds ran to every clip
     */
    public record Result(int splitClips, Settings settings, List<Round> rounds, int kept, boolean stable,
                         Map<String, Integer> clipsNeeded, Map<String, Double> agreement, List<Map<String, Double>> roundAgreement) {
        public Result {
            rounds = List.copyOf(rounds);
            clipsNeeded = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(clipsNeeded));
            agreement = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(agreement));
            roundAgreement = List.copyOf(roundAgreement);
        }

        /** Clips of the kept round. */
        public int clipsUsed() {
            return rounds.get(kept).round().clips();
        }

        /** Whether the full calibration's assignment was computed. */
        public boolean hasAgreement() {
            return !agreement.isEmpty();
        }

        /** The report as Markdown: the rounds (clips, fraction changed per space), then clips needed and agreement per space. */
        public String markdown() {
            StringBuilder md = new StringBuilder("# Adaptive calibration\n\n");
            md.append(String.format(Locale.ROOT, "%s after round %d: **%d of %d clips** (first round at least %d clips, maximum %d,"
                            + " stable when fewer than %s of the units of every space change partner; a head or group counts as one"
                            + " unit).%n%n", stable ? "Stable" : "Not stable by the maximum; stopped", kept, clipsUsed(), splitClips,
                    settings.firstClips(), settings.maxClips(), percent(settings.stableFraction())));
            md.append("Fraction of units that changed partner since the round before, per space and round; the clips from which"
                    + " the space changed less than the threshold in every later round");
            md.append(hasAgreement() ? "; the agreement of the kept round's assignment with the full calibration's"
                    + " (all " + splitClips + " clips).\n\n" : ".\n\n");
            md.append("| space | units |");
            for (Round r : rounds) md.append(" r").append(r.round().index()).append(" (").append(r.round().clips()).append(") |");
            md.append(" stable from (clips) |");
            if (hasAgreement()) md.append(" agreement with full |");
            md.append("\n|---|---:|");
            md.append("---:|".repeat(rounds.size() + 1 + (hasAgreement() ? 1 : 0)));
            md.append('\n');
            for (String space : rounds.get(0).changes().keySet()) {
                md.append("| ").append(space).append(" | ").append(rounds.get(0).changes().get(space).units()).append(" |");
                for (Round r : rounds) {
                    Change c = r.changes().get(space);
                    md.append(' ').append(c.changed() < 0 ? "–" : percent(c.fraction())).append(" |");
                }
                int need = clipsNeeded.get(space);
                md.append(' ').append(need < 0 ? "not stable" : Integer.toString(need)).append(" |");
                if (hasAgreement()) md.append(' ').append(percent(agreement.get(space))).append(" |");
                md.append('\n');
            }
            if (hasAgreement()) {
                md.append("\nAgreement of each round's assignment with the full calibration's (units with the same partner).\n\n");
                md.append("| space |");
                for (Round r : rounds) md.append(" r").append(r.round().index()).append(" (").append(r.round().clips()).append(") |");
                md.append("\n|---|").append("---:|".repeat(rounds.size())).append('\n');
                for (String space : rounds.get(0).changes().keySet()) {
                    md.append("| ").append(space).append(" |");
                    for (Map<String, Double> a : roundAgreement) md.append(' ').append(percent(a.get(space))).append(" |");
                    md.append('\n');
                }
            }
            md.append("\nRound ").append(kept).append(" is the one whose statistics were written");
            md.append(kept < rounds.size() - 1 ? "; the later rounds ran only to compare with the full calibration.\n" : ".\n");
            return md.toString();
        }

        /** The report as JSON: settings, every round with its per-space change, clips needed and agreement. */
        public String json() {
            JsonObject o = new JsonObject();
            o.addProperty("split_clips", splitClips);
            o.addProperty("first_clips", settings.firstClips());
            o.addProperty("max_clips", settings.maxClips());
            o.addProperty("stable_fraction", settings.stableFraction());
            o.addProperty("stable", stable);
            o.addProperty("kept_round", kept);
            o.addProperty("clips_used", clipsUsed());
            o.addProperty("full_calibration_compared", hasAgreement());
            JsonArray rs = new JsonArray();
            for (Round r : rounds) {
                JsonObject ro = new JsonObject();
                ro.addProperty("round", r.round().index());
                ro.addProperty("clips", r.round().clips());
                ro.addProperty("added_shard", r.round().added().toString());
                ro.addProperty("frames", r.frames());
                ro.addProperty("stable", r.stable());
                JsonObject spaces = new JsonObject();
                for (Map.Entry<String, Change> e : r.changes().entrySet()) {
                    JsonObject so = new JsonObject();
                    so.addProperty("units", e.getValue().units());
                    if (e.getValue().changed() >= 0) {
                        so.addProperty("changed", e.getValue().changed());
                        so.addProperty("fraction_changed", e.getValue().fraction());
                        if (e.getValue().dimensions() != e.getValue().units()) {
                            so.addProperty("dimensions", e.getValue().dimensions());
                            so.addProperty("dimensions_changed", e.getValue().changedDimensions());
                        }
                    }
                    if (hasAgreement()) so.addProperty("agreement_with_full", roundAgreement.get(r.round().index()).get(e.getKey()));
                    spaces.add(e.getKey(), so);
                }
                ro.add("spaces", spaces);
                rs.add(ro);
            }
            o.add("rounds", rs);
            JsonObject spaces = new JsonObject();
            for (Map.Entry<String, Integer> e : clipsNeeded.entrySet()) {
                JsonObject so = new JsonObject();
                so.addProperty("clips_needed", e.getValue() < 0 ? null : e.getValue());
                if (hasAgreement()) so.addProperty("agreement_with_full", agreement.get(e.getKey()));
                spaces.add(e.getKey(), so);
            }
            o.add("spaces", spaces);
            return new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(o) + "\n";
        }
    }

    static String percent(double f) {
        return String.format(Locale.ROOT, "%.1f %%", 100 * f);
    }

    /**
     * Runs the rounds. The statistics of the kept round are handed to {@code keep} as soon as that round is known
     * (before any later round adds to them); progress lines go to {@code log}.
     *
     * @param plan the rounds over the split
     */
    public static Result run(CalibrationRounds plan, Settings settings, Collector collector, Solver solver,
                             java.util.function.Consumer<AlignmentStatistics> keep, PrintStream log) {
        List<CalibrationRounds.Round> planned = plan.rounds();
        int lastWithin = plan.lastRoundWithin(settings.maxClips());
        AlignmentStatistics total = null;
        List<Map<String, Assignment>> assignments = new ArrayList<>();
        List<Round> rounds = new ArrayList<>();
        int kept = -1;
        boolean stable = false;
        for (CalibrationRounds.Round r : planned) {
            if (kept >= 0 && !settings.toFull()) break;
            if (kept < 0 && r.index() > lastWithin) throw new IllegalStateException("round " + r.index() + " past the maximum");
            Calibration.Collected c = collector.collect(r.added());
            if (total == null) {
                total = c.statistics();
            } else {
                total.merge(c.statistics(), "rounds 0.." + (r.index() - 1), "round " + r.index() + " (shard " + r.added() + ")");
            }
            Map<String, Assignment> now = solver.solve(total);
            Map<String, Change> changes = new LinkedHashMap<>();
            boolean allBelow = r.index() > 0;
            for (Map.Entry<String, Assignment> e : now.entrySet()) {
                Assignment before = r.index() == 0 ? null : assignments.get(r.index() - 1).get(e.getKey());
                if (r.index() > 0 && before == null) {
                    throw new IllegalStateException("space " + e.getKey() + " was not solved in round " + (r.index() - 1));
                }
                Change ch = new Change(e.getValue().units(), before == null ? -1 : changedUnits(e.getKey(), before, e.getValue()),
                        e.getValue().partner.length, before == null ? -1 : changedDimensions(e.getKey(), before, e.getValue()));
                changes.put(e.getKey(), ch);
                if (before != null && !(ch.fraction() < settings.stableFraction())) allBelow = false;
            }
            assignments.add(now);
            long frames = total.framesPerSpace().values().stream().mapToLong(Long::longValue).max().orElse(0);
            Round round = new Round(r, frames, changes, allBelow);
            rounds.add(round);
            Map.Entry<String, Change> top = round.largest();
            log.printf(Locale.ROOT, "round %d: %d of %d clips (+%d, shard %s)%s%s%n", r.index(), r.clips(), plan.splitClips(),
                    plan.clipsOf(r.added()), r.added(), top == null ? ", first assignment"
                            : ", most changed " + top.getKey() + " " + percent(top.getValue().fraction()),
                    kept >= 0 ? " (toward the full calibration)" : allBelow ? ": stable" : "");
            if (kept < 0 && (allBelow || r.index() == lastWithin)) {
                kept = r.index();
                stable = allBelow;
                Map<String, String> note = new LinkedHashMap<>();
                note.put("calibration.until_stable", (stable ? "stable" : "not stable by the maximum") + " after round " + kept
                        + " of doubling rounds from " + planned.get(0).clips() + " clips (fewer than "
                        + percent(settings.stableFraction()) + " of units changed partner in every space)");
                total.addProvenance(note);
                keep.accept(total);
            }
        }
        Map<String, Integer> needed = new LinkedHashMap<>();
        for (String space : rounds.get(0).changes().keySet()) {
            // The earliest round from which the space changed less than the threshold in every later round run.
            int need = -1;
            for (int k = rounds.size() - 1; k >= 1; k--) {
                Change c = rounds.get(k).changes().get(space);
                if (!(c.fraction() < settings.stableFraction())) break;
                need = rounds.get(k).round().clips();
            }
            needed.put(space, need);
        }
        Map<String, Double> agreement = new LinkedHashMap<>();
        List<Map<String, Double>> perRound = new ArrayList<>();
        boolean full = rounds.get(rounds.size() - 1).round().held().count() == 1 && settings.toFull();
        if (full) {
            Map<String, Assignment> all = assignments.get(assignments.size() - 1);
            for (Map<String, Assignment> a : assignments) {
                Map<String, Double> ag = new LinkedHashMap<>();
                for (Map.Entry<String, Assignment> e : a.entrySet()) {
                    ag.put(e.getKey(), 1 - (double) changedUnits(e.getKey(), e.getValue(), all.get(e.getKey())) / e.getValue().units());
                }
                perRound.add(ag);
            }
            agreement.putAll(perRound.get(kept));
        }
        return new Result(plan.splitClips(), settings, rounds, kept, stable, needed, agreement, perRound);
    }
}
