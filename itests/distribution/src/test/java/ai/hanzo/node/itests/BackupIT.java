package ai.hanzo.node.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code bin/hanzo-node backup} against the real distribution: a deployment made on a running node,
 * a backup taken while it runs, then a second node started with {@code --data-dir} at the backup
 * has the same node id and the deployment.
 */
class BackupIT {
    private static NodeProcess.Result cli(Path home, NodeProcess node, Path dataDir, String... args)
            throws Exception {
        List<String> command = new ArrayList<>(List.of(home.resolve("bin/hanzo-node").toString()));
        command.add(args[0]);
        command.addAll(
                List.of("--grpc-addr", node.grpcAddress(), "--data-dir", dataDir.toString()));
        command.addAll(List.of(args).subList(1, args.length));
        return NodeProcess.run(command, Map.of("HOME", home.toString()));
    }

    @Test
    void aBackupOfARunningNodeStartsAsTheSameNodeWithItsDeployment() throws Exception {
        Path home = NodeProcess.unpack("backup");
        Path data = home.resolve("data");
        Path backup = home.resolve("backup");
        Path compose = home.resolve("compose.yml");
        Files.writeString(
                compose,
                "name: kept\n"
                        + "services:\n"
                        + "  app:\n"
                        + "    entrypoint: [\"/bin/sh\", \"-c\", \"exec sleep 600\"]\n"
                        + "    labels:\n"
                        + "      hanzo.runtime: process\n",
                StandardCharsets.UTF_8);
        String nodeId;
        try (NodeProcess node = NodeProcess.start(home, List.of())) {
            node.awaitServing(Duration.ofMinutes(3));
            NodeProcess.Result deploy =
                    cli(home, node, data, "deploy", "-f", compose.toString(), "--id", "kept");
            assertEquals(0, deploy.exitCode(), deploy.output() + node.output());

            NodeProcess.Result taken =
                    cli(home, node, data, "backup", "--output-dir", backup.toString());
            assertEquals(0, taken.exitCode(), taken.output() + node.output());
            assertTrue(taken.output().contains("1 deployments"), taken.output());
            nodeId = Files.readString(data.resolve("node-id")).trim();
            assertTrue(taken.output().startsWith("Backed up node " + nodeId), taken.output());
        }
        assertTrue(Files.exists(backup.resolve("p2p/identity.key")));
        try (NodeProcess restored =
                NodeProcess.start(home, List.of("--data-dir", backup.toString()))) {
            restored.awaitServing(Duration.ofMinutes(3));
            NodeProcess.Result status = cli(home, restored, backup, "status", "-o", "json");
            assertEquals(0, status.exitCode(), status.output() + restored.output());
            assertTrue(status.output().contains("\"deployment_id\": \"kept\""), status.output());
            // the READY banner names the node id the restored node runs as
            assertTrue(restored.output().contains("node id   " + nodeId), restored.output());
        }
    }
}
