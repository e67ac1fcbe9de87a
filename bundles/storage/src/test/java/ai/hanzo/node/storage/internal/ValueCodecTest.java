package ai.hanzo.node.storage.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.node.NodeMetrics;
import java.io.InputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ValueCodecTest {
    private static byte[] resource(String name) throws Exception {
        try (InputStream in = ValueCodecTest.class.getResourceAsStream("/schema/" + name)) {
            return in.readAllBytes();
        }
    }

    /**
     * Bytes written by schema version 1 are kept as files: every later node must still read them.
     */
    @Test
    void valuesWrittenWithSchemaVersionOneStayReadable() throws Exception {
        assertEquals(
                Fixtures.deploymentAsOfSchemaOne("golden"),
                ValueCodec.decodeDeployment(resource("deployment-v1.bin")));
        assertEquals(
                Fixtures.container("c-golden", "golden"),
                ValueCodec.decodeContainer(resource("container-v1.bin")));
    }

    /** Bytes written by schema version 2 (compose fields of issue 15) stay readable too. */
    @Test
    void valuesWrittenWithSchemaVersionTwoStayReadable() throws Exception {
        assertEquals(
                Fixtures.deployment("golden"),
                ValueCodec.decodeDeployment(resource("deployment-v2.bin")));
    }

    /** Schema version 3 keeps a container's restart count (older records read as 0 restarts). */
    @Test
    void aContainersRestartCountIsKept() throws Exception {
        var restarted = Fixtures.container("c-1", "d").withRestarts(5);
        assertEquals(restarted, ValueCodec.decodeContainer(ValueCodec.encodeContainer(restarted)));
        assertEquals(
                5, ValueCodec.decodeContainer(ValueCodec.encodeContainer(restarted)).restarts());
        assertEquals(0, ValueCodec.decodeContainer(resource("container-v1.bin")).restarts());
    }

    @Test
    void aValueFromANewerSchemaIsRefusedNotGuessed() throws Exception {
        byte[] newer = resource("deployment-v1.bin");
        newer[0] = (byte) (ValueCodec.SCHEMA_VERSION + 1);
        var e =
                assertThrows(
                        ValueCodec.UndecodableValueException.class,
                        () -> ValueCodec.decodeDeployment(newer));
        assertTrue(e.getMessage().contains("newer node"), e.getMessage());
    }

    @Test
    void aTruncatedValueIsRefused() throws Exception {
        byte[] full = resource("container-v1.bin");
        byte[] cut = Arrays.copyOf(full, full.length - 5);
        assertThrows(
                ValueCodec.UndecodableValueException.class, () -> ValueCodec.decodeContainer(cut));
    }

    @Test
    void metricsBucketsStoreOnlyThePresentSeconds() throws Exception {
        MetricsBucket bucket = new MetricsBucket(100);
        bucket.put(6000 + 3, new NodeMetrics(0.1, 0.2, 0.3, 4, 5, 6));
        bucket.put(6000 + 59, new NodeMetrics(1, 1, 1, 1, 1, 1));
        byte[] encoded = bucket.encode();
        assertEquals(MetricsBucket.HEADER_BYTES + 2 * MetricsBucket.SAMPLE_BYTES, encoded.length);
        var samples = new java.util.ArrayList<ai.hanzo.node.api.node.MetricsSample>();
        MetricsBucket.decode(100, encoded).collect(0, Long.MAX_VALUE, samples);
        assertEquals(2, samples.size());
        assertEquals(6003, samples.get(0).timestamp().getEpochSecond());
    }
}
