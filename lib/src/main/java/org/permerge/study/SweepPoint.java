package org.permerge.study;

/**
 * One merged model of the study: which recipe, which λ, whether REPAIR was applied, and its row in the table.
 *
 * @param recipe the merge recipe ({@code identity} = plain linear interpolation)
 * @param lambda weight of model A
 * @param repair whether REPAIR rescaled the merged units
 * @param model  the row name in the results table
 */
public record SweepPoint(String recipe, double lambda, boolean repair, String model) {
    /** The conventional row name, e.g. {@code cnn+ff+attn λ=0.9 +REPAIR}. */
    public static String rowName(String recipe, double lambda, boolean repair) {
        return recipe + " λ=" + trim(lambda) + (repair ? " +REPAIR" : "");
    }

    static String trim(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
