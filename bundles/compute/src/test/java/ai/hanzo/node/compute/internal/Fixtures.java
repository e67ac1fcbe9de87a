package ai.hanzo.node.compute.internal;

import ai.hanzo.node.api.compute.ComposeSpec;
import ai.hanzo.node.api.compute.DeploymentOptions;
import ai.hanzo.node.api.compute.DeploymentRequest;
import ai.hanzo.node.api.compute.ServiceSpec;
import ai.hanzo.node.api.runtime.ContainerState;
import ai.hanzo.node.api.runtime.ContainerStatus;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Requests and helpers shared by the tests. */
final class Fixtures {
    private static final Pattern PID = Pattern.compile("\\(pid (\\d+)\\)");

    private Fixtures() {}

    static DeploymentRequest request(String id, Map<String, ServiceSpec> services) {
        return new DeploymentRequest(
                id,
                "",
                new ComposeSpec("3.8", id, services, Map.of(), Map.of()),
                Map.of(),
                DeploymentOptions.onRuntime("process"));
    }

    static ServiceSpec.Builder sleeper(int replicas) {
        return ServiceSpec.builder("/bin/sleep").command("1000").replicas(replicas);
    }

    static ServiceSpec.Builder shell(String script) {
        return ServiceSpec.builder("/bin/sh").command("-c", script);
    }

    /** The pid of a running process container, from its status text. */
    static long pid(ContainerStatus c) {
        Matcher m = PID.matcher(c.status());
        if (c.state() != ContainerState.RUNNING || !m.find()) {
            throw new IllegalStateException("not running: " + c);
        }
        return Long.parseLong(m.group(1));
    }

    static List<Long> runningPids(List<ContainerStatus> containers) {
        return containers.stream()
                .filter(c -> c.state() == ContainerState.RUNNING)
                .map(Fixtures::pid)
                .sorted()
                .toList();
    }

    static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
}
