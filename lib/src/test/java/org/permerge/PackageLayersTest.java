package org.permerge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The library's packages stay layered (issue 10): no dependency cycle between packages, nothing imports
 * {@code notebook} or {@code cli}, and every import is one that the importing package's {@code package-info.java}
 * declares under "May import:" — a declared table that itself must be free of cycles. The synthetic-graph tests
 * show each check can fail.
 */
class PackageLayersTest {

    private static final Set<String> TOP = Set.of("org.permerge.notebook", "org.permerge.cli");

    private static Path sources;
    private static PackageGraph graph;
    private static Map<String, Set<String>> declared;

    @BeforeAll
    static void readSources() throws IOException {
        sources = Path.of(System.getProperty("basedir", ".")).resolve("src/main/java");
        assertTrue(Files.isDirectory(sources.resolve("org/permerge")), "library sources not found at " + sources.toAbsolutePath());
        graph = PackageGraph.ofSources(sources);
        declared = new TreeMap<>();
        for (String p : graph.packages) {
            Path info = sources.resolve(p.replace('.', '/')).resolve("package-info.java");
            declared.put(p, Files.isRegularFile(info) ? PackageGraph.declaredImports(Files.readString(info)) : null);
        }
    }

    @Test
    void everyPackageDeclaresWhatItMayImport() {
        List<String> problems = new ArrayList<>();
        declared.forEach((p, may) -> {
            if (may == null) {
                problems.add(p + ": package-info.java missing or without a 'May import:' paragraph");
                return;
            }
            for (String q : may) {
                if (!graph.packages.contains(q)) problems.add(p + ": declares 'May import: " + q + "', which is no package of the library");
            }
        });
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void nothingImportsNotebookOrCli() {
        List<String> bad = upwardToTop(graph.edges);
        declared.forEach((p, may) -> {
            if (may != null) may.stream().filter(TOP::contains).forEach(q -> bad.add(p + " declares it may import " + q));
        });
        assertTrue(bad.isEmpty(), "notebook and cli are the top floor; nothing may import them:\n" + String.join("\n", bad));
    }

    @Test
    void everyImportIsDeclared() {
        List<String> undeclared = undeclared(graph, declared);
        assertTrue(undeclared.isEmpty(), "imports that the importing package's package-info does not allow"
                + " (move the class to its layer, or change the declared layers on purpose):\n" + String.join("\n", undeclared));
    }

    @Test
    void declaredLayersHaveNoCycle() {
        Map<String, Set<String>> table = new TreeMap<>();
        declared.forEach((p, may) -> table.put(p, may == null ? Set.of() : may));
        List<String> cycle = PackageGraph.findCycle(table);
        assertTrue(cycle.isEmpty(), "the declared layers form a cycle: " + String.join(" -> ", cycle));
    }

    @Test
    void noCycleBetweenPackages() {
        List<String> cycle = PackageGraph.findCycle(graph.adjacency());
        assertTrue(cycle.isEmpty(), "package cycle: " + String.join(" -> ", cycle) + "\nedges:\n" + String.join("\n", graph.edgeList()));
    }

    // ---- the checks on synthetic graphs: each must catch what it is for ----

    private static List<String> upwardToTop(Map<String, Map<String, String>> edges) {
        List<String> bad = new ArrayList<>();
        edges.forEach((from, tos) -> tos.forEach((to, example) -> {
            if (TOP.contains(to) && !TOP.contains(from)) bad.add(from + " -> " + to + " (" + example + ")");
        }));
        return bad;
    }

    private static List<String> undeclared(PackageGraph g, Map<String, Set<String>> may) {
        List<String> out = new ArrayList<>();
        g.edges.forEach((from, tos) -> tos.forEach((to, example) -> {
            Set<String> allowed = may.get(from);
            if (allowed == null || !allowed.contains(to)) out.add(from + " -> " + to + " (" + example + ")");
        }));
        return out;
    }

    @Test
    void aPlantedCycleIsFoundAndNamed() {
        Map<String, Set<String>> g = new TreeMap<>();
        g.put("a", Set.of("b"));
        g.put("b", Set.of("c", "d"));
        g.put("c", Set.of("a"));
        g.put("d", Set.of());
        assertEquals(List.of("a", "b", "c", "a"), PackageGraph.findCycle(g));
        g.put("c", Set.of("d"));
        assertEquals(List.of(), PackageGraph.findCycle(g), "a diamond is no cycle");
        g.put("d", Set.of("d"));
        assertEquals(List.of("d", "d"), PackageGraph.findCycle(g));
    }

    @Test
    void sourcesWithAPlantedCycleAreCaughtAndCommentsDoNotCount() {
        PackageGraph g = new PackageGraph();
        g.addSource("Low.java", "package org.permerge.low;\n"
                + "import org.permerge.high.Top;\n"
                + "/** See {@link org.permerge.notebook.Show}. */\n"
                + "class Low { String s = \"org.permerge.cli.Main\"; // org.permerge.cli.Main\n }\n");
        g.addSource("Top.java", "package org.permerge.high;\n"
                + "import static org.permerge.low.Low.helper;\n"
                + "class Top { org.permerge.io.AtomicFiles f; }\n");
        assertEquals(List.of("org.permerge.high -> org.permerge.io", "org.permerge.high -> org.permerge.low",
                "org.permerge.low -> org.permerge.high"), g.edgeList());
        assertEquals(List.of("org.permerge.high", "org.permerge.low", "org.permerge.high"), PackageGraph.findCycle(g.adjacency()));
    }

    @Test
    void anImportOfNotebookFromBelowAndAnUndeclaredImportAreCaught() {
        PackageGraph g = new PackageGraph();
        g.addSource("Extraction.java", "package org.permerge.extract;\nimport org.permerge.notebook.*;\n"
                + "import org.permerge.model.HubertEncoder;\nclass Extraction {}\n");
        g.addSource("Main.java", "package org.permerge.cli;\nimport org.permerge.notebook.Show;\nclass Main {}\n");
        assertEquals(List.of("org.permerge.extract -> org.permerge.notebook (Extraction.java → *)"), upwardToTop(g.edges));
        Map<String, Set<String>> may = Map.of("org.permerge.extract", Set.of("org.permerge.model"),
                "org.permerge.cli", Set.of("org.permerge.model"));
        assertEquals(List.of("org.permerge.cli -> org.permerge.notebook (Main.java → Show)",
                "org.permerge.extract -> org.permerge.notebook (Extraction.java → *)"), undeclared(g, may));
    }

    @Test
    void theMayImportParagraphIsRead() {
        String info = "/**\n * Step 1.\n *\n * <p>May import: {@code org.permerge.io}, {@code org.permerge.checkpoint},\n"
                + " * {@code org.permerge.model}.\n */\npackage org.permerge.extract;\n";
        assertEquals(new TreeSet<>(List.of("org.permerge.io", "org.permerge.checkpoint", "org.permerge.model")),
                PackageGraph.declaredImports(info));
        Set<String> none = PackageGraph.declaredImports("/**\n * Bottom.\n *\n * <p>May import: nothing from {@code org.permerge}.\n */\n");
        assertNotNull(none);
        assertTrue(none.isEmpty(), none.toString());
        assertEquals(null, PackageGraph.declaredImports("/** No declaration. */\npackage org.permerge.x;\n"));
        assertFalse(graph.packages.isEmpty());
    }

    @Test
    void printsTheGraph() {
        // the edges, for the record in the build log (issue 10 asks for the before/after graph)
        List<String> edges = graph.edgeList();
        System.out.println("package graph, " + edges.size() + " edges:\n  " + String.join("\n  ", edges));
        if (edges.isEmpty()) fail("no edges read from " + sources + ": the parser found no references at all");
    }
}
