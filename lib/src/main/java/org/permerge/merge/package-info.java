/**
 * Step 4 of the pipeline: permute model B toward model A and interpolate the weights
 * (θ = λ·θ_A + (1 − λ)·π(θ_B)), with the paper's merge recipes, optional REPAIR of the merged units'
 * statistics, per-merge diagnostics (the paper's Table II) and a provenance-carrying output folder.
 */
package org.permerge.merge;
