package ai.hanzo.node.plugins.internal;

import ai.hanzo.node.api.Availability;
import ai.hanzo.node.api.plugin.PluginDescriptor;
import ai.hanzo.node.api.plugin.PluginInfo;
import ai.hanzo.node.api.plugin.PluginState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.osgi.framework.Bundle;

/** What the extender knows about one plugin bundle; every method is synchronized on the record. */
final class PluginRecord {
    /** Why a plugin is failed, and whether a restart of the bundle clears it. */
    record Failure(String reason, boolean sticky) {}

    private final Bundle bundle;
    private final PluginDescriptor descriptor;
    // service id -> capability key and what its self-test said (null while it runs)
    private final Map<Long, String> keys = new LinkedHashMap<>();
    private final Map<Long, Availability> availability = new LinkedHashMap<>();
    private Failure failure;
    private int consecutiveFailures;
    private int totalFailures;
    private boolean starting;
    private boolean activationProbed;
    private Set<String> packages = Set.of();
    private PluginState lastState;
    private Instant since = Instant.now();

    PluginRecord(Bundle bundle, PluginDescriptor descriptor) {
        this.bundle = bundle;
        this.descriptor = descriptor;
    }

    Bundle bundle() {
        return bundle;
    }

    PluginDescriptor descriptor() {
        return descriptor;
    }

    synchronized void contributionAdded(long serviceId, String key) {
        keys.put(serviceId, key);
        availability.put(serviceId, null);
    }

    synchronized void contributionTested(long serviceId, Availability result) {
        if (keys.containsKey(serviceId)) {
            availability.put(serviceId, result);
        }
    }

    synchronized void contributionRemoved(long serviceId) {
        keys.remove(serviceId);
        availability.remove(serviceId);
    }

    synchronized Failure failure() {
        return failure;
    }

    synchronized void fail(String reason, boolean sticky) {
        if (failure == null || !failure.sticky() || sticky) {
            failure = new Failure(reason, sticky);
        }
    }

    /** Clears a failure that a successful start or resolution proves wrong. */
    synchronized void clearTransientFailure() {
        if (failure != null && !failure.sticky()) {
            failure = null;
        }
    }

    /**
     * @return whether this failure makes the plugin reach the limit
     */
    synchronized boolean callFailed(int limit) {
        totalFailures++;
        consecutiveFailures++;
        return consecutiveFailures >= limit;
    }

    synchronized void callSucceeded() {
        consecutiveFailures = 0;
    }

    synchronized int consecutiveFailures() {
        return consecutiveFailures;
    }

    synchronized void starting(boolean value) {
        starting = value;
    }

    synchronized boolean wasStarting() {
        return starting;
    }

    /**
     * @return true the first time only: the activation failure is probed once per install
     */
    synchronized boolean claimActivationProbe() {
        if (activationProbed) {
            return false;
        }
        activationProbed = true;
        return true;
    }

    synchronized void resetActivationProbe() {
        activationProbed = false;
    }

    synchronized void packages(Set<String> value) {
        packages = Set.copyOf(value);
    }

    synchronized Set<String> packages() {
        return packages;
    }

    synchronized PluginState state() {
        if (failure != null) {
            return PluginState.FAILED;
        }
        if (bundle.getState() != Bundle.ACTIVE) {
            return PluginState.INSTALLED;
        }
        boolean pending = false;
        for (Availability result : availability.values()) {
            if (result == null) {
                pending = true;
            } else if (!result.available()) {
                return PluginState.UNAVAILABLE;
            }
        }
        // started, but not ACTIVE before its runtimes and engines passed their self-tests
        return pending ? PluginState.INSTALLED : PluginState.ACTIVE;
    }

    private String reason() {
        if (failure != null) {
            return failure.reason();
        }
        for (Map.Entry<Long, Availability> entry : availability.entrySet()) {
            Availability result = entry.getValue();
            if (result != null && !result.available()) {
                return keys.get(entry.getKey()) + ": " + result.reason();
            }
        }
        return "";
    }

    /**
     * @return the new state when it differs from the one last reported, else null
     */
    synchronized PluginState stateChange() {
        PluginState now = state();
        if (now == lastState) {
            return null;
        }
        lastState = now;
        since = Instant.now();
        return now;
    }

    synchronized PluginInfo info() {
        List<String> provides = new ArrayList<>();
        if (bundle.getState() == Bundle.ACTIVE && failure == null) {
            for (Map.Entry<Long, String> entry : keys.entrySet()) {
                Availability result = availability.get(entry.getKey());
                if (result != null && result.available()) {
                    provides.add(entry.getValue());
                }
            }
        }
        return new PluginInfo(
                bundle.getBundleId(),
                bundle.getLocation(),
                descriptor,
                state(),
                reason(),
                totalFailures,
                provides,
                since);
    }
}
