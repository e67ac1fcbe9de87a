package ai.hanzo.node.cli.compose;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.proto.v1.ComposeSpec;
import ai.hanzo.node.proto.v1.ServiceSpec;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ComposeParserTest {
    private final ComposeParser parser =
            new ComposeParser(Map.of("FROM_SHELL", "shell-value", "HOME", "/home/op"));

    @TempDir Path temp;

    static Path resource(String name) {
        try {
            return Path.of(ComposeParserTest.class.getResource("/compose/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private ComposeFile parse(String name) throws Exception {
        return parser.parse(resource(name), null);
    }

    private String error(String name) {
        return assertThrows(ComposeException.class, () -> parse(name)).getMessage();
    }

    private ComposeFile parseText(String yaml) throws Exception {
        return parser.parse(yaml, "compose.yml", temp, "demo");
    }

    private String errorText(String yaml) {
        return assertThrows(ComposeException.class, () -> parseText(yaml)).getMessage();
    }

    @Test
    void laterFilesOverrideAndExtendEarlierOnesAsDockerComposeMergesThem() throws Exception {
        Path base = temp.resolve("compose.yml");
        Files.writeString(
                base,
                """
                name: shop
                services:
                  web:
                    image: nginx:1.26
                    command: ["nginx", "-g", "daemon off;"]
                    ports: ["127.0.0.1:8080:80"]
                    environment:
                      - TZ=UTC
                      - LOG=text
                    labels: {tier: frontend}
                    volumes: ["./site:/usr/share/nginx/html:ro", "cache:/var/cache/nginx"]
                    depends_on: [app]
                    healthcheck:
                      test: ["CMD", "true"]
                      interval: 30s
                  app:
                    image: shop/app:1
                volumes:
                  cache: {}
                """);
        Path override = temp.resolve("compose.prod.yml");
        Files.writeString(
                override,
                """
                services:
                  web:
                    image: nginx:1.27
                    command: ["nginx-debug"]
                    ports: ["127.0.0.1:8443:443"]
                    environment:
                      LOG: json
                      EXTRA: "1"
                    volumes: ["./prod-site:/usr/share/nginx/html:ro"]
                    depends_on:
                      app: {condition: service_healthy}
                    healthcheck:
                      test: ["CMD", "curl", "-f", "http://localhost/"]
                    deploy: {replicas: 3}
                  app:
                    healthcheck: {test: ["CMD", "true"]}
                  worker:
                    image: shop/worker:1
                """);
        ComposeFile file = parser.parse(List.of(base, override), null);
        ComposeSpec spec = file.spec();
        assertEquals("shop", file.projectName());
        assertEquals(
                List.of("app", "web", "worker"),
                spec.getServicesMap().keySet().stream().sorted().toList());
        ServiceSpec web = spec.getServicesOrThrow("web");
        assertEquals("nginx:1.27", web.getImage());
        // replaced whole, not appended
        assertEquals(List.of("nginx-debug"), web.getCommandList());
        assertEquals(
                List.of("CMD", "curl", "-f", "http://localhost/"),
                web.getHealthcheck().getTestList());
        assertEquals("30s", web.getHealthcheck().getInterval());
        // appended
        assertEquals(List.of("127.0.0.1:8080:80", "127.0.0.1:8443:443"), web.getPortsList());
        // merged by name, list and map syntax alike
        assertEquals(Map.of("TZ", "UTC", "LOG", "json", "EXTRA", "1"), web.getEnvironmentMap());
        assertEquals(Map.of("tier", "frontend"), web.getLabelsMap());
        // merged by target: the override's site replaces the base's at the same path
        assertEquals(
                List.of(
                        temp.resolve("prod-site") + ":/usr/share/nginx/html:ro",
                        "cache:/var/cache/nginx"),
                web.getVolumesList());
        assertEquals("service_healthy", web.getDependsOnOrThrow("app").getCondition());
        assertEquals(3, web.getDeploy().getReplicas());
        assertEquals("shop/app:1", spec.getServicesOrThrow("app").getImage());
        assertTrue(spec.getServicesOrThrow("app").hasHealthcheck());

        // a problem in a later file names that file's result, and nothing is returned
        Path broken = temp.resolve("compose.broken.yml");
        Files.writeString(broken, "services:\n  web:\n    build: .\n");
        String message =
                assertThrows(
                                ComposeException.class,
                                () -> parser.parse(List.of(base, broken), null))
                        .getMessage();
        assertTrue(message.contains("compose.yml + compose.broken.yml"), message);
        assertTrue(message.contains("services.web.build"), message);
    }

    @Test
    void webDbCacheFileBecomesTheFullSpec() throws Exception {
        ComposeFile file = parse("web-db-cache/compose.yml");
        ComposeSpec spec = file.spec();
        assertEquals("shop", file.projectName());
        assertEquals(
                List.of("app", "cache", "db", "web"),
                spec.getServicesMap().keySet().stream().sorted().toList());

        ServiceSpec web = spec.getServicesOrThrow("web");
        assertEquals("nginx:1.27-alpine", web.getImage());
        assertEquals(List.of("127.0.0.1:8080:80", "127.0.0.1:8443:443/tcp"), web.getPortsList());
        assertEquals(
                Map.of("TZ", "UTC", "LOG_FORMAT", "json", "UPSTREAM", "http://app:3000"),
                web.getEnvironmentMap());
        Path dir = resource("web-db-cache/compose.yml").getParent();
        assertEquals(
                List.of(
                        dir.resolve("nginx.conf") + ":/etc/nginx/nginx.conf:ro",
                        "static:/usr/share/nginx/html"),
                web.getVolumesList());
        assertEquals("unless-stopped", web.getRestart());
        assertEquals("service_started", web.getDependsOnOrThrow("app").getCondition());
        assertTrue(web.getDependsOnOrThrow("app").getRequired());
        assertEquals(Map.of("com.example.tier", "frontend"), web.getLabelsMap());

        ServiceSpec app = spec.getServicesOrThrow("app");
        assertEquals(List.of("node", "server.js", "--port", "3000"), app.getCommandList());
        assertEquals("/srv/app", app.getWorkingDir());
        assertEquals("1000:1000", app.getUser());
        assertEquals("SIGINT", app.getStopSignal());
        assertEquals("1m30s", app.getStopGracePeriod());
        assertEquals(3, app.getDeploy().getReplicas());
        assertEquals("0.50", app.getDeploy().getResources().getLimits().getCpus());
        assertEquals("512M", app.getDeploy().getResources().getLimits().getMemory());
        assertEquals("128M", app.getDeploy().getResources().getReservations().getMemory());
        assertEquals("service_healthy", app.getDependsOnOrThrow("db").getCondition());
        assertEquals("service_started", app.getDependsOnOrThrow("cache").getCondition());
        assertEquals(
                "postgres://shop:secret@db:5432/shop", app.getEnvironmentOrThrow("DATABASE_URL"));
        assertEquals(
                Map.of("com.example.tier", "backend", "com.example.team", "payments"),
                app.getLabelsMap());

        ServiceSpec db = spec.getServicesOrThrow("db");
        assertEquals(List.of("pgdata:/var/lib/postgresql/data"), db.getVolumesList());
        assertEquals(List.of("CMD-SHELL", "pg_isready -U shop"), db.getHealthcheck().getTestList());
        assertEquals("10s", db.getHealthcheck().getInterval());
        assertEquals("5s", db.getHealthcheck().getTimeout());
        assertEquals(5, db.getHealthcheck().getRetries());
        assertEquals("30s", db.getHealthcheck().getStartPeriod());

        ServiceSpec cache = spec.getServicesOrThrow("cache");
        assertEquals(
                List.of("redis-server", "--save", "", "--appendonly", "no"),
                cache.getCommandList());
        assertEquals("local", spec.getVolumesOrThrow("static").getDriver());
        assertTrue(spec.containsVolumes("pgdata"));
        assertEquals(
                List.of(
                        "services.cache.expose: changes nothing here (services reach each other on the node's loopback; publish with ports)"),
                file.warnings());
    }

    @Test
    void healthcheckGatedDependenciesKeepTheirConditions() throws Exception {
        ComposeSpec spec = parse("healthcheck-gated/compose.yml").spec();
        ServiceSpec migrate = spec.getServicesOrThrow("migrate");
        assertEquals(List.of("/bin/migrate"), migrate.getEntrypointList());
        assertEquals(List.of("up"), migrate.getCommandList());
        assertEquals("service_healthy", migrate.getDependsOnOrThrow("db").getCondition());
        assertEquals("no", migrate.getRestart());

        ServiceSpec api = spec.getServicesOrThrow("api");
        assertEquals(
                "service_completed_successfully",
                api.getDependsOnOrThrow("migrate").getCondition());
        assertFalse(api.getDependsOnOrThrow("metrics").getRequired());
        assertEquals(
                List.of("CMD-SHELL", "curl -fsS http://localhost:8080/health"),
                api.getHealthcheck().getTestList());
        assertEquals("1m30s", api.getHealthcheck().getInterval());
        assertEquals("on-failure:5", api.getRestart());

        assertEquals(
                List.of("CMD", "pg_isready", "-q"),
                spec.getServicesOrThrow("db").getHealthcheck().getTestList());
        assertEquals(
                List.of("NONE"), spec.getServicesOrThrow("metrics").getHealthcheck().getTestList());
    }

    @Test
    void interpolationReadsDotEnvNextToTheFileAndTheShellWins() throws Exception {
        ServiceSpec web = parse("interpolation/compose.yml").spec().getServicesOrThrow("web");
        assertEquals("example/web:1.4.2", web.getImage());
        assertEquals(List.of("127.0.0.1:8081:80"), web.getPortsList());
        Map<String, String> env = web.getEnvironmentMap();
        assertEquals("p@ss $word", env.get("DB_PASSWORD"), "single quotes in .env are literal");
        assertEquals("hello\nworld", env.get("GREETING"), "double quotes in .env take escapes");
        assertEquals("development", env.get("MODE"));
        assertEquals("", env.get("EMPTY_DASH"), "${VAR-x} keeps a set but empty value");
        assertEquals("empty-or-unset", env.get("EMPTY_COLON"));
        assertEquals("$5", env.get("PRICE"));
        assertEquals("1.4.2-fallback", env.get("NESTED"));
        assertEquals("tag-is-set", env.get("ALT"));
        assertEquals("value", env.get("COMMENTED"));
        assertEquals("shell-value", env.get("FROM_SHELL"));
        assertEquals(2, web.getDeploy().getReplicas());

        ComposeParser shellWins = new ComposeParser(Map.of("TAG", "2.0.0", "REPLICAS", "4"));
        ServiceSpec overridden =
                shellWins
                        .parse(resource("interpolation/compose.yml"), null)
                        .spec()
                        .getServicesOrThrow("web");
        assertEquals("example/web:2.0.0", overridden.getImage());
        assertEquals(4, overridden.getDeploy().getReplicas());
        assertFalse(
                overridden.containsEnvironment("FROM_SHELL"), "an unset bare variable is left out");
    }

    @Test
    void processRuntimeServiceNeedsNoImage() throws Exception {
        ServiceSpec ticker = parse("process-app/compose.yml").spec().getServicesOrThrow("ticker");
        assertEquals("", ticker.getImage());
        assertEquals("/bin/sh", ticker.getEntrypoint(0));
        assertTrue(ticker.getEntrypoint(2).contains("echo tick $i"), "$$ is a literal $");
        assertEquals("process", ticker.getLabelsOrThrow("hanzo.runtime"));
    }

    @Test
    void projectNameFallsBackToTheGivenNameThenTheDirectory() throws Exception {
        assertEquals("healthcheck-gated", parse("healthcheck-gated/compose.yml").projectName());
        assertEquals(
                "mine",
                parser.parse(resource("healthcheck-gated/compose.yml"), "Mine").projectName());
        assertEquals(
                "shop", parser.parse(resource("web-db-cache/compose.yml"), "other").projectName());
    }

    @Test
    void unsupportedKeysAreAllNamedInOneError() {
        assertEquals(
                "unsupported-keys.yml: the node does not support these keys: secrets, services.web.build,"
                        + " services.web.secrets, services.web.networks.front.aliases (remove them to deploy here)",
                error("bad/unsupported-keys.yml"));
    }

    @Test
    void badPortsNameEachPort() {
        assertEquals(
                "bad-ports.yml: 3 problems:\n"
                        + "  - services.web.ports[0]: '70000:80': port 70000 is outside 1-65535\n"
                        + "  - services.web.ports[1]: '8080:80/icmp': protocol 'icmp' is not tcp, udp or sctp\n"
                        + "  - services.web.ports[2]: '1.2.3:80:80': host address '1.2.3' is not an IPv4 address"
                        + " (write IPv6 in brackets)",
                error("bad/bad-ports.yml"));
    }

    @Test
    void missingRequiredVariableSaysWhichAndWhy() {
        assertEquals(
                "missing-required.yml: services.web.image: required variable TAG is missing a value:"
                        + " set TAG to the release to deploy",
                error("bad/missing-required.yml"));
    }

    @Test
    void dependenciesMustExistAndHealthyNeedsAHealthcheck() {
        assertEquals(
                "bad-depends.yml: 2 problems:\n"
                        + "  - services.web.depends_on: service 'db' is not defined\n"
                        + "  - services.api.depends_on.cache: condition service_healthy, but 'cache' has no healthcheck",
                error("bad/bad-depends.yml"));
    }

    @Test
    void dependencyCycleIsRefused() {
        assertEquals("cycle.yml: depends_on: cycle a -> b -> c -> a", error("bad/cycle.yml"));
    }

    @Test
    void badHealthcheckNamesTestAndDurations() {
        assertEquals(
                "bad-healthcheck.yml: 3 problems:\n"
                        + "  - services.web.healthcheck.test: a list must start with CMD, CMD-SHELL or NONE,"
                        + " e.g. [\"CMD\", \"curl\", \"-f\", \"http://localhost\"]\n"
                        + "  - services.web.healthcheck.interval: '30' has no unit; write a duration such as 30s or 1m30s\n"
                        + "  - services.web.healthcheck.timeout: '5 seconds' is not a duration (e.g. 30s, 1m30s, 500ms)",
                error("bad/bad-healthcheck.yml"));
    }

    @Test
    void duplicateKeysAndBrokenYamlGiveTheLine() {
        assertEquals(
                "duplicate-key.yml: not valid YAML at line 4, column 3: found duplicate key web",
                error("bad/duplicate-key.yml"));
        assertEquals(
                "not-yaml.yml: not valid YAML at line 4, column 4: expected <block end>, but found"
                        + " '<block mapping start>'",
                error("bad/not-yaml.yml"));
        assertEquals("empty.yml: the file is empty", error("bad/empty.yml"));
    }

    @Test
    void badVolumesAreNamed() {
        assertEquals(
                "bad-volumes.yml: 3 problems:\n"
                        + "  - the node does not support this key: services.web.volumes[2].type: tmpfs (remove it to deploy here)\n"
                        + "  - services.web.volumes[0]: volume 'data' is not declared under the top-level volumes\n"
                        + "  - services.web.volumes[1]: target 'etc/conf' must be an absolute path",
                error("bad/bad-volumes.yml"));
    }

    @Test
    void badValuesAreAllReported() {
        assertEquals(
                "bad-values.yml: 5 problems:\n"
                        + "  - the node does not support this key: services.web.deploy.resources.limits.pids (remove it to deploy here)\n"
                        + "  - services.web.deploy.replicas: 'many' is not a whole number\n"
                        + "  - services.web.deploy.resources.limits.cpus: 'lots' is not a number of CPUs (e.g. 0.5)\n"
                        + "  - services.web.deploy.resources.limits.memory: '2 gigs' is not a size (e.g. 512M, 1g, 1073741824)\n"
                        + "  - services.web.restart: 'sometimes' is not a restart policy (no, always, on-failure[:N], unless-stopped)",
                error("bad/bad-values.yml"));
    }

    @Test
    void serviceWithoutAnythingToRunIsRefused() {
        assertEquals(
                "no-image.yml: services.worker: no image, entrypoint or command: give an image (or, for"
                        + " the process runtime, the program in entrypoint or command)",
                error("bad/no-image.yml"));
    }

    @Test
    void keysThatChangeNothingAreWarnings() throws Exception {
        ComposeFile file = parse("bad/warnings-only.yml");
        assertEquals(
                List.of(
                        "version: obsolete in the compose specification; ignored",
                        "services.web.expose: changes nothing here (services reach each other on the node's loopback; publish with ports)",
                        "services.web.volumes[0]: mount option 'z' changes nothing here"),
                file.warnings());
        assertEquals("3.8", file.spec().getVersion());
        assertTrue(
                file.spec()
                        .getServicesOrThrow("web")
                        .getVolumes(0)
                        .endsWith("/bad/html:/usr/share/nginx/html:ro"));
    }

    @Test
    void portShortSyntaxForms() throws Exception {
        ServiceSpec web =
                parseText(
                                "services:\n  web:\n    image: nginx\n    ports:\n      - 3000\n      - \"3000-3005\"\n"
                                        + "      - \"8000:8000\"\n      - \"9090-9091:8080-8081\"\n      - \"127.0.0.1::5000\"\n"
                                        + "      - \"6060:6060/udp\"\n      - \"[::1]:6001:6001\"\n      - 8080:80\n")
                        .spec()
                        .getServicesOrThrow("web");
        assertEquals(
                List.of(
                        "3000",
                        "3000-3005",
                        "8000:8000",
                        "9090-9091:8080-8081",
                        "127.0.0.1::5000",
                        "6060:6060/udp",
                        "[::1]:6001:6001",
                        "8080:80"),
                web.getPortsList());
    }

    @Test
    void portLongSyntaxBecomesShortSyntax() throws Exception {
        ServiceSpec web =
                parseText(
                                "services:\n  web:\n    image: nginx\n    ports:\n      - target: 80\n"
                                        + "      - target: 80\n        published: 8080\n"
                                        + "      - target: 53\n        published: \"5353\"\n        protocol: udp\n        host_ip: \"::1\"\n"
                                        + "      - target: 443\n        name: https\n")
                        .spec()
                        .getServicesOrThrow("web");
        assertEquals(List.of("80", "8080:80", "[::1]:5353:53/udp", "443"), web.getPortsList());
        assertEquals(
                List.of("services.web.ports[0].name: changes nothing here"),
                parseText(
                                "services:\n  web:\n    image: nginx\n    ports:\n      - target: 443\n        name: https\n")
                        .warnings());
    }

    @Test
    void portRangesMustMatch() {
        assertEquals(
                "compose.yml: services.web.ports[0]: '8000-8002:80-81': host range 8000-8002 and container range 80-81 differ in size",
                errorText(
                        "services:\n  web:\n    image: nginx\n    ports: [\"8000-8002:80-81\"]\n"));
        assertEquals(
                "compose.yml: services.web.ports[0]: a long-syntax port needs 'target'",
                errorText(
                        "services:\n  web:\n    image: nginx\n    ports:\n      - published: 80\n"));
    }

    @Test
    void environmentAsListOrMapWithTypedValues() throws Exception {
        ComposeSpec spec =
                parseText(
                                "services:\n  a:\n    image: x\n    environment:\n      - A=1\n      - B=x=y\n      - FROM_SHELL\n      - NOT_SET\n"
                                        + "  b:\n    image: x\n    environment:\n      DEBUG: true\n      PORT: 8080\n      RATIO: 0.5\n      EMPTY: \"\"\n      FROM_SHELL:\n")
                        .spec();
        assertEquals(
                Map.of("A", "1", "B", "x=y", "FROM_SHELL", "shell-value"),
                spec.getServicesOrThrow("a").getEnvironmentMap());
        assertEquals(
                Map.of(
                        "DEBUG",
                        "true",
                        "PORT",
                        "8080",
                        "RATIO",
                        "0.5",
                        "EMPTY",
                        "",
                        "FROM_SHELL",
                        "shell-value"),
                spec.getServicesOrThrow("b").getEnvironmentMap());
    }

    @Test
    void envFileIsReadAndEnvironmentWinsOverIt() throws Exception {
        Files.writeString(
                temp.resolve("app.env"), "# app settings\nA=from-file\nB=\"quoted value\"\n");
        ServiceSpec a =
                parseText(
                                "services:\n  a:\n    image: x\n    env_file: app.env\n    environment:\n      A: from-compose\n")
                        .spec()
                        .getServicesOrThrow("a");
        assertEquals(Map.of("A", "from-compose", "B", "quoted value"), a.getEnvironmentMap());
        assertEquals(
                "compose.yml: services.a.env_file: env file "
                        + temp.resolve("missing.env")
                        + " not found",
                errorText("services:\n  a:\n    image: x\n    env_file: missing.env\n"));
        ServiceSpec optional =
                parseText(
                                "services:\n  a:\n    image: x\n    env_file:\n      - path: missing.env\n        required: false\n")
                        .spec()
                        .getServicesOrThrow("a");
        assertTrue(optional.getEnvironmentMap().isEmpty());
    }

    @Test
    void commandAndEntrypointStringsSplitLikeAShell() throws Exception {
        ServiceSpec a =
                parseText(
                                "services:\n  a:\n    image: x\n    entrypoint: sh -c\n    command: 'echo \"hello world\" it\\''s  done'\n")
                        .spec()
                        .getServicesOrThrow("a");
        assertEquals(List.of("sh", "-c"), a.getEntrypointList());
        assertEquals(List.of("echo", "hello world", "it's", "done"), a.getCommandList());
        assertEquals(
                "compose.yml: services.a.command: unterminated \" quote in 'echo \"oops'",
                errorText("services:\n  a:\n    image: x\n    command: 'echo \"oops'\n"));
    }

    @Test
    void volumesShortAndLongSyntax() throws Exception {
        ServiceSpec a =
                parseText(
                                "services:\n  a:\n    image: x\n    volumes:\n      - /var/data\n      - ./conf:/etc/app:ro\n"
                                        + "      - ~/cache:/cache\n      - data:/data:rw\n      - type: bind\n        source: ./logs\n        target: /logs\n        read_only: true\n"
                                        + "      - type: volume\n        target: /anon\nvolumes:\n  data:\n")
                        .spec()
                        .getServicesOrThrow("a");
        assertEquals(
                List.of(
                        "/var/data",
                        temp.resolve("conf") + ":/etc/app:ro",
                        "/home/op/cache:/cache",
                        "data:/data",
                        temp.resolve("logs") + ":/logs:ro",
                        "/anon"),
                a.getVolumesList());
    }

    @Test
    void deployResourcesDevicesAndRestartPolicy() throws Exception {
        ServiceSpec a =
                parseText(
                                "services:\n  a:\n    image: x\n    deploy:\n      mode: replicated\n      replicas: 0\n      resources:\n        limits:\n          cpus: 2\n          memory: 1073741824\n"
                                        + "        reservations:\n          devices:\n            - driver: nvidia\n              count: all\n              capabilities: [gpu]\n"
                                        + "      restart_policy:\n        condition: any\n        delay: 5s\n")
                        .spec()
                        .getServicesOrThrow("a");
        assertEquals(0, a.getDeploy().getReplicas());
        assertEquals("2", a.getDeploy().getResources().getLimits().getCpus());
        assertEquals("1073741824", a.getDeploy().getResources().getLimits().getMemory());
        assertEquals("nvidia", a.getDevices(0).getDriver());
        assertEquals(-1, a.getDevices(0).getCount());
        assertEquals(List.of("gpu"), a.getDevices(0).getCapabilitiesList());
        assertEquals("always", a.getRestart());
        assertEquals(
                "compose.yml: the node does not support this key: services.a.deploy.mode: global (remove it to deploy here)",
                errorText("services:\n  a:\n    image: x\n    deploy:\n      mode: global\n"));
        assertEquals(
                "compose.yml: services.a: restart 'always' and deploy.restart_policy ('no') disagree; keep one",
                errorText(
                        "services:\n  a:\n    image: x\n    restart: always\n    deploy:\n      restart_policy:\n        condition: none\n"));
    }

    @Test
    void legacyScaleSetsReplicas() throws Exception {
        assertEquals(
                4,
                parseText("services:\n  a:\n    image: x\n    scale: 4\n")
                        .spec()
                        .getServicesOrThrow("a")
                        .getDeploy()
                        .getReplicas());
        assertEquals(
                "compose.yml: services.a: scale 4 and deploy.replicas 2 disagree; keep one",
                errorText(
                        "services:\n  a:\n    image: x\n    scale: 4\n    deploy:\n      replicas: 2\n"));
    }

    @Test
    void interpolationSyntaxErrorsAreNamed() {
        assertEquals(
                "compose.yml: services.a.image: invalid interpolation format in 'x:${TAG': no closing }",
                errorText("services:\n  a:\n    image: x:${TAG\n"));
        assertEquals(
                "compose.yml: services.a.image: required variable TAG is missing a value",
                errorText("services:\n  a:\n    image: x:${TAG:?}\n"));
        assertEquals(
                "compose.yml: services.a.image: invalid interpolation format in 'x:${1A}': bad variable name",
                errorText("services:\n  a:\n    image: x:${1A}\n"));
    }

    @Test
    void mergeKeysAndAnchorsAreResolved() throws Exception {
        ComposeSpec spec =
                parseText(
                                "x-base: &base\n  image: base:1\n  restart: always\n  environment: {A: \"1\"}\n"
                                        + "services:\n  a:\n    <<: *base\n  b:\n    <<: *base\n    image: other:2\n")
                        .spec();
        assertEquals("base:1", spec.getServicesOrThrow("a").getImage());
        assertEquals("always", spec.getServicesOrThrow("a").getRestart());
        assertEquals("other:2", spec.getServicesOrThrow("b").getImage());
        assertEquals(Map.of("A", "1"), spec.getServicesOrThrow("b").getEnvironmentMap());
    }

    @Test
    void structureErrorsNameWhatWasExpected() {
        assertEquals(
                "compose.yml: expected a mapping with 'services' at the top level",
                errorText("- a\n- b\n"));
        assertEquals(
                "compose.yml: no 'services': a compose file needs at least one service",
                errorText("name: x\n"));
        assertEquals(
                "compose.yml: services.a.ports: expected a list, found '80'",
                errorText("services:\n  a:\n    image: x\n    ports: 80\n"));
        assertEquals(
                "compose.yml: services.a.networks: network 'back' is not declared under the top-level networks",
                errorText("services:\n  a:\n    image: x\n    networks: [back]\n"));
        assertEquals(
                "compose.yml: services.a.depends_on.b.condition: 'service_ready' is not service_started, service_healthy or"
                        + " service_completed_successfully",
                errorText(
                        "services:\n  a:\n    image: x\n    depends_on:\n      b:\n        condition: service_ready\n  b:\n    image: y\n"));
    }

    @Test
    void dotEnvReportsMalformedLines() throws IOException {
        Files.writeString(temp.resolve(".env"), "GOOD=1\nnot a var\nBAD='open\n");
        ComposeException e =
                assertThrows(
                        ComposeException.class, () -> parseText("services:\n  a:\n    image: x\n"));
        assertEquals(
                "compose.yml: 2 problems:\n"
                        + "  - .env line 2: 'not a var' is not a variable name (expected KEY=VALUE)\n"
                        + "  - .env line 3: unterminated ' quote",
                e.getMessage());
    }
}
