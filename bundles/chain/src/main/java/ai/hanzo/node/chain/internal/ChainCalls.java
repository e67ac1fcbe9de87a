package ai.hanzo.node.chain.internal;

import ai.hanzo.node.api.FailedPreconditionException;
import ai.hanzo.node.api.NodeException;
import ai.hanzo.node.api.UnavailableException;
import java.io.IOException;
import java.net.URI;
import org.web3j.protocol.core.Response;

/** One place that turns JSON-RPC failures into node errors that name the endpoint. */
final class ChainCalls {
    /** A JSON-RPC call that may fail with an I/O error. */
    interface Call<T> {
        T send() throws IOException;
    }

    private final URI endpoint;

    ChainCalls(URI endpoint) {
        this.endpoint = endpoint;
    }

    /** Runs a call; an I/O failure is UNAVAILABLE, a JSON-RPC error FAILED_PRECONDITION. */
    <R extends Response<?>> R call(String what, Call<R> call) {
        R response = raw(what, call);
        if (response.hasError()) {
            throw new FailedPreconditionException(
                    what + " failed at " + endpoint + ": " + response.getError().getMessage());
        }
        return response;
    }

    /** Runs a call; an I/O failure is UNAVAILABLE, a JSON-RPC error is left to the caller. */
    <R> R raw(String what, Call<R> call) {
        try {
            return call.send();
        } catch (IOException e) {
            throw unreachable(what, e);
        }
    }

    NodeException unreachable(String what, Exception e) {
        return new UnavailableException(
                "chain endpoint "
                        + endpoint
                        + " cannot be reached ("
                        + what
                        + ": "
                        + e.getClass().getSimpleName()
                        + (e.getMessage() == null ? "" : " " + e.getMessage())
                        + "); check that it runs and that rpcUrl is right",
                e);
    }

    URI endpoint() {
        return endpoint;
    }
}
