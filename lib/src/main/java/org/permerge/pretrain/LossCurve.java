package org.permerge.pretrain;

import org.permerge.io.AtomicFiles;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The training record of one pretraining run, one row per step, written beside the checkpoint as
 * {@code loss-curve.csv} and a self-contained {@code loss-curve.html} (inline SVG: no network needed).
 */
public final class LossCurve {
    /** One optimiser step. */
    public record Point(int step, double loss, double maskedAccuracy, double learningRate, double gradNorm, double seconds) {}

    private final List<Point> points = new ArrayList<>();

    public void add(Point p) {
        points.add(p);
    }

    public List<Point> points() {
        return List.copyOf(points);
    }

    /** Mean loss over the first {@code n} recorded steps. */
    public double meanLossFirst(int n) {
        return mean(points.subList(0, Math.min(n, points.size())));
    }

    /** Mean loss over the last {@code n} recorded steps. */
    public double meanLossLast(int n) {
        return mean(points.subList(Math.max(0, points.size() - n), points.size()));
    }

    private static double mean(List<Point> ps) {
        double s = 0;
        for (Point p : ps) s += p.loss();
        return ps.isEmpty() ? Double.NaN : s / ps.size();
    }

    /** Writes {@code loss-curve.csv} and {@code loss-curve.html} into the folder. */
    public void write(Path dir, String title) {
        StringBuilder csv = new StringBuilder("step,loss,masked_accuracy,learning_rate,grad_norm,seconds\n");
        for (Point p : points) {
            csv.append(String.format(Locale.ROOT, "%d,%.6f,%.5f,%.3e,%.4f,%.2f%n", p.step(), p.loss(), p.maskedAccuracy(),
                    p.learningRate(), p.gradNorm(), p.seconds()));
        }
        AtomicFiles.writeString(dir.resolve("loss-curve.csv"), csv.toString());
        AtomicFiles.writeString(dir.resolve("loss-curve.html"), html(title));
    }

    /** A line plot of the loss and a smoothed loss (moving average over 1 % of the steps). */
    String html(String title) {
        int w = 720, h = 360, left = 60, right = 20, top = 30, bottom = 40;
        double maxLoss = 0, minLoss = Double.POSITIVE_INFINITY;
        for (Point p : points) {
            maxLoss = Math.max(maxLoss, p.loss());
            minLoss = Math.min(minLoss, p.loss());
        }
        if (points.isEmpty()) {
            minLoss = 0;
            maxLoss = 1;
        }
        double lo = Math.max(0, minLoss - 0.05 * (maxLoss - minLoss));
        double hi = maxLoss + 0.05 * (maxLoss - minLoss) + 1e-9;
        int lastStep = points.isEmpty() ? 1 : Math.max(1, points.get(points.size() - 1).step());
        StringBuilder raw = new StringBuilder();
        StringBuilder smooth = new StringBuilder();
        int win = Math.max(1, points.size() / 100);
        double acc = 0;
        for (int i = 0; i < points.size(); i++) {
            Point p = points.get(i);
            acc += p.loss();
            if (i >= win) acc -= points.get(i - win).loss();
            double x = left + (w - left - right) * (double) p.step() / lastStep;
            double y = top + (h - top - bottom) * (1 - (p.loss() - lo) / (hi - lo));
            double ys = top + (h - top - bottom) * (1 - (acc / Math.min(i + 1, win) - lo) / (hi - lo));
            raw.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
            smooth.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, ys));
        }
        StringBuilder s = new StringBuilder();
        s.append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>").append(escape(title)).append("</title></head><body>\n");
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n", w, h));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"18\" font-size=\"14\">%s</text>%n", left, escape(title)));
        s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n", left, h - bottom, w - right, h - bottom));
        s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n", left, top, left, h - bottom));
        for (int i = 0; i <= 4; i++) {
            double v = lo + (hi - lo) * i / 4;
            double y = top + (h - top - bottom) * (1 - i / 4.0);
            s.append(String.format(Locale.ROOT, "<text x=\"4\" y=\"%.1f\">%.2f</text>%n", y + 4, v));
            double sx = left + (w - left - right) * i / 4.0;
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>%n", sx, h - bottom + 16, Math.round(lastStep * i / 4.0)));
        }
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">step</text>%n", (w + left) / 2, h - 6));
        s.append("<polyline fill=\"none\" stroke=\"#9ecae1\" stroke-width=\"1\" points=\"").append(raw).append("\"/>\n");
        s.append("<polyline fill=\"none\" stroke=\"#08519c\" stroke-width=\"2\" points=\"").append(smooth).append("\"/>\n");
        s.append("</svg>\n<p>Masked-frame cross-entropy per step (light) and its moving average (dark). Data: loss-curve.csv.</p></body></html>\n");
        return s.toString();
    }

    private static String escape(String t) {
        return t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
