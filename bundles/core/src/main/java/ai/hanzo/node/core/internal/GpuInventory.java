package ai.hanzo.node.core.internal;

import ai.hanzo.node.api.node.GpuInfo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Finds the machine's GPUs: NVIDIA ones through {@code nvidia-smi} when it is installed. Runs on a
 * worker thread with a deadline (the profile's), never on a reader's thread.
 */
final class GpuInventory {
    private GpuInventory() {}

    /**
     * @return the GPUs found; empty on a machine without NVIDIA's tools
     * @throws IOException if nvidia-smi is there but fails
     * @throws InterruptedException if interrupted while waiting for it
     */
    static List<GpuInfo> probe() throws IOException, InterruptedException {
        Path smi = findOnPath("nvidia-smi");
        if (smi == null) {
            return List.of();
        }
        Process process =
                new ProcessBuilder(
                                smi.toString(),
                                "--query-gpu=name,memory.total,driver_version",
                                "--format=csv,noheader,nounits")
                        .redirectErrorStream(true)
                        .start();
        try (InputStream in = process.getInputStream()) {
            String output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(5, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IOException("nvidia-smi failed: " + output.strip());
            }
            return parse(output);
        } finally {
            process.destroyForcibly();
        }
    }

    /**
     * @param csv nvidia-smi's {@code name, memory MiB, driver} lines
     * @return one entry per line
     */
    static List<GpuInfo> parse(String csv) {
        List<GpuInfo> gpus = new ArrayList<>();
        for (String line : csv.split("\n")) {
            String[] f = line.split(",");
            if (f.length < 3) {
                continue;
            }
            long mib;
            try {
                mib = Long.parseLong(f[1].trim());
            } catch (NumberFormatException e) {
                mib = 0;
            }
            gpus.add(new GpuInfo(f[0].trim(), mib * 1024 * 1024, f[2].trim()));
        }
        return gpus;
    }

    private static Path findOnPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir, program);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
