package ai.hanzo.node.inference.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.NodeException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** How a request failed. */
final class Failures {
    private Failures() {}

    static Throwable of(CompletionStage<?> stage) {
        ExecutionException e =
                assertThrows(
                        ExecutionException.class,
                        () -> stage.toCompletableFuture().get(60, TimeUnit.SECONDS));
        return e.getCause();
    }

    static void assertCode(Throwable failure, String code, String messagePart) {
        NodeException node =
                assertInstanceOf(NodeException.class, failure, String.valueOf(failure));
        assertEquals(code, node.code().name(), node.getMessage());
        assertTrue(
                node.getMessage().contains(messagePart),
                "'" + node.getMessage() + "' says '" + messagePart + "'");
    }
}
