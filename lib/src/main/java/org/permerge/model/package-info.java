/**
 * The HuBERT-family encoder on DJL: its config ({@link org.permerge.model.EncoderConfig}), every parameter
 * name and shape ({@link org.permerge.model.ParameterLayout}), the one table classifying every tensor (permutation
 * spaces of its axes, λ component, summary group, REPAIR site: {@link org.permerge.model.TensorRole}), the key layouts published checkpoints use
 * ({@link org.permerge.model.KeyLayout}), a Hugging Face model folder checked against that layout
 * ({@link org.permerge.model.EncoderCheckpoint}: config, weights under current names, preprocessing), the forward
 * pass ({@link org.permerge.model.HubertEncoder}; its inference on OpenBLAS, {@link org.permerge.model.BlasEncoder}, chosen
 * by {@link org.permerge.model.EncoderBackend}) and its named tap points ({@link org.permerge.model.Taps}),
 * delivered to a {@link org.permerge.model.TapConsumer} while a batch is in memory; and the architecture tables
 * notebooks show ({@link org.permerge.model.ArchitectureSummary}).
 *
 * <p>May import: {@code org.permerge}, {@code org.permerge.io}, {@code org.permerge.checkpoint}.
 */
package org.permerge.model;
