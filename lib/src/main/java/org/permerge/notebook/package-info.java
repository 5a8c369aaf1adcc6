/**
 * Notebook display: renders Tablesaw tables, Plotly figures (with plotly.js shipped by the library, so
 * figures work offline and on Binder), markdown and progress into a Jupyter notebook without the notebook
 * touching any kernel-specific API. {@link org.permerge.notebook.Show} is the entry point; the running
 * kernel's display channel is found by {@link org.permerge.notebook.KernelDisplay}. Display only: the analysis a
 * notebook shows lives in the package of its step, and no other package imports this one (progress reaches
 * it through {@link org.permerge.io.Progress}). A study notebook starts from one line,
 * {@link org.permerge.notebook.StudyHeader#open}; {@link org.permerge.notebook.NotebookLog} draws what a long
 * call writes on stderr as one status line instead of the kernel's red stderr block.
 *
 * <p>May import: {@code org.permerge}, {@code org.permerge.io}, {@code org.permerge.checkpoint},
 * {@code org.permerge.model}, {@code org.permerge.audio}, {@code org.permerge.audio.features},
 * {@code org.permerge.audio.corpus}, {@code org.permerge.extract}, {@code org.permerge.correlate},
 * {@code org.permerge.permute}, {@code org.permerge.match}, {@code org.permerge.merge},
 * {@code org.permerge.bench.data}, {@code org.permerge.bench}, {@code org.permerge.pretrain},
 * {@code org.permerge.study}.
 */
package org.permerge.notebook;
