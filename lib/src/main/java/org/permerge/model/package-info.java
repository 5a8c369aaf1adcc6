/**
 * The HuBERT-family encoder on DJL: its config ({@link org.permerge.model.EncoderConfig}), every parameter
 * name and shape ({@link org.permerge.model.ParameterLayout}), the forward pass
 * ({@link org.permerge.model.HubertEncoder}) and its named tap points ({@link org.permerge.model.Taps}),
 * delivered to a {@link org.permerge.model.TapConsumer} while a batch is in memory.
 */
package org.permerge.model;
