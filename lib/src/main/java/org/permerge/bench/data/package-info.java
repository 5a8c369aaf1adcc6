/**
 * The real benchmark datasets: their download manifests ({@code data-manifests/datasets/*.json}), verified and
 * resumable downloads, first-download checksum records, and unpacking of tar.gz/zip archives.
 *
 * <p>May import: {@code org.permerge}, {@code org.permerge.io}, {@code org.permerge.checkpoint},
 * {@code org.permerge.model}, {@code org.permerge.audio}, {@code org.permerge.audio.features},
 * {@code org.permerge.audio.corpus}, {@code org.permerge.extract}, {@code org.permerge.correlate},
 * {@code org.permerge.permute}, {@code org.permerge.match}, {@code org.permerge.merge}.
 */
package org.permerge.bench.data;
