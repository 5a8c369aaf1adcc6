/**
 * Audio for the pipeline: WAV reading and writing, resampling, corpus manifests and the synthetic speech and
 * music corpora of the offline mini world.
 */
package org.permerge.audio;
