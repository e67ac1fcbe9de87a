package ai.hanzo.node.chain.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.chain.internal.contract.NodeRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The committed ABI/BIN are what the pinned solc makes of the source, and the wrapper uses them.
 */
class ContractArtifactsTest {
    private static final Path CONTRACTS =
            Path.of(System.getProperty("contracts.dir", "../../contracts"));

    @Test
    void committedAbiAndBinAreCurrent() throws Exception {
        Process check =
                new ProcessBuilder(
                                System.getProperty("node.executable", "node"),
                                "compile.mjs",
                                "--check")
                        .directory(CONTRACTS.toFile())
                        .redirectErrorStream(true)
                        .start();
        String output = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(check.waitFor(120, TimeUnit.SECONDS), "solc did not finish");
        assertEquals(
                0,
                check.exitValue(),
                "contracts/build is stale; run `npm --prefix contracts run compile`: " + output);
        assertTrue(output.contains("evmVersion paris"), output);
    }

    @Test
    void theGeneratedWrapperDeploysTheCommittedBytecode() throws Exception {
        String bin = Files.readString(CONTRACTS.resolve("build/NodeRegistry.bin")).strip();
        assertEquals(bin, NodeRegistry.BINARY);
    }
}
