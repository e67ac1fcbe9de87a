package ai.hanzo.node.chain.internal;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.OkHttpClient;
import org.web3j.protocol.http.HttpService;

/** web3j's HTTP transport that counts JSON-RPC requests, for the status and the benchmark. */
final class CountingHttpService extends HttpService {
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong calls = new AtomicLong();

    CountingHttpService(String url, OkHttpClient client) {
        super(url, client, false);
    }

    @Override
    protected InputStream performIO(String payload) throws IOException {
        requests.incrementAndGet();
        // a batch carries several calls in one request
        int methods = 0;
        for (int i = payload.indexOf("\"method\"");
                i >= 0;
                i = payload.indexOf("\"method\"", i + 1)) {
            methods++;
        }
        calls.addAndGet(Math.max(1, methods));
        return super.performIO(payload);
    }

    /** HTTP requests: round trips to the endpoint. */
    long requests() {
        return requests.get();
    }

    /** JSON-RPC calls, counting each call of a batch. */
    long calls() {
        return calls.get();
    }
}
