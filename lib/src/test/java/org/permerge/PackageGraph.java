package org.permerge;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The package dependency graph of the library's sources: an edge p → q for every reference from a file of
 * package p to a class of package q (imports, static imports, wildcard imports and fully qualified names in code;
 * comments and string literals do not count), with one example per edge; and the layers each package declares
 * in its {@code package-info.java} ("May import: {@code org.permerge.x}, …").
 */
final class PackageGraph {

    static final String ROOT = "org.permerge";

    private static final Pattern PACKAGE = Pattern.compile("(?m)^\\s*package\\s+(org\\.permerge(?:\\.\\w+)*)\\s*;");
    /** Comments, text blocks, strings and chars, in the order the lexer would meet them. */
    private static final Pattern NOT_CODE = Pattern.compile(
            "//[^\\n]*|/\\*.*?\\*/|\"\"\".*?\"\"\"|\"(?:\\\\.|[^\"\\\\\\n])*\"|'(?:\\\\.|[^'\\\\\\n])*'", Pattern.DOTALL);
    /** A qualified name: lower-case segments (the package) then the first upper-case one (the class). */
    private static final Pattern QUALIFIED = Pattern.compile("\\borg\\.permerge((?:\\.[a-z_][\\w]*)*)\\.([A-Z]\\w*)");
    private static final Pattern WILDCARD = Pattern.compile("\\bimport\\s+(?:static\\s+)?org\\.permerge((?:\\.[a-z_]\\w*)*)\\.\\*\\s*;");
    private static final Pattern MAY_IMPORT = Pattern.compile("May import:(.*?)(?:<p>|\\*/)", Pattern.DOTALL);
    private static final Pattern CODE_TAG = Pattern.compile("\\{@code\\s+(org\\.permerge(?:\\.\\w+)*)\\s*}");

    /** package → package → one "File.java → Class" reference that makes the edge. */
    final Map<String, Map<String, String>> edges = new TreeMap<>();
    /** Every package that has a source file. */
    final Set<String> packages = new TreeSet<>();

    /** The graph of every {@code .java} file under a source root (e.g. {@code src/main/java}). */
    static PackageGraph ofSources(Path sourceRoot) {
        PackageGraph g = new PackageGraph();
        try (Stream<Path> files = Files.walk(sourceRoot)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                g.addSource(f.getFileName().toString(), Files.readString(f, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the sources under " + sourceRoot, e);
        }
        return g;
    }

    /** Adds one source file's references. */
    void addSource(String fileName, String source) {
        Matcher pm = PACKAGE.matcher(source);
        if (!pm.find()) {
            throw new IllegalArgumentException(fileName + ": no 'package org.permerge…;' declaration");
        }
        String from = pm.group(1);
        packages.add(from);
        String code = NOT_CODE.matcher(source).replaceAll(" ");
        Matcher q = QUALIFIED.matcher(code);
        while (q.find()) {
            addEdge(from, ROOT + q.group(1), fileName + " → " + q.group(2));
        }
        Matcher w = WILDCARD.matcher(code);
        while (w.find()) {
            addEdge(from, ROOT + w.group(1), fileName + " → *");
        }
    }

    void addEdge(String from, String to, String example) {
        packages.add(from);
        if (!from.equals(to)) {
            edges.computeIfAbsent(from, k -> new TreeMap<>()).putIfAbsent(to, example);
        }
    }

    Set<String> targets(String from) {
        return edges.getOrDefault(from, Map.of()).keySet();
    }

    /**
     * The packages on one dependency cycle, first repeated at the end (a → b → a), or an empty list when the graph
     * has none. Depth-first search with the classic white/grey/black marking.
     */
    static List<String> findCycle(Map<String, Set<String>> graph) {
        Map<String, Integer> state = new TreeMap<>();
        List<String> path = new ArrayList<>();
        for (String start : new TreeSet<>(graph.keySet())) {
            List<String> c = visit(start, graph, state, path);
            if (!c.isEmpty()) return c;
        }
        return List.of();
    }

    private static List<String> visit(String p, Map<String, Set<String>> graph, Map<String, Integer> state, List<String> path) {
        int s = state.getOrDefault(p, 0);
        if (s == 2) return List.of();
        if (s == 1) {
            List<String> cycle = new ArrayList<>(path.subList(path.indexOf(p), path.size()));
            cycle.add(p);
            return cycle;
        }
        state.put(p, 1);
        path.add(p);
        for (String q : new TreeSet<>(graph.getOrDefault(p, Set.of()))) {
            List<String> c = visit(q, graph, state, path);
            if (!c.isEmpty()) return c;
        }
        path.remove(path.size() - 1);
        state.put(p, 2);
        return List.of();
    }

    /** The edges as a map package → targets, for {@link #findCycle}. */
    Map<String, Set<String>> adjacency() {
        Map<String, Set<String>> m = new TreeMap<>();
        for (String p : packages) m.put(p, new TreeSet<>(targets(p)));
        return m;
    }

    /**
     * What a {@code package-info.java} declares its package may import: the {@code {@code org.permerge…}} names of
     * its "May import:" paragraph, or none when the paragraph says "nothing". Null when there is no such paragraph.
     */
    static Set<String> declaredImports(String packageInfo) {
        Matcher m = MAY_IMPORT.matcher(packageInfo);
        if (!m.find()) return null;
        String text = m.group(1).replaceAll("(?m)^\\s*\\*", " ").trim();
        Set<String> out = new TreeSet<>();
        if (text.startsWith("nothing")) return out;
        Matcher c = CODE_TAG.matcher(text);
        while (c.find()) out.add(c.group(1));
        return out;
    }

    /** Every edge as "from -> to", sorted, for reports. */
    List<String> edgeList() {
        List<String> out = new ArrayList<>();
        edges.forEach((from, tos) -> tos.keySet().forEach(to -> out.add(from + " -> " + to)));
        return out;
    }
}
