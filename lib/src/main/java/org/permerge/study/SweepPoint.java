package org.permerge.study;

import org.permerge.merge.Component;
import org.permerge.merge.Lambda;
import org.permerge.match.MergeRecipe;
import org.permerge.merge.Repair;

/**
 * One merged model of the study: which recipe, which λ, which REPAIR, and its row in the table.
 *
 * @param recipe the merge recipe ({@code identity} = plain linear interpolation)
 * @param lambda weight of model A, global or per component
 * @param repairMode how REPAIR rescaled the merged units ({@code NONE} = not at all)
 * @param model  the row name in the results table
 */
public record SweepPoint(MergeRecipe recipe, Lambda lambda, Repair.Mode repairMode, String model) {
    /** The point with its conventional row name. */
    public static SweepPoint of(MergeRecipe recipe, Lambda lambda, Repair.Mode repair) {
        return new SweepPoint(recipe, lambda, repair, rowName(recipe, lambda, repair));
    }

    /** Whether REPAIR was applied. */
    public boolean repair() {
        return repairMode != Repair.Mode.NONE;
    }

    /** The λ of a global λ (the x axis of the sweep plots); NaN for a per-component λ, which has no one value. */
    public double lambdaValue() {
        return lambda.isGlobal() ? lambda.of(Component.CNN) : Double.NaN;
    }

    /** The conventional row name, e.g. {@code cnn+ff+attn λ=0.9 +REPAIR} (per-component: {@code λ=0.9,cnn=0.5}). */
    public static String rowName(MergeRecipe recipe, Lambda lambda, Repair.Mode repair) {
        return recipe.label() + " λ=" + lambda + (repair != Repair.Mode.NONE ? " +REPAIR" : "");
    }

    /** The row name of a global λ. */
    public static String rowName(String recipe, double lambda, boolean repair) {
        return rowName(MergeRecipe.parse(recipe), Lambda.global(lambda), repair ? Repair.Mode.CLOSED : Repair.Mode.NONE);
    }
}
