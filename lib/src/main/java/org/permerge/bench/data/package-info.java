/**
 * The real benchmark datasets: their download manifests ({@code data-manifests/datasets/*.json}), verified and
 * resumable downloads, first-download checksum records, and unpacking of tar.gz/zip archives.
 */
package org.permerge.bench.data;
