/**
 * HuBERT-style masked-prediction pretraining of the mini encoders: the mini architecture, random
 * initialisation, frame targets from k-means over acoustic features, span masking, the prediction head,
 * the optimiser, the training loop and its loss curve.
 *
 * <p>May import: {@code org.permerge}, {@code org.permerge.io}, {@code org.permerge.checkpoint},
 * {@code org.permerge.model}, {@code org.permerge.audio}, {@code org.permerge.audio.features},
 * {@code org.permerge.audio.corpus}, {@code org.permerge.extract}, {@code org.permerge.correlate},
 * {@code org.permerge.permute}, {@code org.permerge.match}, {@code org.permerge.merge},
 * {@code org.permerge.bench.data}, {@code org.permerge.bench}.
 */
package org.permerge.pretrain;
