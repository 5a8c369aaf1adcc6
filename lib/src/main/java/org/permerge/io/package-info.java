/**
 * What every layer writes out: files replaced atomically ({@link org.permerge.io.AtomicFiles}), plotly.js and
 * the HTML that draws a figure with it ({@link org.permerge.io.PlotlyJs}), progress reports handed to a step with
 * {@code optProgress(Progress)} ({@link org.permerge.io.Progress}; the notebook's display registers itself as a
 * service, so no lower layer names it), numbers rounded for reading ({@link org.permerge.io.SignificantDigits}), and row-major matrix products on
 * OpenBLAS for the GEMM-heavy steps ({@link org.permerge.io.Blas}).
 * It sits under every other package and knows none of them.
 *
 * <p>May import: nothing from {@code org.permerge}.
 */
package org.permerge.io;
