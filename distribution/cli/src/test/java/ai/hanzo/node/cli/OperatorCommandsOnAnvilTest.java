package ai.hanzo.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.chain.internal.StandaloneChainClient;
import ai.hanzo.node.launcher.HanzoNodeLauncher;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.math.ec.rfc8032.Ed25519;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.WalletUtils;
import org.web3j.utils.Numeric;

/**
 * {@code chain deploy-contract} and {@code operator ...} through the launcher's real command line
 * against a real anvil: offline with a node's data directory, and through a node's OperatorService.
 */
class OperatorCommandsOnAnvilTest {
    private static final long CHAIN_ID = 7788;
    private static final String PASSWORD = "operator-cli-password-93be";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir static Path temp;
    private static TestAnvil anvil;
    private static String contract;
    private static Path passwordFile;

    record Result(int code, String out, String err) {
        JsonNode json() throws Exception {
            return JSON.readTree(out);
        }
    }

    @BeforeAll
    static void deployTheRegistryWithTheCli() throws Exception {
        anvil = new TestAnvil(CHAIN_ID);
        passwordFile = temp.resolve("password");
        Files.writeString(passwordFile, PASSWORD + "\n");
        Files.setPosixFilePermissions(passwordFile, PosixFilePermissions.fromString("rw-------"));
        Path keyFile = temp.resolve("deployer.hex");
        Files.writeString(keyFile, "0x" + TestAnvil.DEPLOYER_KEY);
        Path deployer = temp.resolve("deployer.json");
        Result imported =
                run(
                        Map.of(),
                        null,
                        "wallet",
                        "import",
                        "--private-key-file",
                        keyFile.toString(),
                        "--keystore",
                        deployer.toString(),
                        "--password-file",
                        passwordFile.toString());
        assertEquals(0, imported.code(), imported.err());

        Result deployed =
                run(
                        Map.of(),
                        null,
                        "chain",
                        "deploy-contract",
                        "--rpc-url",
                        anvil.url(),
                        "--chain-id",
                        Long.toString(CHAIN_ID),
                        "--keystore",
                        deployer.toString(),
                        "--password-file",
                        passwordFile.toString(),
                        "--min-stake",
                        "1lux",
                        "--unbonding-delay",
                        "3600",
                        "--yes",
                        "--output",
                        "json");
        assertEquals(0, deployed.code(), deployed.err());
        JsonNode json = deployed.json();
        contract = json.get("contract_address").asText();
        assertTrue(json.get("transaction").get("mined").asBoolean());
        // the printed address holds the registry's code
        String code = anvil.rpc("eth_getCode", contract, "latest").asText();
        assertTrue(code.length() > 1000, code);
    }

    @AfterAll
    static void stopAnvil() throws Exception {
        if (anvil != null) {
            anvil.close();
        }
    }

    @AfterEach
    void restoreStdin() {
        Terminal.stdin = System.in;
    }

    private static Result run(Map<String, String> env, String stdin, String... args)
            throws Exception {
        Terminal.stdin =
                new ByteArrayInputStream(
                        (stdin == null ? "" : stdin).getBytes(StandardCharsets.UTF_8));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Map<String, String> all = new HashMap<>(env);
        all.putIfAbsent("HOME", temp.toString());
        int code =
                HanzoNodeLauncher.runClient(
                        args,
                        all,
                        Map.of(),
                        new PrintWriter(out, true),
                        new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    /** A node's data directory as a node that has run leaves it: node-id and its p2p key. */
    private static Path nodeDataDir(String name) throws Exception {
        Path data = Files.createDirectories(temp.resolve(name));
        Files.writeString(data.resolve("node-id"), name + "\n");
        byte[] seed = new byte[32];
        new SecureRandom().nextBytes(seed);
        byte[] publicKey = new byte[32];
        Ed25519.generatePublicKey(seed, 0, publicKey, 0);
        byte[] key = new byte[4 + 64];
        key[0] = 0x08;
        key[1] = 0x01;
        key[2] = 0x12;
        key[3] = 64;
        System.arraycopy(seed, 0, key, 4, 32);
        System.arraycopy(publicKey, 0, key, 36, 32);
        Files.createDirectories(data.resolve("p2p"));
        Files.write(data.resolve("p2p/identity.key"), key);
        return data;
    }

    /** A light-scrypt keystore (fast to decrypt in tests) for one of anvil's accounts. */
    private static Path keystore(String privateKeyHex) throws Exception {
        Path dir = Files.createDirectories(temp.resolve("keys-" + privateKeyHex.substring(0, 8)));
        String name =
                WalletUtils.generateWalletFile(
                        PASSWORD,
                        ECKeyPair.create(Numeric.toBigInt(privateKeyHex)),
                        dir.toFile(),
                        false);
        return dir.resolve(name);
    }

    private static List<String> chainFlags(Path keystore, Path data, String... more) {
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "--rpc-url",
                                anvil.url(),
                                "--chain-id",
                                Long.toString(CHAIN_ID),
                                "--contract",
                                contract,
                                "--keystore",
                                keystore.toString(),
                                "--password-file",
                                passwordFile.toString(),
                                "--data-dir",
                                data.toString()));
        args.addAll(List.of(more));
        return args;
    }

