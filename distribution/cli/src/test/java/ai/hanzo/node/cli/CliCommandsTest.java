package ai.hanzo.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.cli.compose.ComposeParser;
import ai.hanzo.node.launcher.HanzoNodeLauncher;
import ai.hanzo.node.proto.v1.DeployRequest;
import ai.hanzo.node.proto.v1.NodeEvent;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client commands through the launcher's real command line, against a gRPC server on loopback
 * ({@link TestNodeServer}) that implements NodeService and InferenceService.
 */
class CliCommandsTest {
    @TempDir Path temp;
    private TestNodeServer server;
    private Path dataDir;
    private final Map<String, String> env = new HashMap<>();

    record Result(int code, String out, String err) {}

    @BeforeEach
    void start() throws Exception {
        server = new TestNodeServer();
        dataDir = Files.createDirectories(temp.resolve("data"));
        Files.writeString(dataDir.resolve("admin.key"), TestNodeServer.ADMIN_KEY + "\n");
        env.put("HOME", temp.toString());
        env.put("HANZO_GRPC_ADDR", server.address());
        env.put("HANZO_DATA_DIR", dataDir.toString());
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        Terminal.stdin = System.in;
        Terminal.stdout = System.out;
        Terminal.stderr = System.err;
    }

    private Result run(String... args) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code =
                HanzoNodeLauncher.runClient(
                        args,
                        Map.copyOf(env),
                        Map.of(),
                        new PrintWriter(out, true),
                        new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    private static Path compose(String name) throws URISyntaxException {
        return Path.of(CliCommandsTest.class.getResource("/compose/" + name).toURI());
    }

    private String deployShop() throws Exception {
        Result r =
                run(
                        "deploy",
                        "-f",
                        compose("web-db-cache/compose.yml").toString(),
                        "--id",
                        "shop-1");
        assertEquals(0, r.code(), r.err());
        return "shop-1";
    }

    @Test
    void statusPrintsStateLoadAndDeploymentsWithTheLocalAdminKey() throws Exception {
        deployShop();
        Result r = run("status");
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals("Node:        READY (healthy), up 1h2m", lines.get(0));
        assertEquals("Version:     0.1.0-test", lines.get(1));
        assertEquals("Address:     " + server.address(), lines.get(2));
        assertEquals(
                "Load:        cpu 12.5%  memory 50.0%  disk 25.0%  net rx 2.0KiB/s tx 0B/s  containers 6",
                lines.get(4));
        assertEquals("DEPLOYMENT  NAME  STATUS   READY  RUNTIME  MESSAGE", lines.get(6));
        assertEquals("shop-1      shop  running  6/6    process", lines.get(7));
        assertEquals(
                TestNodeServer.ADMIN_KEY, server.metadataKeys.get(server.metadataKeys.size() - 1));
    }

    @Test
    void statusAsJsonAndYamlUsesTheWireFieldNames() throws Exception {
        deployShop();
        Result json = run("status", "-o", "json");
        assertEquals(0, json.code(), json.err());
        assertTrue(json.out().contains("\"state\": \"NODE_STATE_READY\""), json.out());
        assertTrue(json.out().contains("\"deployment_id\": \"shop-1\""), json.out());
        assertTrue(json.out().contains("\"version\": \"0.1.0-test\""), json.out());
        Result yaml = run("status", "--output", "yaml");
        assertEquals(0, yaml.code(), yaml.err());
        assertTrue(yaml.out().contains("  state: NODE_STATE_READY\n"), yaml.out());
        assertTrue(yaml.out().contains("address: " + server.address()), yaml.out());
        Result bad = run("status", "-o", "xml");
        assertEquals(2, bad.code());
        assertEquals(
                "hanzo-node status: invalid --output 'xml': use table, json or yaml\n", bad.err());
    }

    @Test
    void unreachableNodeIsExitCodeThree() throws Exception {
        int port;
        try (ServerSocket socket =
                new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        Result r = run("status", "--grpc-addr", "127.0.0.1:" + port);
        assertEquals(3, r.code());
        assertTrue(
                r.err()
                        .startsWith(
                                "hanzo-node status: cannot reach the node at 127.0.0.1:"
                                        + port
                                        + ": "),
                r.err());
        assertTrue(
                r.err().contains("(is it running? set --grpc-addr or HANZO_GRPC_ADDR)"), r.err());
        // a nested command names its whole path
        Result nested = run("operator", "status", "--grpc-addr", "127.0.0.1:" + port);
        assertEquals(3, nested.code(), nested.err());
        assertTrue(
                nested.err().startsWith("hanzo-node operator status: cannot reach the node at "),
                nested.err());
        Result bad = run("ps", "--grpc-addr", "localhost");
        assertEquals(2, bad.code());
        assertEquals(
                "hanzo-node ps: invalid --grpc-addr 'localhost': expected host:port, e.g. 127.0.0.1:50051\n",
                bad.err());
    }

    @Test
    void missingOrWeakKeyIsExitCodeFour() throws Exception {
        Files.delete(dataDir.resolve("admin.key"));
        Result none = run("ps");
        assertEquals(4, none.code());
        assertEquals(
                "hanzo-node ps: the node refused the API key (no key found): missing or unknown API key. Set"
                        + " HANZO_API_KEY, api-key in the client config, or --data-dir of a local node\n",
                none.err());
        env.put("HANZO_API_KEY", TestNodeServer.VIEWER_KEY);
        assertEquals(0, run("ps").code(), "a viewer may list");
        Result denied = run("deploy", "-f", compose("healthcheck-gated/compose.yml").toString());
        assertEquals(4, denied.code());
        assertEquals("hanzo-node deploy: role viewer may not call Deploy\n", denied.err());
        assertTrue(server.deployments.isEmpty());
    }

    @Test
    void keyComesFromTheEnvironmentThenTheConfigFileThenAdminKey() throws Exception {
        Path config = temp.resolve("cli.conf");
        Files.writeString(
                config,
                "api-key=" + TestNodeServer.VIEWER_KEY + "\ngrpc-addr=" + server.address() + "\n");
        env.remove("HANZO_GRPC_ADDR");
        env.put("HANZO_CLI_CONFIG", config.toString());
        assertEquals(0, run("ps").code());
        assertEquals(
                TestNodeServer.VIEWER_KEY, server.metadataKeys.get(server.metadataKeys.size() - 1));
        env.put("HANZO_API_KEY", TestNodeServer.ADMIN_KEY);
        assertEquals(0, run("ps").code());
        assertEquals(
                TestNodeServer.ADMIN_KEY, server.metadataKeys.get(server.metadataKeys.size() - 1));
        env.put("HANZO_CLI_CONFIG", temp.resolve("nope.conf").toString());
        Result missing = run("ps");
        assertEquals(2, missing.code());
        assertEquals(
                "hanzo-node ps: client config file " + temp.resolve("nope.conf") + " not found\n",
                missing.err());
    }

    @Test
    void deploySendsTheParsedComposeFile() throws Exception {
        Path file = compose("web-db-cache/compose.yml");
        Result r = run("deploy", "-f", file.toString(), "--label", "team=shop");
        assertEquals(0, r.code(), r.err());
        assertEquals(1, server.deployments.size());
        DeployRequest sent = server.deployments.values().iterator().next();
        assertEquals(new ComposeParser(env).parse(file, null).spec(), sent.getSpec());
        assertEquals("shop", sent.getName());
        assertEquals("team=shop", "team=" + sent.getOptions().getLabelsOrThrow("team"));
        String id = server.deployments.keySet().iterator().next();
        assertEquals("Deployed shop as " + id + "\n  127.0.0.1:8080\n", r.out());
        assertEquals(
                "warning: services.cache.expose: changes nothing here (services reach each other on the node's loopback; publish with ports)\n",
                r.err());
        Result again = run("deploy", "-f", file.toString(), "--id", id);
        assertEquals(1, again.code());
        assertTrue(
                again.err().endsWith("hanzo-node deploy: deployment " + id + " already exists\n"),
                again.err());
    }

    @Test
    void deployOfABadFileSendsNothingAndExitsTwo() throws Exception {
        Result r = run("deploy", "-f", compose("bad/unsupported-keys.yml").toString());
        assertEquals(2, r.code());
        assertEquals(
                "hanzo-node deploy: unsupported-keys.yml: the node does not support these keys: secrets,"
                        + " services.web.build, services.web.secrets, services.web.networks.front.aliases (remove them to deploy here)\n",
                r.err());
        assertTrue(server.deployments.isEmpty());
        Result missing = run("deploy", "-f", temp.resolve("nope.yml").toString());
        assertEquals(2, missing.code());
        assertEquals(
                "hanzo-node deploy: compose file " + temp.resolve("nope.yml") + " not found\n",
                missing.err());
        Result noFile = run("deploy");
        assertEquals(2, noFile.code());
        assertTrue(noFile.err().startsWith("hanzo-node deploy: "), noFile.err());
    }

    @Test
    void deployDryRunPrintsTheRequestWithoutANode() throws Exception {
        env.put("HANZO_GRPC_ADDR", "127.0.0.1:1");
        Result r =
                run(
                        "deploy",
                        "--dry-run",
                        "-f",
                        compose("interpolation/compose.yml").toString(),
                        "-o",
                        "json");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("\"image\": \"example/web:1.4.2\""), r.out());
        assertTrue(r.out().contains("\"name\": \"interpolation\""), r.out());
        Result yaml =
                run("deploy", "--dry-run", "-f", compose("interpolation/compose.yml").toString());
        assertTrue(yaml.out().contains("image: example/web:1.4.2"), yaml.out());
    }

    @Test
    void deployFromStandardInput() throws Exception {
        Terminal.stdin =
                new ByteArrayInputStream(
                        "services:\n  a:\n    image: busybox\n".getBytes(StandardCharsets.UTF_8));
        Result r = run("deploy", "-f", "-", "-p", "piped", "--id", "p1");
        assertEquals(0, r.code(), r.err());
        assertEquals(
                "busybox",
                server.deployments.get("p1").getSpec().getServicesOrThrow("a").getImage());
        assertEquals("piped", server.deployments.get("p1").getName());
    }

    @Test
    void deployWaitReportsProgressUntilReady() throws Exception {
        Result r =
                run(
                        "deploy",
                        "-f",
                        compose("healthcheck-gated/compose.yml").toString(),
                        "--id",
                        "g1",
                        "--wait");
        assertEquals(0, r.code(), r.err());
        assertEquals("4/4 replicas ready (running)\n", r.err());
    }

    @Test
    void psListsContainersAsATableJsonOrIds() throws Exception {
        deployShop();
        Result r = run("ps");
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(7, lines.size(), r.out());
        assertTrue(lines.get(0).startsWith("CONTAINER ID  NAME "), lines.get(0));
        assertTrue(
                lines.stream()
                        .anyMatch(
                                l ->
                                        l.contains("shop-web-1")
                                                && l.contains("nginx:1.27-alpine")
                                                && l.contains(
                                                        "127.0.0.1:8080:80,127.0.0.1:8443:443/tcp")
                                                && l.contains("5 minutes ago")),
                r.out());
        int state = lines.get(0).indexOf("STATE");
        for (String line : lines.subList(1, lines.size())) {
            assertEquals("running", line.substring(state, state + 7), "columns line up: " + line);
        }
        Result quiet = run("ps", "-q");
        assertEquals(6, quiet.out().lines().count());
        assertTrue(quiet.out().lines().allMatch(l -> l.length() == 12), quiet.out());
        Result json = run("ps", "-o", "json", "shop-1");
        assertTrue(json.out().startsWith("[\n{"), json.out());
        assertTrue(json.out().contains("\"hanzo.deployment\": \"shop-1\""), json.out());
        assertEquals("[]\n", run("ps", "-o", "json", "other").out());
        run("stop", "shop-1");
        assertEquals(1, run("ps").out().lines().count(), "stopped containers only with -a");
        assertEquals(7, run("ps", "-a").out().lines().count());
    }

    @Test
    void logsHonourTailServiceAndSince() throws Exception {
        deployShop();
        for (int i = 1; i <= 5; i++) {
            server.log("shop-1", i % 2 == 0 ? "db" : "web", "line " + i);
        }
        Result all = run("logs", "shop-1");
        assertEquals(
                "web | line 1\ndb | line 2\nweb | line 3\ndb | line 4\nweb | line 5\n", all.out());
        // the five lines came in messages of two, two and one: every one printed, in order
        assertEquals(LogsCommand.LINES_PER_MESSAGE, server.logsLinesPerMessage);
        assertEquals("db | line 4\nweb | line 5\n", run("logs", "shop-1", "--tail", "2").out());
        assertEquals(
                "web | line 1\nweb | line 3\nweb | line 5\n", run("logs", "shop-1", "web").out());
        assertEquals("", run("logs", "shop-1", "--since", "2999-01-01T00:00:00Z").out());
        assertEquals(5, run("logs", "shop-1", "--since", "10m").out().lines().count());
        Result json = run("logs", "shop-1", "-n", "1", "-o", "json");
        assertTrue(json.out().startsWith("{\"timestamp\":"), json.out());
        assertTrue(json.out().contains("\"message\":\"line 5\""), json.out());
        // one JSON line per log line, each with its own 'more' empty
        Result jsonAll = run("logs", "shop-1", "-o", "json");
        assertEquals(5, jsonAll.out().lines().count(), jsonAll.out());
        assertTrue(jsonAll.out().lines().allMatch(l -> l.endsWith("\"more\":[]}")), jsonAll.out());
        Result badSince = run("logs", "shop-1", "--since", "yesterday");
        assertEquals(2, badSince.code());
        assertEquals(
                "hanzo-node logs: invalid --since 'yesterday': use 10m, 2h, 1d, 2026-11-29T12:00:00Z or unix seconds\n",
                badSince.err());
        Result unknown = run("logs", "nope");
        assertEquals(5, unknown.code());
        assertEquals("hanzo-node logs: no deployment nope\n", unknown.err());
    }

    @Test
    void logsFollowPrintsLinesAsTheyComeUntilTheStreamEnds() throws Exception {
        deployShop();
        server.log("shop-1", "web", "before");
        CompletableFuture<Result> follow =
                CompletableFuture.supplyAsync(
                        () -> {
                            try {
                                return run("logs", "-f", "shop-1");
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        });
        assertTrue(server.followerAttached.await(10, TimeUnit.SECONDS));
        server.log("shop-1", "web", "after 1");
        server.log("shop-1", "db", "after 2");
        server.endFollowers();
        Result r = follow.get(10, TimeUnit.SECONDS);
        assertEquals(0, r.code(), r.err());
        assertEquals("web | before\nweb | after 1\ndb | after 2\n", r.out());
    }

    @Test
    void execRunsTheCommandAndExitsWithItsCode() throws Exception {
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        Terminal.stdout = stdout;
        Terminal.stderr = stderr;
        Result r = run("exec", "c1", "--", "sh", "-c", "echo out; echo err >&2; exit 3");
        assertEquals(3, r.code(), r.err());
        assertEquals("out\n", stdout.toString(StandardCharsets.UTF_8));
        assertEquals("err\n", stderr.toString(StandardCharsets.UTF_8));
    }

    @Test
    void execInteractiveSendsStandardInput() throws Exception {
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        Terminal.stdout = stdout;
        Terminal.stdin =
                new ByteArrayInputStream("hello\nworld\n".getBytes(StandardCharsets.UTF_8));
        Result r =
                run(
                        "exec",
                        "-i",
                        "-e",
                        "GREETING=hi",
                        "c1",
                        "--",
                        "sh",
                        "-c",
                        "echo $GREETING; tr a-z A-Z");
        assertEquals(0, r.code(), r.err());
        assertEquals("hi\nHELLO\nWORLD\n", stdout.toString(StandardCharsets.UTF_8));
        Result usage = run("exec", "c1");
        assertEquals(2, usage.code());
    }

    @Test
    void scaleStopAndRemove() throws Exception {
        deployShop();
        Result scale = run("scale", "shop-1", "web=3", "app=1");
        assertEquals(0, scale.code(), scale.err());
        assertEquals("web: 1 -> 3\napp: 3 -> 1\n", scale.out());
        assertEquals(3, server.replicas.get("shop-1").get("web"));
        Result bad = run("scale", "shop-1", "web");
        assertEquals(2, bad.code());
        assertEquals(
                "hanzo-node scale: invalid 'web': expected service=replicas, e.g. web=3\n",
                bad.err());
        Result unknown = run("scale", "shop-1", "nope=2");
        assertEquals(5, unknown.code());
        assertEquals("hanzo-node scale: no service nope in deployment shop-1\n", unknown.err());
        assertEquals("Stopped shop-1\n", run("stop", "shop-1").out());
        assertEquals("stopped", server.states.get("shop-1"));
        Result rm = run("rm", "shop-1", "-o", "json");
        assertEquals(0, rm.code(), rm.err());
        assertTrue(rm.out().contains("\"success\": true"), rm.out());
        assertFalse(server.deployments.containsKey("shop-1"));
        Result gone = run("rm", "shop-1");
        assertEquals(5, gone.code());
        assertEquals("hanzo-node rm: no deployment shop-1\n", gone.err());
    }

    @Test
    void scaleStopTopAndModelsAlsoAnswerInJson() throws Exception {
        deployShop();
        Result scale = run("scale", "shop-1", "web=2", "-o", "json");
        assertEquals(0, scale.code(), scale.err());
        assertTrue(scale.out().contains("\"previous_replicas\": 1"), scale.out());
        assertTrue(scale.out().contains("\"current_replicas\": 2"), scale.out());
        Result stop = run("stop", "shop-1", "-o", "json");
        assertEquals(0, stop.code(), stop.err());
        assertTrue(stop.out().contains("\"success\": true"), stop.out());
        Result top = run("top", "-n", "1", "-o", "json");
        assertEquals(0, top.code(), top.err());
        assertTrue(top.out().contains("\"cpu_usage\":"), top.out());
        Result models = run("models", "-o", "json");
        assertEquals(0, models.code(), models.err());
        assertTrue(models.out().contains("\"id\": \"all-minilm-l6-v2\""), models.out());
        assertTrue(models.out().contains("\"engines\":"), models.out());
    }

    @Test
    void eventsStreamWithTypesAndCount() throws Exception {
        server.events.add(
                NodeEvent.newBuilder()
                        .setTimestamp(1_800_000_000L)
                        .setEventType("deployment.created")
                        .setResourceType("deployment")
                        .setResourceId("d1")
                        .setMessage("created")
                        .putAttributes("name", "shop")
                        .build());
        server.events.add(
                NodeEvent.newBuilder()
                        .setTimestamp(1_800_000_001L)
                        .setEventType("container.started")
                        .setResourceType("container")
                        .setResourceId("c1")
                        .build());
        server.events.add(
                NodeEvent.newBuilder()
                        .setTimestamp(1_800_000_002L)
                        .setEventType("deployment.running")
                        .setResourceType("deployment")
                        .setResourceId("d1")
                        .build());
        Result all = run("events");
        assertEquals(
                "2027-01-15T08:00:00Z deployment.created deployment d1: created {name=shop}\n"
                        + "2027-01-15T08:00:01Z container.started container c1\n"
                        + "2027-01-15T08:00:02Z deployment.running deployment d1\n",
                all.out());
        assertEquals(1, run("events", "-n", "1").out().lines().count());
        assertEquals(1, run("events", "--type", "container.started").out().lines().count());
        assertEquals(3, run("events", "-o", "json").out().lines().count());
    }

    @Test
    void topPrintsASampleALine() throws Exception {
        Result r = run("top", "-n", "2", "--interval", "5");
        assertEquals(0, r.code(), r.err());
        assertEquals(
                "TIME                     CPU     MEM    DISK        RX/S        TX/S  CONTAINERS\n"
                        + "2027-01-15T08:00:00Z   10.0%   50.0%    0.0%          0B          0B  0\n"
                        + "2027-01-15T08:00:05Z   20.0%   50.0%    0.0%          0B          0B  0\n",
                r.out());
        assertEquals(2, run("top", "--interval", "0").code());
    }

    @Test
    void modelsAndEmbed() throws Exception {
        Result models = run("models");
        assertEquals(0, models.code(), models.err());
        List<String> lines = models.out().lines().toList();
        assertEquals(
                "MODEL             STATE  ENGINE       DEVICE  FORMAT  DIMS  MAX TOKENS  ERROR",
                lines.get(0));
        assertEquals(
                "all-minilm-l6-v2  ready  onnxruntime  cpu     onnx    384   256", lines.get(1));
        assertEquals(
                "mlx          failed     -                 -                 needs macOS on Apple silicon"
                        .replace("-                 -                 ", ""),
                lines.get(5)
                        .replaceAll("\\s+", " ")
                        .replace("mlx failed needs", "mlx          failed     needs"));
        Result embed = run("embed", "abc", "a cat");
        assertEquals(0, embed.code(), embed.err());
        assertTrue(
                embed.out().contains("0  26    3       [1.0000, 1.0000, 1.0000, 0.0000, ...]  abc"),
                embed.out());
        Result json = run("embed", "-o", "json", "ab");
        assertTrue(json.out().contains("\"values\": [1.0, 1.0, 0.0"), json.out());
        Result unknown = run("embed", "-m", "nope", "x");
        assertEquals(5, unknown.code());
        Terminal.stdin = new ByteArrayInputStream(new byte[0]);
        Result nothing = run("embed");
        assertEquals(2, nothing.code());
        assertEquals(
                "hanzo-node embed: nothing to embed: give texts as arguments or lines on stdin\n",
                nothing.err());
    }

    @Test
    void everyCommandPrintsItsUsageForHelpAndTheRootTakesPicocliShortFlags() throws Exception {
        for (List<String> words :
                List.of(
                        List.of("status", "--help"),
                        List.of("ps", "-h"),
                        List.of("exec", "--help"),
                        List.of("keys", "--help"),
                        List.of("wallet", "--help"),
                        List.of("wallet", "create", "--help"),
                        List.of("chain", "--help"),
                        List.of("operator", "--help"),
                        List.of("operator", "register", "--help"))) {
            Result help = run(words.toArray(String[]::new));
            assertEquals(0, help.code(), words + ": " + help.err());
            assertTrue(
                    help.out()
                            .startsWith(
                                    "Usage: hanzo-node "
                                            + String.join(" ", words.subList(0, words.size() - 1))),
                    words + ": " + help.out());
            assertTrue(help.out().contains("--help"), help.out());
            assertEquals("", help.err(), words.toString());
        }
        // a command's usage lists its subcommands
        assertTrue(run("wallet", "--help").out().contains("  address "));
        Result version = run("-V");
        assertEquals(0, version.code(), version.err());
        assertTrue(version.out().startsWith("hanzo-node "), version.out());
        assertEquals(version.out(), run("--version").out());
        Result help = run("-h");
        assertEquals(0, help.code(), help.err());
        assertTrue(help.out().contains("-V, --version"), help.out());
        // -V belongs to the root, as in picocli's standard options: after a command it is refused
        Result misplaced = run("status", "-V");
        assertEquals(2, misplaced.code());
        assertTrue(
                misplaced.err().startsWith("hanzo-node status: unknown flag -V"), misplaced.err());
    }

    @Test
    void aCommandStopsItsEventLoopThreadWhenItEnds() throws Exception {
        // a thread left in epoll_wait makes the JVM wait 300 ms at exit
        for (String command : List.of("status", "ps")) {
            Result result = run(command);
            assertEquals(0, result.code(), result.err());
            // stopped by the command's close: its termination is signalled as the thread ends
            List<Thread> loops =
                    Thread.getAllStackTraces().keySet().stream()
                            .filter(thread -> thread.getName().startsWith("hanzo-cli-grpc"))
                            .toList();
            for (Thread loop : loops) {
                loop.join(5000);
                assertFalse(loop.isAlive(), command + ": " + loop.getName() + " still runs");
            }
        }
    }

    @Test
    void helpListsTheClientCommandsAndCompletionLoadsInBash() throws Exception {
        Result help = run("--help");
        assertEquals(0, help.code());
        for (String command :
                List.of(
                        "status",
                        "deploy",
                        "ps",
                        "logs",
                        "exec",
                        "scale",
                        "stop",
                        "rm",
                        "events",
                        "top",
                        "models",
                        "embed",
                        "completion",
                        "keys")) {
            assertTrue(help.out().contains("\n  " + command + " "), command + " in " + help.out());
        }
        Result completion = run("completion");
        assertEquals(0, completion.code());
        Path script = temp.resolve("hanzo-node-completion.bash");
        Files.writeString(script, completion.out());
        Process bash =
                new ProcessBuilder(
                                "bash",
                                "-c",
                                "source "
                                        + script
                                        + " && complete -p hanzo-node && COMP_WORDS=(hanzo-node lo) COMP_CWORD=1"
                                        + " COMP_LINE='hanzo-node lo' COMP_POINT=13 && _picocli_hanzo-node 2>/dev/null && echo \"${COMPREPLY[@]}\"")
                        .redirectErrorStream(true)
                        .start();
        String text = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, bash.waitFor(), text);
        assertTrue(text.contains("complete -o default -F _complete_hanzo-node hanzo-node"), text);
        assertTrue(text.trim().endsWith("logs"), text);
        Result usage = run("ps", "--bogus");
        assertEquals(2, usage.code());
        assertTrue(usage.err().startsWith("hanzo-node ps: unknown flag --bogus"), usage.err());
    }
}
