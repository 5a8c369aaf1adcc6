/**
 * Audio for the pipeline: WAV reading and writing, resampling, corpus manifests and the synthetic speech and
 * music corpora of the offline mini world.
 *
 * <p>May import: {@code org.permerge}, {@code org.permerge.io}, {@code org.permerge.checkpoint},
 * {@code org.permerge.model}.
 */
package org.permerge.audio;
