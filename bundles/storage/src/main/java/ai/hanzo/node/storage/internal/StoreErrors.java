package ai.hanzo.node.storage.internal;

import ai.hanzo.node.api.FailedPreconditionException;
import java.nio.file.Path;

/** The errors an operator sees for a damaged store, with what to do about them. */
final class StoreErrors {
    private StoreErrors() {}

    static FailedPreconditionException damagedFile(Path file, String why, Throwable cause) {
        return new FailedPreconditionException(
                "The node store file "
                        + file
                        + " is damaged or unreadable: "
                        + why
                        + ". The node will not overwrite it. To recover, stop the node and move the store directory "
                        + file.getParent()
                        + " aside (or restore it from a backup), or start the node with --reset-store, which"
                        + " moves it aside to store.bak-<time> and starts with an empty store.",
                cause);
    }

    static FailedPreconditionException chronicleUnavailable(Throwable cause) {
        return new FailedPreconditionException(
                "Chronicle Map cannot run in this JVM ("
                        + cause
                        + "). The node store needs the JVM flags --add-exports=java.base/sun.nio.ch=ALL-UNNAMED"
                        + " --add-exports=java.base/jdk.internal.ref=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED"
                        + " --add-opens=java.base/java.lang.reflect=ALL-UNNAMED (see bin/setenv), and in OSGi"
                        + " org.osgi.framework.bootdelegation must include sun.*, com.sun.* and jdk.internal.*.",
                cause);
    }

    static FailedPreconditionException undecodable(
            Path file, Object key, ValueCodec.UndecodableValueException e) {
        return new FailedPreconditionException(
                "The node store file "
                        + file
                        + " holds an entry that cannot be read (key "
                        + key
                        + "): "
                        + e.getMessage()
                        + ". If a newer node wrote this store, run that version; otherwise move the"
                        + " store directory "
                        + file.getParent()
                        + " aside or start with --reset-store.",
                e);
    }
}
