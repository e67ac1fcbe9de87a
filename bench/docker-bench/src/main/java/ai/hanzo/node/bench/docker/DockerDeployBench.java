package ai.hanzo.node.bench.docker;

import ai.hanzo.node.api.runtime.ContainerRuntime;
import ai.hanzo.node.api.runtime.ContainerSpec;
import ai.hanzo.node.api.runtime.ContainerState;
import ai.hanzo.node.runtime.docker.internal.DockerContainerRuntime;
import ai.hanzo.node.runtime.docker.internal.DockerRuntimeConfig;
import java.io.IOException;
import java.io.InputStream;
import java.lang.annotation.Annotation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Deploy to all replicas running, 1 and 10 replicas: the docker runtime ({@code create} then {@code
 * start} per replica, as the orchestrator calls it) against {@code docker run -d} with the Debian
 * docker CLI, on one private engine, alternating in one run. Each round is timed from the first
 * call to the moment every replica is running; the containers are removed between rounds (not
 * timed).
 *
 * <p>Arguments: the path of {@code dockerd.sh} and a work directory for the engine.
 */
public final class DockerDeployBench {
    private static final int ROUNDS = Integer.getInteger("rounds", 5);

    private DockerDeployBench() {}

    /**
     * @param args {@code dockerd.sh} and the engine's directory
     * @throws Exception when the engine cannot be started or a call fails
     */
    public static void main(String[] args) throws Exception {
        Path script = Path.of(args[0]);
        Path dir = Path.of(args[1]);
        run("bash", script.toString(), "start", dir.toString());
        try {
            Properties p = new Properties();
            try (InputStream in = Files.newInputStream(dir.resolve("dockerd.properties"))) {
                p.load(in);
            }
            if (p.getProperty("unavailable") != null) {
                throw new IllegalStateException("dockerd: " + p.getProperty("unavailable"));
            }
            bench(p.getProperty("host"), p.getProperty("image"), p.getProperty("network"));
        } finally {
            run("bash", script.toString(), "stop", dir.toString());
        }
    }

    private static void bench(String host, String image, String network) throws Exception {
        try (DockerContainerRuntime runtime = new DockerContainerRuntime(config(host, network));
                OrchestratorDeploy orchestrators = new OrchestratorDeploy()) {
            System.out.printf(
                    "engine %s, image %s, %d rounds per cell (first round of each cell is warm-up)%n",
                    host, image, ROUNDS);
            System.out.printf(
                    "%-9s %-10s %12s %12s %8s %14s %8s%n",
                    "replicas", "mode", "runtime ms", "cli ms", "ratio", "orchestr. ms", "ratio");
            for (int replicas : new int[] {1, 10}) {
                for (boolean parallel : new boolean[] {false, true}) {
                    if (replicas == 1 && parallel) {
                        continue;
                    }
                    List<Double> viaRuntime = new ArrayList<>();
                    List<Double> viaCli = new ArrayList<>();
                    List<Double> viaOrchestrator = new ArrayList<>();
                    for (int round = 0; round < ROUNDS; round++) {
                        // alternate which goes first, so drift on a shared machine hits both
                        boolean runtimeFirst = round % 2 == 0;
                        double a;
                        double b;
                        if (runtimeFirst) {
                            a = deployWithRuntime(runtime, image, replicas, parallel, round);
                            b = deployWithCli(host, image, network, replicas, parallel, round);
                        } else {
                            b = deployWithCli(host, image, network, replicas, parallel, round);
                            a = deployWithRuntime(runtime, image, replicas, parallel, round);
                        }
                        cleanUp(runtime);
                        // the orchestrator creates a service's replicas one after the other
                        double o =
                                parallel
                                        ? Double.NaN
                                        : orchestrators.deploy(runtime, image, replicas, round);
                        if (round > 0) {
                            viaRuntime.add(a);
                            viaCli.add(b);
                            viaOrchestrator.add(o);
                        }
                        cleanUp(runtime);
                    }
                    double r = median(viaRuntime);
                    double c = median(viaCli);
                    double o = median(viaOrchestrator);
                    // the orchestrator has no parallel variant of one service's replicas
                    String orchestrated =
                            parallel
                                    ? String.format("%14s %8s", "-", "-")
                                    : String.format("%14.1f %7.2fx", o, o / c);
                    System.out.printf(
                            "%-9d %-10s %12.1f %12.1f %7.2fx %s%n",
                            replicas,
                            parallel ? "parallel" : "one-by-one",
                            r,
                            c,
                            r / c,
                            orchestrated);
                }
            }
        }
    }

