package org.permerge.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv1d;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Every 1-D convolution of the project, routed around a fault of libtorch's bundled oneDNN.
 *
 * <p>libtorch 2.7.1 (oneDNN 3.7.1) returns wrong, run-to-run varying values on some AVX-512 CPUs (seen on
 * AMD Zen 5) when an ungrouped convolution keeps a channel axis in a <em>padded</em> blocked layout with more
 * than one block: the forward {@code jit:avx512_core} kernel when C_in &gt; 16 and C_in is not a multiple
 * of 16 ({@code aBcd16b}; 8 with the AVX2 kernels), and the input-gradient {@code brgconv} kernel when
 * C_in &gt; 32 and C_in is not a multiple of 32 ({@code Bcda32b}). Grouped convolutions never take a padded
 * layout (oneDNN picks a block dividing the per-group width, or a plain GEMM) and were exact at every
 * width tried, as were ungrouped ones whose widths are multiples of the block.
 *
 * <p>{@link #conv1d} therefore keeps libtorch's convolution where no channel axis can be padded for any
 * block up to 64 ({@link #libtorchTrusted}) and otherwise computes the same convolution as unfold + matmul
 * ({@link #byMatmul}), which never enters oneDNN's convolution kernels. Both are differentiable under a
 * {@code GradientCollector}, so training uses the same routing. The environment variable
 * {@code PERMERGE_CONV} ({@code auto}, {@code matmul} for every convolution, {@code libtorch} for none)
 * overrides the choice; {@code ./permerge doctor} checks a machine.
 */
public final class Convolution1d {
    /** Which formulation runs a convolution. */
    public enum Route {
        /** libtorch's convolution where {@link #libtorchTrusted} holds, unfold + matmul elsewhere. */
        AUTO,
        /** unfold + matmul for every convolution. */
        MATMUL,
        /** libtorch's convolution for every convolution (the unprotected op). */
        LIBTORCH
    }

    /** Channel counts that are multiples of this have no padded block for any oneDNN block size (4..64). */
    static final int SAFE_MULTIPLE = 64;
    /** Unfolded columns per matmul, in floats (64 MiB): bounds the extra memory of long, wide inputs. */
    private static final long COLUMN_BUDGET = 16L << 20;

    private static volatile Route route = parseRoute(System.getenv("PERMERGE_CONV"));

    private Convolution1d() {
    }

    /** The route in force (from {@code PERMERGE_CONV}, or the last {@link #setRoute}). */
    public static Route route() {
        return route;
    }

    /** Changes the route for the whole process; for benchmarks and diagnostics that compare formulations. */
    public static void setRoute(Route r) {
        if (r == null) throw new IllegalArgumentException("route must not be null");
        route = r;
    }

    static Route parseRoute(String value) {
        if (value == null || value.isBlank() || value.equalsIgnoreCase("auto")) return Route.AUTO;
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "matmul" -> Route.MATMUL;
            case "libtorch" -> Route.LIBTORCH;
            default -> throw new IllegalArgumentException("PERMERGE_CONV is '" + value + "', expected auto, matmul or libtorch");
        };
    }

    /**
     * Whether libtorch's convolution is used for this shape on the {@code AUTO} route: grouped convolutions,
     * and ungrouped ones whose output width and input width (unless a single channel, which oneDNN keeps
     * plain) are multiples of 64.
     */
    public static boolean libtorchTrusted(long inChannels, long outChannels, int groups) {
        if (groups > 1) return true;
        boolean in = inChannels == 1 || inChannels % SAFE_MULTIPLE == 0;
        return in && outChannels % SAFE_MULTIPLE == 0;
    }

    /**
     * {@code y = conv1d(x, w) + bias} with zero padding on both sides and dilation 1, as PyTorch's
     * {@code F.conv1d}, by the route in force.
     *
     * @param x      [B, C_in, T]
     * @param weight [C_out, C_in / groups, K]
     * @param bias   [C_out], or null
     */
    public static NDArray conv1d(NDArray x, NDArray weight, NDArray bias, int stride, int padding, int groups) {
        Route r = route;
        boolean useLibtorch = r == Route.LIBTORCH
                || (r == Route.AUTO && libtorchTrusted(x.getShape().get(1), weight.getShape().get(0), groups));
        return useLibtorch ? libtorch(x, weight, bias, stride, padding, groups)
                : byMatmul(x, weight, bias, stride, padding, groups);
    }

    /** libtorch's own convolution (oneDNN on CPU), unprotected. */
    public static NDArray libtorch(NDArray x, NDArray weight, NDArray bias, int stride, int padding, int groups) {
        return Conv1d.conv1d(x, weight, bias, new Shape(stride), new Shape(padding), new Shape(1), groups).singletonOrThrow();
    }

    /**
     * The convolution as unfold + matmul: for each group, the input's K strided views stacked into columns
     * [C_in/g · K, T_out] and multiplied by the weight [C_out/g, C_in/g · K]. Long inputs are unfolded a
     * few taps at a time (partial sums added in tap order), so the extra memory stays bounded. Only slicing,
     * stacking, reshapes and matmul run, never a oneDNN convolution.
     */
    public static NDArray byMatmul(NDArray x, NDArray weight, NDArray bias, int stride, int padding, int groups) {
        Shape xs = x.getShape();
        Shape ws = weight.getShape();
        if (xs.dimension() != 3 || ws.dimension() != 3) {
            throw new IllegalArgumentException("conv1d expects x [B, C_in, T] and weight [C_out, C_in/groups, K], got x "
                    + xs + ", weight " + ws);
        }
        long batch = xs.get(0);
        long cin = xs.get(1);
        long t = xs.get(2);
        long cout = ws.get(0);
        long k = ws.get(2);
        if (groups < 1 || stride < 1 || padding < 0 || cin % groups != 0 || cout % groups != 0 || ws.get(1) != cin / groups) {
            throw new IllegalArgumentException("conv1d: x " + xs + " and weight " + ws + " do not fit groups " + groups
                    + ", stride " + stride + ", padding " + padding);
        }
        long padded = t + 2L * padding;
        if (padded < k) {
            throw new IllegalArgumentException("conv1d: input of " + t + " steps (+" + padding + " padding each side) is shorter than the kernel " + k);
        }
        long tOut = (padded - k) / stride + 1;
        long cinG = cin / groups;
        long coutG = cout / groups;
        int tapsPerChunk = (int) Math.max(1, Math.min(k, COLUMN_BUDGET / Math.max(1, batch * cin * tOut)));

        NDManager outer = x.getManager();
        try (NDManager sub = outer.newSubManager()) {
            x.tempAttach(sub);
            NDArray in = x;
            if (padding > 0) {
                NDArray zeros = sub.zeros(new Shape(batch, cin, padding), x.getDataType());
                in = NDArrays.concat(new NDList(zeros, x, zeros), 2);
            }
            NDArray xg = in.reshape(batch, groups, cinG, padded);
            NDArray wg = weight.reshape(groups, coutG, cinG, k);
            wg.attach(sub);
            NDArray sum = null;
            long last = stride * (tOut - 1);
            for (long k0 = 0; k0 < k; k0 += tapsPerChunk) {
                long k1 = Math.min(k, k0 + tapsPerChunk);
                List<NDArray> taps = new ArrayList<>();
                for (long tap = k0; tap < k1; tap++) {
                    taps.add(xg.get(":, :, :, " + tap + ":" + (tap + last + 1) + ":" + stride));
                }
                // [B, g, C_in/g, taps, T_out] -> [B, g, C_in/g · taps, T_out]: row c·taps + j pairs with w[.., c, j].
                NDArray columns = taps.size() == 1 ? taps.get(0)
                        : NDArrays.stack(new NDList(taps), 3).reshape(batch, groups, cinG * (k1 - k0), tOut);
                NDArray w = wg.get(":, :, :, " + k0 + ":" + k1).reshape(groups, coutG, cinG * (k1 - k0));
                NDArray part = w.matMul(columns);
                sum = sum == null ? part : sum.add(part);
            }
            NDArray y = sum.reshape(batch, cout, tOut);
            if (bias != null) {
                NDArray b = bias.reshape(1, cout, 1);
                b.attach(sub);
                y = y.add(b);
            }
            y.attach(outer);
            return y;
        }
    }
}
