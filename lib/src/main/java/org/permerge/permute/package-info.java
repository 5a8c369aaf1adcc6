/**
 * The permutation spec of a HuBERT-family encoder — which permutation space acts on which axis of which
 * tensor — as data, and one generic function that applies any set of permutations to a checkpoint.
 * A permuted model computes exactly what the original computes; the tests in this package check that
 * invariant on real layouts (the authors' code broke it three ways, METHOD.md "defects" 1–3).
 */
package org.permerge.permute;
