/**
 * The library's root: its version ({@link org.permerge.Version}), recorded in every result's provenance.
 *
 * <p>The packages form layers, bottom to top: {@code io} and this root; {@code checkpoint}; {@code model};
 * {@code audio} (then {@code audio.features}, {@code audio.corpus}); {@code extract}; {@code correlate};
 * {@code permute} and {@code match}; {@code merge}; {@code bench.data}, {@code bench}; {@code pretrain}; {@code study};
 * {@code notebook} and {@code cli}. A package may import the layers below it, never one above nor its sibling, and
 * nothing imports {@code notebook} or {@code cli}. Each package's {@code package-info.java} lists what it may import;
 * {@code PackageLayersTest} checks every import in the sources against that list and for cycles.
 *
 * <p>May import: nothing from {@code org.permerge}.
 */
package org.permerge;
