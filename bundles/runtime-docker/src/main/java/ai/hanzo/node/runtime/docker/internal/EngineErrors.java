package ai.hanzo.node.runtime.docker.internal;

import ai.hanzo.node.api.ErrorCode;
import ai.hanzo.node.api.NodeException;
import com.github.dockerjava.api.exception.BadRequestException;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.exception.UnauthorizedException;
import java.io.IOException;
import java.net.SocketTimeoutException;

/** Turns what docker-java throws into the node's errors, with messages an operator can act on. */
final class EngineErrors {
    private final String where;

    /**
     * @param where the engine's address, for messages
     */
    EngineErrors(String where) {
        this.where = where;
    }

    /**
     * @param what what the node was doing, such as "create container web-1"
     * @param failure what docker-java threw
     * @return the node error to throw
     */
    NodeException map(String what, Throwable failure) {
        if (failure instanceof NodeException e) {
            return e;
        }
        String engineSays = engineMessage(failure);
        if (failure instanceof NotFoundException) {
            return new NodeException(ErrorCode.NOT_FOUND, what + ": " + engineSays, failure);
        }
        if (failure instanceof ConflictException) {
            return new NodeException(ErrorCode.ALREADY_EXISTS, what + ": " + engineSays, failure);
        }
        if (failure instanceof BadRequestException) {
            return new NodeException(ErrorCode.INVALID_ARGUMENT, what + ": " + engineSays, failure);
        }
        if (failure instanceof UnauthorizedException) {
            return new NodeException(
                    ErrorCode.PERMISSION_DENIED,
                    what + ": the registry refused the credentials: " + engineSays,
                    failure);
        }
        if (failure instanceof DockerException || failure instanceof NotModifiedException) {
            return new NodeException(
                    ErrorCode.INTERNAL, what + ": the engine says " + engineSays, failure);
        }
        if (isTimeout(failure)) {
            return new NodeException(
                    ErrorCode.DEADLINE_EXCEEDED,
                    what + ": the docker engine at " + where + " did not answer in time",
                    failure);
        }
        if (isIo(failure)) {
            return new NodeException(
                    ErrorCode.UNAVAILABLE,
                    what
                            + ": the docker engine at "
                            + where
                            + " cannot be reached: "
                            + rootText(failure),
                    failure);
        }
        return new NodeException(ErrorCode.INTERNAL, what + ": " + rootText(failure), failure);
    }

    /** The engine's own message without docker-java's "Status 404: {...}" wrapping. */
    static String engineMessage(Throwable failure) {
        String m = failure.getMessage() == null ? failure.toString() : failure.getMessage();
        int brace = m.indexOf("{\"message\":\"");
        if (brace >= 0) {
            int start = brace + "{\"message\":\"".length();
            int end = m.indexOf("\"}", start);
            if (end > start) {
                return m.substring(start, end).replace("\\\"", "\"");
            }
        }
        return m.replaceFirst("^Status \\d+: ", "").trim();
    }

    private static boolean isTimeout(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SocketTimeoutException
                    || c.getClass().getSimpleName().contains("Timeout")) {
                return true;
            }
        }
        return false;
    }

    private static boolean isIo(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof IOException) {
                return true;
            }
        }
        return false;
    }

    static String rootText(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
    }
}
