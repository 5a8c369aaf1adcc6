/**
 * Step 3 of the pipeline, matching: exact linear assignment ({@link org.permerge.match.LinearAssignment})
 * and the two-level, block-structured matching that heads of attention and groups of the positional
 * convolution need ({@link org.permerge.match.HeadAwareMatching}); dead units stay in place
 * ({@link org.permerge.match.LiveUnitMatching}).
 */
package org.permerge.match;
