package ai.hanzo.node.plugins.internal;

import ai.hanzo.node.api.plugin.PluginDescriptor;
import ai.hanzo.node.api.plugin.PluginInfo;
import ai.hanzo.node.api.plugin.PluginKind;
import ai.hanzo.node.api.plugin.PluginState;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.service.component.annotations.Component;

/**
 * Plugin files in {@code deploy/} that were refused before any bundle of theirs was installed (a
 * malformed features XML, one naming a bundle that cannot be read): the extender lists them as
 * failed plugins, with no bundle ({@link #NO_BUNDLE}), until the file is fixed or deleted.
 */
@Component(service = DeployProblems.class)
public final class DeployProblems {
    /**
     * The bundle id of a plugin that has no bundle: it was refused before one was installed. 0 is
     * the framework's own id, never a plugin's, and proto3's "not set" on the wire.
     */
    static final long NO_BUNDLE = 0;

    private final Map<Path, PluginInfo> failed = new ConcurrentHashMap<>();

    /**
     * Records a refused file; it replaces what was recorded for that file before.
     *
     * @param file the file in deploy/
     * @param name the plugin's name when it could be read, else the file's name
     * @param version its version when it could be read, else empty
     * @param reason why it was refused
     */
    void fail(Path file, String name, String version, String reason) {
        PluginDescriptor descriptor =
                new PluginDescriptor(name, version, PluginKind.OTHER, "", "", "");
        failed.put(
                file,
                new PluginInfo(
                        NO_BUNDLE,
                        file.toUri().toString(),
                        descriptor,
                        PluginState.FAILED,
                        reason,
                        0,
                        List.of(),
                        Instant.now()));
    }

    /**
     * Forgets a file: it was deleted, or it is being installed again.
     *
     * @param file the file in deploy/
     */
    void clear(Path file) {
        failed.remove(file);
    }

    /**
     * @return the refused files as failed plugins
     */
    List<PluginInfo> list() {
        return List.copyOf(failed.values());
    }
}