    private static Result operator(String command, List<String> flags) throws Exception {
        return operator(command, flags, null);
    }

    private static Result operator(String command, List<String> flags, String stdin)
            throws Exception {
        List<String> args = new ArrayList<>(List.of("operator", command));
        args.addAll(flags);
        return run(Map.of(), stdin, args.toArray(String[]::new));
    }

    @Test
    void offlineLifecycleAgainstTheDataDirectoryWithAmountsInWeiAndLux() throws Exception {
        Path data = nodeDataDir("cli-node-offline");
        Path key = keystore(TestAnvil.OPERATOR_KEY);
        String expectedPeerId = NodeFiles.peerId(data);
        assertTrue(expectedPeerId.startsWith("12D3KooW"), expectedPeerId);

        Result before = operator("status", chainFlags(key, data, "--output", "json"));
        assertEquals(0, before.code(), before.err());
        JsonNode status = before.json();
        assertFalse(status.get("registered").asBoolean());
        assertEquals("cli-node-offline", status.get("node_id").asText());
        assertEquals(CHAIN_ID, status.get("chain_id").asLong());
        assertTrue(status.get("synced").asBoolean());
        // the OperatorStatusResponse field names, every field present
        for (String field :
                List.of(
                        "operator_address",
                        "registered",
                        "stake_wei",
                        "pending_withdrawal_wei",
                        "withdrawable_at",
                        "slashed",
                        "chain_id",
                        "block_height",
                        "synced",
                        "node_id",
                        "peer_id",
                        "endpoint",
                        "problem")) {
            assertTrue(status.has(field), field + " in " + status);
        }

        // asked, answered no: nothing is sent
        Result declined =
                operator(
                        "register",
                        chainFlags(
                                key,
                                data,
                                "--stake",
                                "1.5lux",
                                "--endpoint",
                                "/ip4/127.0.0.1/tcp/9100"),
                        "n\n");
        assertEquals(2, declined.code());
        assertTrue(declined.err().contains("1500000000000000000 wei (1.5 LUX)"), declined.err());
        assertTrue(declined.err().contains("not confirmed"), declined.err());
        assertFalse(
                operator("status", chainFlags(key, data, "-o", "json"))
                        .json()
                        .get("registered")
                        .asBoolean());

        // asked, answered yes
        Result registered =
                operator(
                        "register",
                        chainFlags(
                                key,
                                data,
                                "--stake",
                                "1.5lux",
                                "--endpoint",
                                "/ip4/127.0.0.1/tcp/9100",
                                "-o",
                                "json"),
                        "y\n");
        assertEquals(0, registered.code(), registered.err());
        JsonNode tx = registered.json();
        assertTrue(tx.get("mined").asBoolean());
        assertEquals("register", tx.get("action").asText());
        assertTrue(tx.get("transaction_hash").asText().matches("0x[0-9a-f]{64}"));

        JsonNode after = operator("status", chainFlags(key, data, "-o", "json")).json();
        assertTrue(after.get("registered").asBoolean());
        assertEquals("1500000000000000000", after.get("stake_wei").asText());
        assertEquals(expectedPeerId, after.get("peer_id").asText());
        assertEquals("/ip4/127.0.0.1/tcp/9100", after.get("endpoint").asText());
        // the registry finds the node by the peer id derived from the data directory's key
        try (StandaloneChainClient reader =
                StandaloneChainClient.open(
                        new StandaloneChainClient.Options(
                                "local", anvil.url(), CHAIN_ID, contract, null, null, null, "", 0),
                        "reader",
                        "",
                        name -> null)) {
            assertEquals(
                    new java.math.BigInteger("1500000000000000000"),
                    reader.staking().peerStake(expectedPeerId).orElseThrow().stake());
        }

        Result added =
                operator("stake", chainFlags(key, data, "--amount", "500000000000000000", "--yes"));
        assertEquals(0, added.code(), added.err());
        assertTrue(added.out().contains("addStake mined in block"), added.out());
        Result unstaked = operator("unstake", chainFlags(key, data, "--amount", "0.5lux", "--yes"));
        assertEquals(0, unstaked.code(), unstaked.err());

        Result locked = operator("withdraw", chainFlags(key, data, "--yes"));
        assertEquals(1, locked.code());
        assertTrue(locked.err().contains("WithdrawalLocked"), locked.err());
        assertTrue(locked.err().contains("nothing was sent"), locked.err());

        anvil.rpc("evm_increaseTime", 3601);
        anvil.rpc("evm_mine");
        Result withdrawn = operator("withdraw", chainFlags(key, data, "--yes", "-o", "json"));
        assertEquals(0, withdrawn.code(), withdrawn.err());
        assertEquals("withdraw", withdrawn.json().get("action").asText());

        Result updated =
                operator(
                        "update",
                        chainFlags(
                                key, data, "--endpoint", "/dns4/node.example/tcp/9000", "--yes"));
        assertEquals(0, updated.code(), updated.err());
        Result table = operator("status", chainFlags(key, data));
        assertEquals(0, table.code(), table.err());
        assertTrue(table.out().contains("/dns4/node.example/tcp/9000"), table.out());
        assertTrue(table.out().contains("1500000000000000000 wei (1.5 LUX)"), table.out());

        Result deregistered = operator("deregister", chainFlags(key, data, "--yes"));
        assertEquals(0, deregistered.code(), deregistered.err());
        JsonNode gone = operator("status", chainFlags(key, data, "-o", "json")).json();
        assertFalse(gone.get("registered").asBoolean());
        assertEquals("1500000000000000000", gone.get("pending_withdrawal_wei").asText());

        // neither the password nor the key ever reaches the output
        for (Result r :
                List.of(
                        before,
                        declined,
                        registered,
                        added,
                        unstaked,
                        locked,
                        withdrawn,
                        updated,
                        table,
                        deregistered)) {
            assertFalse((r.out() + r.err()).contains(PASSWORD));
            assertFalse((r.out() + r.err()).contains(TestAnvil.OPERATOR_KEY));
        }
    }

