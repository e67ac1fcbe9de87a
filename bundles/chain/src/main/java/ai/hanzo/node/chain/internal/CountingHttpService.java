package ai.hanzo.node.chain.internal;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import okhttp3.OkHttpClient;
import org.web3j.protocol.http.HttpService;

/** web3j's HTTP transport that counts JSON-RPC requests, for the status and the benchmark. */
final class CountingHttpService extends HttpService {
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong calls = new AtomicLong();
    private final Map<String, LongAdder> callsByMethod = new ConcurrentHashMap<>();

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
            callsByMethod.computeIfAbsent(methodAt(payload, i), m -> new LongAdder()).increment();
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

    /** JSON-RPC calls of one method, such as {@code eth_estimateGas}. */
    long calls(String method) {
        LongAdder count = callsByMethod.get(method);
        return count == null ? 0 : count.sum();
    }

    // the name in `"method" : "eth_call"` starting at the key's index; "" when it is not a string
    private static String methodAt(String payload, int keyIndex) {
        int open = payload.indexOf('"', payload.indexOf(':', keyIndex) + 1);
        int close = open < 0 ? -1 : payload.indexOf('"', open + 1);
        return close < 0 ? "" : payload.substring(open + 1, close);
    }
}
