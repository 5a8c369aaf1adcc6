package org.permerge.model;

/**
 * A grouped 1-D convolution and its two gradients as plain float64 loops over flat arrays: the brute-force
 * reference that {@code ./permerge doctor} and the tests hold libtorch's and {@link Convolution1d}'s
 * results against. Layouts are PyTorch's: x [B, C_in, T], w [C_out, C_in/groups, K], y [B, C_out, T_out],
 * zero padding on both sides, dilation 1.
 */
public final class PlainConvolution {
    private final int batch;
    private final int cin;
    private final int cout;
    private final int kernel;
    private final int stride;
    private final int padding;
    private final int groups;
    private final int length;
    private final int outLength;

    /** The shape of one convolution; the arrays passed later must match it. */
    public PlainConvolution(int batch, int cin, int cout, int kernel, int stride, int padding, int groups, int length) {
        if (batch < 1 || cin < 1 || cout < 1 || kernel < 1 || stride < 1 || padding < 0 || groups < 1
                || cin % groups != 0 || cout % groups != 0 || length + 2 * padding < kernel) {
            throw new IllegalArgumentException("not a valid conv1d shape: B " + batch + ", C_in " + cin + ", C_out " + cout
                    + ", K " + kernel + ", stride " + stride + ", padding " + padding + ", groups " + groups + ", T " + length);
        }
        this.batch = batch;
        this.cin = cin;
        this.cout = cout;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.groups = groups;
        this.length = length;
        this.outLength = (length + 2 * padding - kernel) / stride + 1;
    }

    /** T_out, the output length. */
    public int outLength() {
        return outLength;
    }

    /** y = conv(x, w) + bias (bias may be null). */
    public double[] forward(float[] x, float[] w, float[] bias) {
        double[] y = new double[batch * cout * outLength];
        int cinG = cin / groups;
        int coutG = cout / groups;
        for (int b = 0; b < batch; b++) {
            for (int o = 0; o < cout; o++) {
                int firstIn = (o / coutG) * cinG;
                for (int t = 0; t < outLength; t++) {
                    double acc = bias == null ? 0 : bias[o];
                    for (int c = 0; c < cinG; c++) {
                        int xRow = (b * cin + firstIn + c) * length;
                        int wRow = (o * cinG + c) * kernel;
                        for (int k = 0; k < kernel; k++) {
                            int ti = t * stride - padding + k;
                            if (ti >= 0 && ti < length) acc += (double) w[wRow + k] * x[xRow + ti];
                        }
                    }
                    y[(b * cout + o) * outLength + t] = acc;
                }
            }
        }
        return y;
    }

    /** The gradients of {@code sum(conv(x, w) * r)}: {d/dx [B, C_in, T], d/dw [C_out, C_in/groups, K]}. */
    public double[][] gradients(float[] x, float[] w, float[] r) {
        double[] dx = new double[x.length];
        double[] dw = new double[w.length];
        int cinG = cin / groups;
        int coutG = cout / groups;
        for (int b = 0; b < batch; b++) {
            for (int o = 0; o < cout; o++) {
                int firstIn = (o / coutG) * cinG;
                for (int t = 0; t < outLength; t++) {
                    double g = r[(b * cout + o) * outLength + t];
                    for (int c = 0; c < cinG; c++) {
                        int xRow = (b * cin + firstIn + c) * length;
                        int wRow = (o * cinG + c) * kernel;
                        for (int k = 0; k < kernel; k++) {
                            int ti = t * stride - padding + k;
                            if (ti < 0 || ti >= length) continue;
                            dx[xRow + ti] += g * w[wRow + k];
                            dw[wRow + k] += g * x[xRow + ti];
                        }
                    }
                }
            }
        }
        return new double[][] {dx, dw};
    }
}
