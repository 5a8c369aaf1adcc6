/**
 * The {@code ./permerge} command line: one subcommand per pipeline step and tool, each a thin layer over the
 * package that does the work ({@link org.permerge.cli.Main} lists them).
 *
 * <p>May import: {@code org.permerge}, {@code org.permerge.io}, {@code org.permerge.checkpoint},
 * {@code org.permerge.model}, {@code org.permerge.audio}, {@code org.permerge.audio.features},
 * {@code org.permerge.audio.corpus}, {@code org.permerge.extract}, {@code org.permerge.correlate},
 * {@code org.permerge.permute}, {@code org.permerge.match}, {@code org.permerge.merge},
 * {@code org.permerge.bench.data}, {@code org.permerge.bench}, {@code org.permerge.pretrain},
 * {@code org.permerge.study}.
 */
package org.permerge.cli;