    @Test
    void throughTheNodesOperatorServiceWithEnvironmentSettings() throws Exception {
        Path data = nodeDataDir("cli-node-remote");
        Path key = keystore(TestAnvil.SECOND_OPERATOR_KEY);
        try (StandaloneChainClient chain =
                        StandaloneChainClient.open(
                                new StandaloneChainClient.Options(
                                        "local",
                                        anvil.url(),
                                        CHAIN_ID,
                                        contract,
                                        key,
                                        passwordFile,
                                        null,
                                        "/ip4/127.0.0.1/tcp/9200",
                                        0),
                                "cli-node-remote",
                                NodeFiles.peerId(data),
                                name -> null);
                TestOperatorServer node = new TestOperatorServer(chain)) {
            Map<String, String> env =
                    Map.of(
                            "HANZO_GRPC_ADDR",
                            node.address(),
                            "HANZO_API_KEY",
                            TestOperatorServer.KEY);
            Result registered =
                    run(
                            env,
                            null,
                            "operator",
                            "register",
                            "--stake",
                            "2lux",
                            "--yes",
                            "-o",
                            "json");
            assertEquals(0, registered.code(), registered.err());
            assertTrue(registered.json().get("mined").asBoolean());

            Result status = run(env, null, "operator", "status", "--output", "json");
            assertEquals(0, status.code(), status.err());
            JsonNode json = status.json();
            assertTrue(json.get("registered").asBoolean());
            assertEquals("2000000000000000000", json.get("stake_wei").asText());
            assertEquals("cli-node-remote", json.get("node_id").asText());

            // a revert through the node: FAILED_PRECONDITION with the decoded reason, exit 1
            Result tooMuch = run(env, null, "operator", "unstake", "--amount", "1.5lux", "--yes");
            assertEquals(1, tooMuch.code());
            assertTrue(tooMuch.err().contains("StakeBelowMinimum"), tooMuch.err());

            // chain flags are for the offline path only
            Result mixed = run(env, null, "operator", "status", "--contract", contract);
            assertEquals(2, mixed.code());
            assertTrue(mixed.err().contains("go with --rpc-url"), mixed.err());

            Result wrongKey =
                    run(
                            Map.of("HANZO_GRPC_ADDR", node.address(), "HANZO_API_KEY", "wrong"),
                            null,
                            "operator",
                            "status");
            assertEquals(4, wrongKey.code(), wrongKey.err());
        }
    }

