package org.permerge.cli;

import org.permerge.checkpoint.Provenance;
import picocli.CommandLine.Model.CommandSpec;

import java.util.ArrayList;
import java.util.List;

/** The start of a command's {@link Provenance}: its command line as the user typed it, this version and the git commit. */
final class RunProvenance {
    private RunProvenance() {}

    /** A record of the running command, started now; the project folder is {@code PERMERGE_HOME} or the working folder. */
    static Provenance start(CommandSpec spec) {
        List<String> words = new ArrayList<>(List.of("./permerge"));
        for (String a : spec.root().commandLine().getParseResult().originalArgs()) words.add(quoted(a));
        return Provenance.start(String.join(" ", words), CorpusCommand.projectRoot());
    }

    /** A word as a POSIX shell reads it back. */
    static String quoted(String word) {
        if (!word.isEmpty() && word.matches("[A-Za-z0-9_@%+=:,./-]+")) return word;
        return "'" + word.replace("'", "'\\''") + "'";
    }

    /** libtorch's intra-op threads (starts the engine if it is not running). */
    static int torchThreads() {
        if ("PyTorch".equals(ai.djl.engine.Engine.getInstance().getEngineName())) return ai.djl.pytorch.jni.JniUtils.getNumThreads();
        return Runtime.getRuntime().availableProcessors();
    }
}
