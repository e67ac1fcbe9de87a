package ai.hanzo.example.runc;

import ai.hanzo.node.api.runtime.ContainerHealth;
import ai.hanzo.node.api.runtime.ContainerState;
import ai.hanzo.node.api.runtime.ContainerStatus;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * What this runtime remembers of one container, in {@code container.properties} next to its bundle,
 * so a restarted node (or a reinstalled plugin) finds its containers and their labels. Mutated only
 * under the owning {@code RuncContainer}'s lock.
 */
final class ContainerRecord {
    static final String FILE = "container.properties";

    final String id;
    final String name;
    final String image;
    final String stopSignal;
    final Map<String, String> labels;
    final Instant createdAt;
    ContainerState state = ContainerState.CREATED;
    Optional<Instant> startedAt = Optional.empty();
    Optional<Instant> finishedAt = Optional.empty();
    Optional<Integer> exitCode = Optional.empty();
    int restartCount;
    long pid;

    ContainerRecord(
            String id,
            String name,
            String image,
            String stopSignal,
            Map<String, String> labels,
            Instant createdAt) {
        this.id = id;
        this.name = name;
        this.image = image;
        this.stopSignal = stopSignal;
        this.labels = Map.copyOf(labels);
        this.createdAt = createdAt;
    }

    ContainerStatus status(String runtime) {
        return new ContainerStatus(
                id,
                name,
                image,
                runtime,
                state,
                statusText(),
                createdAt,
                startedAt,
                finishedAt,
                exitCode,
                ContainerHealth.NONE,
                restartCount,
                List.of(),
                labels);
    }

    private String statusText() {
        return switch (state) {
            case RUNNING -> "Up since " + startedAt.map(Instant::toString).orElse("?");
            case EXITED -> "Exited (" + exitCode.map(String::valueOf).orElse("unknown") + ")";
            default -> state.wireName();
        };
    }

    void save(Path dir) throws IOException {
        Properties p = new Properties();
        p.setProperty("id", id);
        p.setProperty("name", name);
        p.setProperty("image", image);
        p.setProperty("stopSignal", stopSignal);
        p.setProperty("createdAt", createdAt.toString());
        p.setProperty("state", state.name());
        startedAt.ifPresent(t -> p.setProperty("startedAt", t.toString()));
        finishedAt.ifPresent(t -> p.setProperty("finishedAt", t.toString()));
        exitCode.ifPresent(c -> p.setProperty("exitCode", c.toString()));
        p.setProperty("restartCount", Integer.toString(restartCount));
        p.setProperty("pid", Long.toString(pid));
        labels.forEach((k, v) -> p.setProperty("label." + k, v));
        Path part = dir.resolve(FILE + ".part");
        try (Writer out = Files.newBufferedWriter(part, StandardCharsets.UTF_8)) {
            p.store(out, "hanzo-node runc runtime: one container");
        }
        Files.move(
                part,
                dir.resolve(FILE),
                StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }

    static ContainerRecord load(Path dir) throws IOException {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(dir.resolve(FILE), StandardCharsets.UTF_8)) {
            p.load(in);
        }
        Map<String, String> labels = new HashMap<>();
        for (String key : p.stringPropertyNames()) {
            if (key.startsWith("label.")) {
                labels.put(key.substring(6), p.getProperty(key));
            }
        }
        ContainerRecord r =
                new ContainerRecord(
                        p.getProperty("id"),
                        p.getProperty("name"),
                        p.getProperty("image"),
                        p.getProperty("stopSignal", ""),
                        labels,
                        Instant.parse(p.getProperty("createdAt")));
        r.state = ContainerState.valueOf(p.getProperty("state", "CREATED"));
        r.startedAt = Optional.ofNullable(p.getProperty("startedAt")).map(Instant::parse);
        r.finishedAt = Optional.ofNullable(p.getProperty("finishedAt")).map(Instant::parse);
        r.exitCode = Optional.ofNullable(p.getProperty("exitCode")).map(Integer::valueOf);
        r.restartCount = Integer.parseInt(p.getProperty("restartCount", "0"));
        r.pid = Long.parseLong(p.getProperty("pid", "0"));
        return r;
    }
}
