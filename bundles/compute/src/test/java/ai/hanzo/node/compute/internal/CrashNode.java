package ai.hanzo.node.compute.internal;

import static ai.hanzo.node.compute.internal.Fixtures.request;
import static ai.hanzo.node.compute.internal.Fixtures.sleeper;

import ai.hanzo.node.api.compute.DeploymentState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The node side of {@link RecoveryTest}: a forked JVM that runs the compute part of a node over a
 * data directory, deploys (unless the store already has the deployments), says {@code running} once
 * all are running and then waits to be killed with {@code kill -9}.
 */
public final class CrashNode {
    private CrashNode() {}

    /**
     * @param args the data directory, the number of deployments, the replicas of each
     * @throws Exception never expected
     */
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int deployments = Integer.parseInt(args[1]);
        int replicas = Integer.parseInt(args[2]);
        ComputeNode node = new ComputeNode(dir);
        for (int i = 0; i < deployments; i++) {
            String id = "crash-" + i;
            if (node.store.deployment(id).isEmpty()) {
                node.engine.deploy(request(id, Map.of("web", sleeper(replicas).build())));
            }
        }
        org.awaitility.Awaitility.await()
                .atMost(Duration.ofSeconds(60))
                .until(
                        () ->
                                node.engine.statuses().stream()
                                        .allMatch(
                                                s ->
                                                        s.state() == DeploymentState.RUNNING
                                                                && s.readyReplicas() == replicas));
        System.out.println("running");
        System.out.flush();
        // wait for the kill
        new java.util.concurrent.CountDownLatch(1).await();
    }
}
