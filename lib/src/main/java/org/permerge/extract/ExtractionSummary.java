package org.permerge.extract;

/**
 * What an extraction covered, for provenance.
 *
 * @param clips        clips processed
 * @param frames       real encoder frames of model A (or the only model) handed to the consumer
 * @param audioSeconds audio processed
 * @param wallSeconds  time taken
 */
public record ExtractionSummary(int clips, long frames, double audioSeconds, double wallSeconds) {}
