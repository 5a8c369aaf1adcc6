/**
 * The permutation spec of a HuBERT-family encoder — which permutation space acts on which axis of which
 * tensor — as data, and one generic function that applies any set of permutations to a checkpoint.
 * A permuted model computes exactly what the original computes; the tests in this package check that
 * invariant on real layouts (the authors' code broke it three ways, METHOD.md "defects" 1–3). A model pair with a
 * known answer, B = A with planted permutations, is {@link org.permerge.permute.PlantedPair}.
 *
 * <p>May import: {@code org.permerge}, {@code org.permerge.io}, {@code org.permerge.checkpoint},
 * {@code org.permerge.model}, {@code org.permerge.audio}, {@code org.permerge.audio.features},
 * {@code org.permerge.audio.corpus}, {@code org.permerge.extract}, {@code org.permerge.correlate}.
 */
package org.permerge.permute;
