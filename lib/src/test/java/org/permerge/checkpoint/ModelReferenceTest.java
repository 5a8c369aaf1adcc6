package org.permerge.checkpoint;

import org.permerge.model.EncoderCheckpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.permerge.testing.Fixtures;
import org.permerge.testing.HubCacheFixture;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** One resolver for every way a model is named: a folder, a weights file, or a hub id through the cache. */
class ModelReferenceTest {
    @TempDir
    Path tmp;

    @AfterEach
    void clear() {
        HubCacheFixture.clear();
    }

    @Test
    void localPathsWinAndHubIdsResolveToTheirSnapshot() throws Exception {
        Path tiny = Fixtures.hubert("hubert-tiny-base");
        assertEquals(tiny, ModelReference.resolve(tiny.toString()));
        assertEquals(tiny.resolve("model.safetensors"), ModelReference.resolve(tiny.resolve("model.safetensors").toString()));
        Path snap = HubCacheFixture.lay(tmp.resolve("hub"), "org/tiny", tiny);
        HubCacheFixture.useOffline(tmp.resolve("hub"));
        assertEquals(snap, ModelReference.resolve("org/tiny"));
        assertEquals(snap, ModelReference.resolve("org/tiny@" + HubCacheFixture.COMMIT), "a commit as the revision");
        assertEquals(snap, ModelReference.resolve("org/tiny@main"));
        // The system properties are what HubCache.fromEnvironment() reads: the cache given explicitly agrees.
        assertEquals(snap, ModelReference.resolve("org/tiny", new HubCache(tmp.resolve("hub"), java.net.URI.create("http://127.0.0.1:9"), true)));
        EncoderCheckpoint viaHub = EncoderCheckpoint.load("org/tiny");
        EncoderCheckpoint viaFolder = EncoderCheckpoint.load(tiny);
        for (String n : viaFolder.weights().names()) {
            assertArrayEquals(viaFolder.weights().get(n).toFloatArray(), viaHub.weights().get(n).toFloatArray(), 0f, n);
        }
    }

    @Test
    void whatCannotBeAModelIsNamedWithTheFormsExpected() {
        HubCacheFixture.useOffline(tmp.resolve("empty-hub"));
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> ModelReference.resolve("no_such_folder"));
        assertTrue(e.getMessage().contains("'no_such_folder' is neither an existing checkpoint folder or file nor a hub repo id"), e.getMessage());
        e = assertThrows(CheckpointFormatException.class, () -> ModelReference.resolve(" "));
        assertTrue(e.getMessage().contains("no model given"), e.getMessage());
        DownloadException d = assertThrows(DownloadException.class, () -> ModelReference.resolve("org/absent"));
        assertTrue(d.getMessage().contains("'org/absent' is not an existing local folder or file")
                && d.getMessage().contains("HF_HUB_OFFLINE is set"), d.getMessage());
        assertFalse(Files.exists(tmp.resolve("empty-hub")), "offline: nothing is written into the cache");
        assertTrue(ModelReference.isHubId("facebook/hubert-base-ls960@main"));
        assertFalse(ModelReference.isHubId("hubert-base-ls960"), "a bare name is a local path, not a hub id");
    }
}
