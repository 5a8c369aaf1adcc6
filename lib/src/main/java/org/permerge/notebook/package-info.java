/**
 * Notebook display: renders Tablesaw tables, Plotly figures (with plotly.js shipped by the library, so
 * figures work offline and on Binder), markdown and progress into a Jupyter notebook without the notebook
 * touching any kernel-specific API. {@link org.permerge.notebook.Show} is the entry point; the running
 * kernel's display channel is found by {@link org.permerge.notebook.KernelDisplay}.
 */
package org.permerge.notebook;
