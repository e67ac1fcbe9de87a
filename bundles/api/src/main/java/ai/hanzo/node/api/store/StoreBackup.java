package ai.hanzo.node.api.store;

import java.nio.file.Path;

/**
 * Takes a consistent copy of the running node's store, registered by the storage bundle next to
 * {@link NodeStore}. The copy is a store directory that a node opens as it is: restore by placing
 * it at {@code <data-dir>/store} of a stopped node.
 */
public interface StoreBackup {
    /**
     * Copies the store into {@code target} while writes to the store wait, so the copy holds one
     * moment of every map. Reads and writes resume when the copy is complete.
     *
     * @param target an absolute directory that does not exist yet or is empty; it is created with
     *     mode 700, the files in it with mode 600
     * @return what was copied
     * @throws ai.hanzo.node.api.InvalidArgumentException if {@code target} is relative, is a file,
     *     is not empty, or lies inside the store itself
     * @throws ai.hanzo.node.api.FailedPreconditionException if the copy cannot be written (disk
     *     full, permissions); a partial copy is removed
     */
    BackupResult backupTo(Path target);

    /**
     * The outcome of {@link #backupTo}.
     *
     * @param directory the store copy
     * @param files how many files were copied
     * @param bytes their total length
     * @param deployments how many deployments the copy holds
     * @param pausedMillis how long writes to the store waited for the copy
     */
    record BackupResult(
            Path directory, int files, long bytes, long deployments, long pausedMillis) {}
}