    @Test
    void badAmountsConflictingFlagsAndADeadEndpointAreClearErrors() throws Exception {
        Path data = nodeDataDir("cli-node-bad");
        Path key = keystore(TestAnvil.OPERATOR_KEY);
        for (String amount : List.of("1.5", "abc", "0", "-3", "1.0000000000000000001lux")) {
            Result bad = operator("register", chainFlags(key, data, "--stake", amount, "--yes"));
            assertEquals(2, bad.code(), amount);
            assertTrue(bad.err().contains("--stake"), bad.err());
        }
        Result both = operator("status", chainFlags(key, data, "--grpc-addr", "127.0.0.1:1"));
        assertEquals(2, both.code());
        assertTrue(both.err().contains("exclude each other"), both.err());

        Result noNode = operator("status", chainFlags(key, temp.resolve("never-ran")));
        assertEquals(2, noNode.code());
        assertTrue(noNode.err().contains("no node id"), noNode.err());

        Result noContract =
                run(
                        Map.of(
                                "HANZO_CHAIN_RPC_URL", anvil.url(),
                                "HANZO_CHAIN_ID", Long.toString(CHAIN_ID)),
                        null,
                        "operator",
                        "status",
                        "--data-dir",
                        data.toString());
        assertEquals(2, noContract.code());
        assertTrue(noContract.err().contains("--contract"), noContract.err());

        Result wrongChain =
                run(
                        Map.of(
                                "HANZO_CHAIN_RPC_URL",
                                anvil.url(),
                                "HANZO_CHAIN_ID",
                                "1234",
                                "HANZO_CHAIN_CONTRACT",
                                contract,
                                "HANZO_CHAIN_KEYSTORE",
                                key.toString(),
                                "HANZO_CHAIN_PASSWORD",
                                PASSWORD),
                        null,
                        "operator",
                        "stake",
                        "--amount",
                        "1lux",
                        "--yes",
                        "--data-dir",
                        data.toString());
        assertEquals(1, wrongChain.code());
        assertTrue(wrongChain.err().contains("serves chain id " + CHAIN_ID), wrongChain.err());
        assertTrue(wrongChain.err().contains("nothing was sent"), wrongChain.err());

        String dead = "http://127.0.0.1:" + TestAnvil.freePort();
        List<String> deadFlags = new ArrayList<>(chainFlags(key, data));
        deadFlags.set(1, dead);
        Result unreachable = operator("status", deadFlags);
        assertEquals(3, unreachable.code(), unreachable.err());
        assertNotEquals("", unreachable.err().strip());
    }
}
