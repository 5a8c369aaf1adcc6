package org.permerge.spark;

import ai.djl.engine.Engine;
import org.apache.spark.TaskContext;
import org.permerge.audio.Manifest;

import java.nio.file.Path;

/** What every Spark task of the engines does first, on its executor: read the driver's manifest, pin its torch threads. */
final class TaskInputs {
    private TaskInputs() {}

    /**
     * The manifest at {@code path} as this executor sees it, refused when it is not the file the driver read
     * (its sha256); each clip's audio is checked against it when {@code verifyAudio}.
     */
    static Manifest manifest(String path, String driverSha256, boolean verifyAudio) {
        Manifest m = Manifest.read(Path.of(path), Manifest.ReadOptions.defaults().withVerifyAudio(verifyAudio));
        if (!m.checksum().equals(driverSha256)) {
            throw new IllegalStateException("manifest " + path + " as this executor reads it has sha256 " + m.checksum()
                    + ", but the driver read " + driverSha256 + ": every executor must see the same file");
        }
        return m;
    }

    /** Spark gives a task {@code spark.task.cpus} cores: more torch threads would fight the other tasks for them. */
    static void useTaskCores(TaskContext task) {
        if ("PyTorch".equals(Engine.getInstance().getEngineName())) {
            ai.djl.pytorch.jni.JniUtils.setNumThreads(task.cpus());
        }
    }
}
