package org.permerge.study;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.permerge.model.EncoderCheckpoint;
import org.permerge.testing.Fixtures;
import org.permerge.testing.HubCacheFixture;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** A study preset names its models as the command line does: a path relative to the project, or a hub repo id. */
class StudyInputsModelTest {
    @TempDir
    Path tmp;

    @AfterEach
    void clear() {
        HubCacheFixture.clear();
    }

    @Test
    void aPresetModelMayBeAHubIdOrAProjectPath() {
        Path tiny = Fixtures.hubert("hubert-tiny-base");
        Path snap = HubCacheFixture.lay(tmp.resolve("hub"), "org/tiny-study", tiny);
        HubCacheFixture.useOffline(tmp.resolve("hub"));
        Path project = tmp.resolve("project");
        StudyConfig.ModelSource hub = new StudyConfig.ModelSource("org/tiny-study", null, "hub model");
        assertEquals(snap, StudyInputs.modelPath(hub, project));
        EncoderCheckpoint fromHub = StudyInputs.load(hub, project);
        EncoderCheckpoint fromFolder = EncoderCheckpoint.load(tiny);
        assertEquals(fromFolder.config(), fromHub.config());
        for (String n : fromFolder.weights().names()) {
            assertArrayEquals(fromFolder.weights().get(n).toFloatArray(), fromHub.weights().get(n).toFloatArray(), 0f, n);
        }
        // An absolute path is taken as it is.
        assertEquals(tiny, StudyInputs.modelPath(new StudyConfig.ModelSource(tiny.toString(), null, "folder"), project));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StudyInputs.modelPath(new StudyConfig.ModelSource("missing_model", null, "typo"), project));
        assertTrue(e.getMessage().contains("model typo: no checkpoint at " + project.resolve("missing_model")), e.getMessage());
    }
}
