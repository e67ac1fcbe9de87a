package ai.hanzo.node.chain.internal;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.OkHttpClient;
import org.web3j.protocol.http.HttpService;

/** web3j's HTTP transport that counts JSON-RPC requests, for the status and the benchmark. */
final class CountingHttpService extends HttpService {
    private final AtomicLong requests = new AtomicLong();

    CountingHttpService(String url, OkHttpClient client) {
        super(url, client, false);
    }

    @Override
    protected InputStream performIO(String payload) throws IOException {
        requests.incrementAndGet();
        return super.performIO(payload);
    }

    long requests() {
        return requests.get();
    }
}
