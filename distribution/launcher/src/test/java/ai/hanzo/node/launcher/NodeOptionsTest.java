package ai.hanzo.node.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeOptionsTest {
    private static NodeOptions parse(
            List<String> args, Map<String, String> env, Map<String, String> conf)
            throws UsageException {
        return NodeOptions.parse(args, env, conf);
    }

    @Test
    void flagWinsOverEnvWhichWinsOverConfWhichWinsOverDefault() throws Exception {
        Map<String, String> conf =
                Map.of(
                        "HANZO_GRPC_ADDR",
                        "127.0.0.1:1111",
                        "HANZO_HTTP_ADDR",
                        "127.0.0.1:2222",
                        "HANZO_NETWORK_ID",
                        "from-conf");
        Map<String, String> env =
                Map.of("HANZO_GRPC_ADDR", "127.0.0.1:3333", "HANZO_NETWORK_ID", "from-env");
        NodeOptions options = parse(List.of("--network-id", "from-flag"), env, conf);
        assertEquals("from-flag", options.value(Flag.NETWORK_ID));
        assertEquals("127.0.0.1:3333", options.value(Flag.GRPC_ADDR));
        assertEquals("127.0.0.1:2222", options.value(Flag.HTTP_ADDR));
        assertEquals("/ip4/0.0.0.0/tcp/9000", options.value(Flag.P2P_ADDR));
        assertEquals("./data", options.value(Flag.DATA_DIR));
    }

    @Test
    void controlListenersDefaultToLoopback() throws Exception {
        NodeOptions options = parse(List.of(), Map.of(), Map.of());
        assertEquals("127.0.0.1:50051", options.value(Flag.GRPC_ADDR));
        assertEquals("127.0.0.1:8080", options.value(Flag.HTTP_ADDR));
    }

    @Test
    void bootstrapRepeatsAsFlagsAndIsCommaSeparatedInTheEnvironment() throws Exception {
        String a = "/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWA";
        String b = "/dns4/boot.example/tcp/4001";
        assertEquals(
                List.of(a, b),
                parse(List.of("--bootstrap", a, "--bootstrap=" + b), Map.of(), Map.of())
                        .list(Flag.BOOTSTRAP));
        assertEquals(
                List.of(a, b),
                parse(List.of(), Map.of("HANZO_BOOTSTRAP", a + " , " + b), Map.of())
                        .list(Flag.BOOTSTRAP));
    }

    @Test
    void helpAndVersionDoNotValidateTheRest() throws Exception {
        assertEquals(
                Flag.HELP,
                parse(List.of("--help"), Map.of("HANZO_GRPC_ADDR", "nonsense"), Map.of()).action());
        assertEquals(Flag.VERSION, parse(List.of("--version"), Map.of(), Map.of()).action());
        assertNull(parse(List.of(), Map.of(), Map.of()).action());
    }

    @Test
    void badInputIsAUsageErrorThatNamesTheSetting() {
        Map<List<String>, String> cases =
                Map.of(
                        List.of("--grpc-addr"), "--grpc-addr needs a value",
                        List.of("--grpc-addr", "--mlx"), "--grpc-addr needs a value",
                        List.of("--p2p-addr", "/ip4/1.2.3.4/udp/9000"),
                                "invalid --p2p-addr / HANZO_P2P_ADDR",
                        List.of("--bootstrap", "12D3KooW"), "invalid --bootstrap / HANZO_BOOTSTRAP",
                        List.of("--log-level", "loud"),
                                "invalid --log-level / HANZO_LOG_LEVEL 'loud'",
                        List.of("--node-id", "../etc"),
                                "invalid --node-id / HANZO_NODE_ID '../etc'",
                        List.of("--http-addr", "127.0.0.1:-1"), "port -1 is outside 0-65535",
                        List.of("stray"), "unexpected argument 'stray'",
                        List.of("--reset-store=maybe"), "expected true or false");
        cases.forEach(
                (args, expected) -> {
                    UsageException error =
                            assertThrows(
                                    UsageException.class,
                                    () -> parse(args, Map.of(), Map.of()),
                                    args::toString);
                    assertTrue(
                            error.getMessage().contains(expected),
                            args + " -> " + error.getMessage());
                });
    }

    @Test
    void systemPropertiesPutKarafStateInsideTheDataDirectory() throws Exception {
        NodeOptions options =
                parse(
                        List.of("--data-dir", "state", "--log-level", "debug", "--reset-store"),
                        Map.of(),
                        Map.of());
        Map<String, String> properties = options.systemProperties(Path.of("/srv/node"));
        assertEquals("/srv/node/state", properties.get("hanzo.data.dir"));
        assertEquals("/srv/node/state", properties.get("karaf.data"));
        assertEquals("/srv/node/state/log", properties.get("karaf.log"));
        assertEquals("DEBUG", properties.get("hanzo.log.level"));
        assertEquals("true", properties.get("hanzo.store.reset"));
        assertEquals("false", properties.get("hanzo.mlx"));
        assertEquals("true", properties.get("hanzo.p2p.mdns"));
        // Karaf's local console is off unless asked for, by flag or environment
        assertEquals("false", properties.get("karaf.startLocalConsole"));
        assertEquals(
                "true",
                parse(List.of("--console"), Map.of(), Map.of())
                        .systemProperties(Path.of("/"))
                        .get("karaf.startLocalConsole"));
        assertEquals(
                "true",
                parse(List.of(), Map.of("HANZO_CONSOLE", "true"), Map.of())
                        .systemProperties(Path.of("/"))
                        .get("karaf.startLocalConsole"));
        assertEquals(
                "false",
                parse(List.of("--mdns=false"), Map.of(), Map.of())
                        .systemProperties(Path.of("/"))
                        .get("hanzo.p2p.mdns"));
    }

    @Test
    void helpNamesEveryFlagAndItsEnvironmentVariable() throws Exception {
        StringWriter buffer = new StringWriter();
        int code =
                HanzoNodeLauncher.run(
                        new String[] {"--help"},
                        Map.of(),
                        Map.of(),
                        new PrintWriter(buffer),
                        new PrintWriter(new StringWriter()),
                        options -> fail("--help must not start the node"));
        assertEquals(0, code);
        String help = buffer.toString();
        assertTrue(help.contains("keys"), help);
        for (Flag flag : Flag.values()) {
            assertTrue(help.contains(flag.flag), flag.flag);
            if (!flag.env.isEmpty()) {
                assertTrue(help.contains("env " + flag.env), flag.env);
            }
        }
    }
}
