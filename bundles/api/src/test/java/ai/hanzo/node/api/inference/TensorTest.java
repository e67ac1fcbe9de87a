package ai.hanzo.node.api.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.util.List;
import org.junit.jupiter.api.Test;

class TensorTest {
    @Test
    void theCreatorCannotChangeATensorAfterwards() {
        ByteBuffer source = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        source.putFloat(1f).putFloat(2f).flip();
        Tensor tensor = new Tensor(DataType.FLOAT32, new long[] {2}, source);
        source.putFloat(0, 99f);
        assertArrayEquals(new float[] {1f, 2f}, tensor.toFloats());
        assertEquals(0, source.position(), "the given buffer is not consumed");
    }

    @Test
    void readersGetReadOnlyIndependentViews() {
        Tensor tensor = Tensor.ofLongs(new long[] {2}, new long[] {5, 6});
        ByteBuffer view = tensor.data();
        assertThrows(ReadOnlyBufferException.class, () -> view.putLong(0, 1));
        view.getLong();
        assertEquals(0, tensor.data().position(), "another view starts at the first element");
        assertArrayEquals(new long[] {5, 6}, tensor.toLongs());
    }

    @Test
    void theShapeIsCopiedBothWays() {
        long[] shape = {2};
        Tensor tensor = Tensor.ofFloats(shape, new float[] {1, 2});
        shape[0] = 7;
        tensor.shape()[0] = 9;
        assertArrayEquals(new long[] {2}, tensor.shape());
    }

    @Test
    void dataThatDoesNotFitTheShapeIsRefused() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> Tensor.ofFloats(new long[] {3}, new float[] {1, 2}));
        assertTrue(e.getMessage().contains("needs 12 bytes, got 8"), e.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> Tensor.ofFloats(new long[] {-1}, new float[0]));
    }

    @Test
    void stringTensorsRoundTrip() {
        Tensor tensor = Tensor.ofStrings(new long[] {2}, List.of("héllo", ""));
        assertEquals(List.of("héllo", ""), tensor.toStrings());
        assertEquals(2, tensor.elementCount());
        assertThrows(
                IllegalArgumentException.class,
                () -> Tensor.ofStrings(new long[] {3}, List.of("a")));
        assertEquals(0, DataType.STRING.bytes());
        assertFalse(DataType.STRING.fixedWidth());
        assertEquals(2, DataType.FLOAT16.bytes());
        assertEquals(2, DataType.BFLOAT16.bytes());
        assertEquals(1, DataType.INT8.bytes());
    }

    @Test
    void equalTensorsAndSpecsCompareByContent() {
        assertEquals(
                Tensor.ofFloats(new long[] {1, 2}, new float[] {1, 2}),
                Tensor.ofFloats(new long[] {1, 2}, new float[] {1, 2}));
        assertNotEquals(
                Tensor.ofFloats(new long[] {2, 1}, new float[] {1, 2}),
                Tensor.ofFloats(new long[] {1, 2}, new float[] {1, 2}));
        TensorSpec a = new TensorSpec("input_ids", DataType.INT64, new long[] {-1, -1});
        TensorSpec b = new TensorSpec("input_ids", DataType.INT64, new long[] {-1, -1});
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, new TensorSpec("input_ids", DataType.INT64, new long[] {-1, 3}));
    }

    @Test
    void aSpecAcceptsTensorsOfItsTypeAndRank() {
        TensorSpec spec = new TensorSpec("x", DataType.INT64, new long[] {-1, -1, 4});
        assertTrue(spec.accepts(Tensor.ofLongs(new long[] {2, 4}, new long[8]), false));
        assertTrue(spec.accepts(Tensor.ofLongs(new long[] {3, 2, 4}, new long[24]), true));
        assertFalse(spec.accepts(Tensor.ofLongs(new long[] {2, 3}, new long[6]), false));
        assertFalse(spec.accepts(Tensor.ofFloats(new long[] {2, 4}, new float[8]), false));
        assertFalse(spec.accepts(Tensor.ofLongs(new long[] {8}, new long[8]), false));
    }
}
