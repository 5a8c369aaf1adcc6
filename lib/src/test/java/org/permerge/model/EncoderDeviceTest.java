package org.permerge.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class EncoderDeviceTest {
    @Test
    void namesResolveToDjlDevices() {
        assertNull(EncoderDevice.resolve("auto"), "auto leaves the choice to the engine");
        assertNull(EncoderDevice.resolve(null));
        assertEquals(Device.cpu(), EncoderDevice.resolve(" CPU "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EncoderDevice.resolve("tpu"));
        assertTrue(e.getMessage().contains("'tpu'") && e.getMessage().contains(EncoderDevice.NAMES), e.getMessage());
    }

    @Test
    void gpuIsTheEnginesGpuOrAClearErrorSayingHowToGetOne() {
        if (Engine.getInstance().getGpuCount() > 0) {
            assertEquals(Device.gpu(), EncoderDevice.resolve("gpu"));
        } else {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EncoderDevice.resolve("gpu"));
            assertTrue(e.getMessage().contains("sees no GPU") && e.getMessage().contains("-Pgpu")
                    && e.getMessage().contains("DJL_OFFLINE=false"), e.getMessage());
        }
    }

    @Test
    void anEncoderOnTheCpuReportsIt() {
        EncoderConfig c = EncoderConfig.read(org.permerge.testing.Fixtures.hubert("hubert-tiny-base").resolve("config.json"));
        try (HubertEncoder e = HubertEncoder.create(c, org.permerge.permute.RandomWeights.create(c, 3), EncoderDevice.resolve("cpu"))) {
            assertEquals(Device.cpu(), e.device());
        }
    }
}
