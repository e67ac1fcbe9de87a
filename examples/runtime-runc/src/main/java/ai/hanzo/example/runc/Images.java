package ai.hanzo.example.runc;

import ai.hanzo.node.api.ErrorCode;
import ai.hanzo.node.api.InvalidArgumentException;
import ai.hanzo.node.api.NodeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;

/**
 * The images this runtime knows: {@code busybox} (any tag), a root file system made from the host's
 * statically linked busybox (Debian's busybox-static), and an absolute path to a directory that
 * already is a root file system (used read-only in place).
 */
final class Images {
    private final Path busybox;

    /**
     * @param busybox the statically linked busybox binary of the host
     */
    Images(Path busybox) {
        this.busybox = busybox;
    }

    static boolean isBusybox(String image) {
        return image.equals("busybox") || image.startsWith("busybox:");
    }

    /**
     * @param image an image reference
     * @return whether a container can be made from it here
     */
    boolean present(String image) {
        if (isBusybox(image)) {
            return Files.isExecutable(busybox);
        }
        return image.startsWith("/") && Files.isDirectory(Path.of(image));
    }

    /**
     * @param image an image reference
     * @return whether the container's root is the image's directory itself, shared and read-only
     */
    static boolean sharedRoot(String image) {
        return image.startsWith("/");
    }

    /**
     * Makes the root file system of a new container.
     *
     * @param image the image
     * @param rootfs where the container's own root goes (for a busybox image)
     * @return the root file system's path for config.json
     */
    Path prepare(String image, Path rootfs) {
        if (sharedRoot(image)) {
            if (!Files.isDirectory(Path.of(image))) {
                throw new InvalidArgumentException(
                        "image " + image + " is not a directory (a root file system) on this node");
            }
            return Path.of(image);
        }
        if (!isBusybox(image)) {
            throw new InvalidArgumentException(
                    "the runc runtime knows the image busybox (from the host's busybox-static) and"
                            + " absolute paths of root file systems, not "
                            + image);
        }
        if (!Files.isExecutable(busybox)) {
            throw new NodeException(
                    ErrorCode.FAILED_PRECONDITION,
                    busybox + " is missing: install busybox-static for the busybox image");
        }
        try {
            Path bin = Files.createDirectories(rootfs.resolve("bin"));
            for (String dir : new String[] {"proc", "sys", "dev", "tmp", "etc", "root"}) {
                Files.createDirectories(rootfs.resolve(dir));
            }
            Files.copy(busybox, bin.resolve("busybox"), StandardCopyOption.REPLACE_EXISTING);
            for (String applet : applets()) {
                Path link = bin.resolve(applet);
                if (!applet.equals("busybox") && !Files.exists(link)) {
                    Files.createSymbolicLink(link, Path.of("busybox"));
                }
            }
            Files.writeString(
                    rootfs.resolve("etc/passwd"),
                    "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n");
            Files.writeString(rootfs.resolve("etc/group"), "root:x:0:\nnogroup:x:65534:\n");
            return rootfs;
        } catch (IOException e) {
            throw new NodeException(
                    ErrorCode.INTERNAL, "cannot make the busybox root file system: " + e, e);
        }
    }

    private String[] applets() throws IOException {
        Process p = new ProcessBuilder(busybox.toString(), "--list").start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted listing busybox applets", e);
        }
        return out.strip().split("\\s+");
    }
}
