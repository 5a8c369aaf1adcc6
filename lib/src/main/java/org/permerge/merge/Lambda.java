package org.permerge.merge;

import java.util.EnumMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The interpolation weight λ of model A (1 = all A, 0 = all permuted B), global or per {@link Component}.
 * Parsed from {@code 0.9}, or {@code cnn=0.5,ffn=0.9,default=0.8} (a bare number is the default); every
 * component without its own value takes the default, and with no default all must be given.
 */
public final class Lambda {
    private final EnumMap<Component, Double> values;

    private Lambda(EnumMap<Component, Double> values) {
        this.values = values;
    }

    /** The same λ for every component. */
    public static Lambda global(double lambda) {
        EnumMap<Component, Double> m = new EnumMap<>(Component.class);
        for (Component c : Component.values()) m.put(c, check(lambda, "λ"));
        return new Lambda(m);
    }

    /** Per-component values; missing components take {@code dflt} (NaN = none allowed missing). */
    public static Lambda of(Map<Component, Double> perComponent, double dflt) {
        EnumMap<Component, Double> m = new EnumMap<>(Component.class);
        for (Component c : Component.values()) {
            Double v = perComponent.get(c);
            if (v == null) {
                if (Double.isNaN(dflt)) {
                    throw new IllegalArgumentException("λ has no value for component '" + c.key() + "' and no default (give 'default=x' or a bare number)");
                }
                v = dflt;
            }
            m.put(c, check(v, "λ for " + c.key()));
        }
        return new Lambda(m);
    }

    /** Parses {@code 0.9} or {@code cnn=0.5,ffn=0.9,...[,default=x | ,x]}. */
    public static Lambda parse(String text) {
        if (text == null || text.isBlank()) throw new IllegalArgumentException("λ is empty; expected e.g. 0.9 or cnn=0.5,default=0.9");
        EnumMap<Component, Double> m = new EnumMap<>(Component.class);
        Double dflt = null;
        for (String part : text.split(",", -1)) {
            String p = part.trim();
            int eq = p.indexOf('=');
            if (eq < 0 || p.substring(0, eq).trim().equalsIgnoreCase("default")) {
                double v = number(eq < 0 ? p : p.substring(eq + 1), text);
                if (dflt != null) throw new IllegalArgumentException("λ '" + text + "' gives the default twice");
                dflt = v;
            } else {
                Component c = Component.parse(p.substring(0, eq));
                if (m.put(c, number(p.substring(eq + 1), text)) != null) {
                    throw new IllegalArgumentException("λ '" + text + "' gives component '" + c.key() + "' twice");
                }
            }
        }
        return of(m, dflt == null ? Double.NaN : dflt);
    }

    /** A finite number: NaN here would read as "no default" and vanish, so it is refused like any non-number. */
    private static double number(String s, String text) {
        double v;
        try {
            v = Double.parseDouble(s.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("λ '" + text + "': '" + s.trim() + "' is not a number");
        }
        if (!Double.isFinite(v)) throw new IllegalArgumentException("λ '" + text + "': '" + s.trim() + "' is not a finite number in [0, 1]");
        return v;
    }

    private static double check(double v, String what) {
        if (!(v >= 0 && v <= 1)) throw new IllegalArgumentException(what + " = " + v + " is outside [0, 1]");
        return v;
    }

    /** λ of a component. */
    public double of(Component c) {
        return values.get(c);
    }

    /** λ of the component a tensor belongs to. */
    public double forTensor(String tensor) {
        return of(Component.of(tensor));
    }

    /** Whether every component has the same λ. */
    public boolean isGlobal() {
        return values.values().stream().distinct().count() == 1;
    }

    /**
     * Canonical text, parseable by {@link #parse(String)}: a single number when global, else the most common
     * value as the default followed by the components that differ ({@code 0.9,cnn=0.5}).
     */
    @Override
    public String toString() {
        if (isGlobal()) return fmt(values.get(Component.CNN));
        Map<Double, Integer> counts = new java.util.HashMap<>();
        for (double v : values.values()) counts.merge(v, 1, Integer::sum);
        double dflt = values.values().stream().max(java.util.Comparator.<Double>comparingInt(counts::get)
                .thenComparing(java.util.Comparator.reverseOrder())).orElseThrow();
        StringJoiner j = new StringJoiner(",");
        j.add(fmt(dflt));
        values.forEach((c, v) -> {
            if (v != dflt) j.add(c.key() + "=" + fmt(v));
        });
        return j.toString();
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Lambda l && l.values.equals(values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }
}
