package ai.hanzo.node.cli;

import ai.hanzo.node.launcher.ClientContext;
import ai.hanzo.node.proto.v1.AdminServiceGrpc;
import ai.hanzo.node.proto.v1.BackupStoreRequest;
import ai.hanzo.node.proto.v1.BackupStoreResponse;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hanzo-node backup --output-dir D}: a backup of a running node's data directory that a node
 * starts from as its {@code --data-dir}. The node copies its store into {@code D/store} with writes
 * paused (AdminService.BackupStore, admin only); this command then copies the identity and key
 * files from the local data directory, which the node does not serve over the network.
 */
@Command(
        name = "backup",
        description =
                "Back up a running node's store and identity into a new directory; restore by"
                        + " starting a node with --data-dir at it")
final class BackupCommand extends ClientCommand {
    /** The data directory's files a restored node needs to keep its identity and keys. */
    private static final List<String> IDENTITY_FILES =
            List.of("node-id", "admin.key", "api-keys", "p2p/identity.key");

    @Option(
            names = "--output-dir",
            required = true,
            paramLabel = "<dir>",
            description =
                    "A new or empty directory on the node's host (the node writes the store"
                            + " there)")
    Path outputDir;

    BackupCommand(ClientContext context) {
        this.context = context;
    }

    @Override
    int run(Output output) throws Exception {
        Path dataDir =
                connection.dataDirectory != null
                        ? connection.dataDirectory.toAbsolutePath().normalize()
                        : context.dataDirectory();
        Path out = outputDir.toAbsolutePath().normalize();
        // the node id proves this is a node's data directory before anything is written
        String nodeId = NodeFiles.nodeId(dataDir);
        if (out.startsWith(dataDir) || dataDir.startsWith(out)) {
            throw new CliException(
                    ExitCode.USAGE,
                    "--output-dir " + out + " overlaps the data directory " + dataDir);
        }
        if (Files.exists(out)) {
            try (var entries = Files.list(out)) {
                if (entries.findAny().isPresent()) {
                    throw new CliException(
                            ExitCode.USAGE,
                            "--output-dir " + out + " is not empty: give a new or empty directory");
                }
            } catch (IOException e) {
                throw new CliException(
                        ExitCode.USAGE, "cannot read --output-dir " + out + ": " + e.getMessage());
            }
        }
        boolean created = !Files.exists(out);
        Files.createDirectories(out);
        ownerOnly(out, true);
        BackupStoreResponse store;
        try {
            store =
                    AdminServiceGrpc.newBlockingStub(node.channel())
                            .withDeadlineAfter(
                                    Math.max(node.timeoutSeconds(), 600), TimeUnit.SECONDS)
                            .backupStore(
                                    BackupStoreRequest.newBuilder()
                                            .setOutputDir(out.resolve("store").toString())
                                            .build());
        } catch (StatusRuntimeException e) {
            // the node removes a partial store copy itself; leave no empty backup behind either
            if (created) {
                Files.deleteIfExists(out);
            }
            throw e;
        }
        List<String> copied = new ArrayList<>();
        for (String name : IDENTITY_FILES) {
            Path source = dataDir.resolve(name);
            if (!Files.isRegularFile(source)) {
                continue;
            }
            Path target = out.resolve(name);
            if (target.getParent() != null && !target.getParent().equals(out)) {
                Files.createDirectories(target.getParent());
                ownerOnly(target.getParent(), true);
            }
            // created owner-only before a byte of the key is in it
            Files.createFile(target, ownerOnlyAttribute(false));
            Files.write(target, Files.readAllBytes(source));
            copied.add(name);
        }
        if (output.table()) {
            output.out()
                    .printf(
                            "Backed up node %s to %s%n"
                                    + "  store: %d deployments, %d files, %d bytes (writes paused"
                                    + " %d ms)%n"
                                    + "  identity and keys: %s%n"
                                    + "Restore: stop the node, then start it with --data-dir %s"
                                    + " (or copy this directory's contents to its data"
                                    + " directory)%n",
                            nodeId,
                            out,
                            store.getDeployments(),
                            store.getFiles(),
                            store.getBytes(),
                            store.getPausedMillis(),
                            String.join(", ", copied),
                            out);
            output.out().flush();
        } else {
            output.messages(List.of(store));
        }
        return ExitCode.OK;
    }

    private static java.nio.file.attribute.FileAttribute<?>[] ownerOnlyAttribute(
            boolean directory) {
        if (!posix()) {
            return new java.nio.file.attribute.FileAttribute<?>[0];
        }
        return new java.nio.file.attribute.FileAttribute<?>[] {
            PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString(directory ? "rwx------" : "rw-------"))
        };
    }

    private static void ownerOnly(Path path, boolean directory) throws IOException {
        if (posix()) {
            Files.setPosixFilePermissions(
                    path, PosixFilePermissions.fromString(directory ? "rwx------" : "rw-------"));
        }
    }

    private static boolean posix() {
        return java.nio.file.FileSystems.getDefault()
                .supportedFileAttributeViews()
                .contains("posix");
    }
}