    private static double deployWithRuntime(
            ContainerRuntime runtime, String image, int replicas, boolean parallel, int round)
            throws Exception {
        long t0 = System.nanoTime();
        List<String> ids = new ArrayList<>();
        if (parallel) {
            ExecutorService pool = Executors.newFixedThreadPool(replicas);
            try {
                List<Future<String>> started = new ArrayList<>();
                for (int i = 0; i < replicas; i++) {
                    int replica = i;
                    started.add(
                            pool.submit(
                                    () -> createAndStart(runtime, image, "rt", round, replica)));
                }
                for (Future<String> f : started) {
                    ids.add(f.get());
                }
            } finally {
                pool.shutdown();
            }
        } else {
            for (int i = 0; i < replicas; i++) {
                ids.add(createAndStart(runtime, image, "rt", round, i));
            }
        }
        for (String id : ids) {
            if (runtime.inspect(id).state() != ContainerState.RUNNING) {
                throw new IllegalStateException("replica " + id + " is not running");
            }
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    private static String createAndStart(
            ContainerRuntime runtime, String image, String kind, int round, int replica) {
        String id =
                runtime.create(
                        new ContainerSpec(
                                "bench-" + kind + "-" + round + "-" + replica,
                                image,
                                List.of(),
                                List.of("sleep", "600"),
                                Map.of(),
                                "",
                                "",
                                "",
                                List.of(),
                                List.of(),
                                List.of(),
                                Map.of("hanzo.bench", "docker"),
                                OptionalDouble.empty(),
                                OptionalLong.empty(),
                                OptionalLong.empty(),
                                List.of(),
                                Optional.empty()));
        runtime.start(id);
        return id;
    }

    private static double deployWithCli(
            String host, String image, String network, int replicas, boolean parallel, int round)
            throws Exception {
        long t0 = System.nanoTime();
        List<Process> running = new ArrayList<>();
        for (int i = 0; i < replicas; i++) {
            ProcessBuilder pb =
                    new ProcessBuilder(
                                    "/usr/bin/docker",
                                    "-H",
                                    host,
                                    "run",
                                    "-d",
                                    "--name",
                                    "bench-cli-" + round + "-" + i,
                                    "--network",
                                    network,
                                    "--label",
                                    "hanzo.bench=docker",
                                    image,
                                    "sleep",
                                    "600")
                            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                            .redirectError(ProcessBuilder.Redirect.INHERIT);
            Process proc = pb.start();
            if (parallel) {
                running.add(proc);
            } else {
                check(proc);
            }
        }
        for (Process proc : running) {
            check(proc);
        }
        // `docker run -d` returns once the container has started: all replicas are running now
        return (System.nanoTime() - t0) / 1e6;
    }

    private static void check(Process proc) throws InterruptedException {
        int code = proc.waitFor();
        if (code != 0) {
            throw new IllegalStateException("docker run exited " + code);
        }
    }

    private static void cleanUp(ContainerRuntime runtime) {
        runtime.list(Map.of("hanzo.bench", "docker")).forEach(c -> runtime.remove(c.id(), true));
    }

    private static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static void run(String... command) throws IOException, InterruptedException {
        int code = new ProcessBuilder(command).inheritIO().start().waitFor();
        if (code != 0) {
            throw new IllegalStateException(Arrays.toString(command) + " exited " + code);
        }
    }

    /** The runtime's configuration as Config Admin would give it, with this engine. */
    private static DockerRuntimeConfig config(String host, String network) {
        return new DockerRuntimeConfig() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return DockerRuntimeConfig.class;
            }

            @Override
            public String host() {
                return host;
            }

            @Override
            public String registry() {
                return "";
            }

            @Override
            public String registry_username() {
                return "";
            }

            @Override
            public String registry_password() {
                return "";
            }

            @Override
            public String network() {
                return network;
            }

            @Override
            public int connect_timeout_seconds() {
                return 5;
            }

            @Override
            public int api_timeout_seconds() {
                return 120;
            }

            @Override
            public int max_connections() {
                return 100;
            }
        };
    }
}
