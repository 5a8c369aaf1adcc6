/**
 * Checkpoint formats and sources: safetensors and {@code torch.save} readers/writers, Hugging Face model folders
 * ({@link org.permerge.model.EncoderCheckpoint}: config, weights under current names, preprocessing), the
 * key layouts published checkpoints use, and the Hugging Face hub cache and downloads.
 */
package org.permerge.checkpoint;
