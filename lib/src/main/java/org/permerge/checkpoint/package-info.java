/**
 * Checkpoint formats and sources: safetensors and {@code torch.save} readers/writers, the tensors and state
 * dicts they hold, transformers' shard indexes, a model's declared input preprocessing
 * ({@code preprocessor_config.json}), the Hugging Face hub cache and downloads, and the provenance record every
 * command writes beside its result ({@link org.permerge.checkpoint.Provenance}). Nothing here knows the encoder:
 * a HuBERT-family checkpoint folder is {@code org.permerge.model.EncoderCheckpoint}, one layer up.
 *
 * <p>May import: {@code org.permerge}, {@code org.permerge.io}.
 */
package org.permerge.checkpoint;
