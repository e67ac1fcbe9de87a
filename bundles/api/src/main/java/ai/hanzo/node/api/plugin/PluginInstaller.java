package ai.hanzo.node.api.plugin;

import java.time.Duration;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Installs, updates and uninstalls plugins on the running node, as an operator does by hand in
 * {@code deploy/}: a plugin jar goes into that folder, so File Install handles it exactly as a
 * dropped file (no refresh reaches the core), and removing it uninstalls the plugin. Each method
 * returns once the plugin extender has seen the change, or fails with why not. Provided by the
 * node's plugin extender.
 */
@ProviderType
public interface PluginInstaller {
    /**
     * Installs a plugin jar, or a multi-bundle plugin as a KAR or a Karaf features XML (written
     * into {@code deploy/} as a KAR, which Karaf's KAR deployer installs with no refresh). It must
     * carry exactly one plugin bundle (a bundle with a {@code Hanzo-Plugin-Name} header) whose name
     * is not installed yet; it is checked before anything is written.
     *
     * @param fileName the file's name in {@code deploy/} (letters, digits, {@code . - _}, ending in
     *     {@code .jar} for a jar, {@code .kar} for a KAR or features XML), or empty to name it
     *     after the plugin
     * @param jar the file's bytes
     * @param wait how long to wait for the plugin to become active, unavailable or failed
     * @return the plugin as the extender sees it then
     * @throws ai.hanzo.node.api.InvalidArgumentException if the jar is no plugin, or the name is
     *     bad
     * @throws ai.hanzo.node.api.AlreadyExistsException if a plugin of that name is installed
     * @throws ai.hanzo.node.api.FailedPreconditionException if the extender did not settle it in
     *     time
     */
    PluginInfo install(String fileName, byte[] jar, Duration wait);

    /**
     * Installs a plugin from a location the node resolves itself: {@code
     * mvn:group/artifact/version} through the node's Maven resolver (its configured repositories),
     * or a {@code file:} URI on the node's machine.
     *
     * @param location where the jar is
     * @param wait how long to wait for the plugin to settle
     * @return the plugin as the extender sees it then
     * @throws ai.hanzo.node.api.InvalidArgumentException if the location cannot be read or is no
     *     plugin
     */
    PluginInfo installFrom(String location, Duration wait);

    /**
     * Replaces an installed plugin's jar in place (the same bundle, updated): the jar must carry
     * the same plugin name.
     *
     * @param name the installed plugin
     * @param jar the new jar
     * @param wait how long to wait for the plugin to settle
     * @return the plugin as the extender sees it then
     * @throws ai.hanzo.node.api.NotFoundException if no such plugin is installed
     */
    PluginInfo update(String name, byte[] jar, Duration wait);

    /**
     * Uninstalls a plugin: its file leaves {@code deploy/} (or its bundle is uninstalled when it
     * came from elsewhere).
     *
     * @param name the installed plugin
     * @param wait how long to wait for it to be gone
     * @throws ai.hanzo.node.api.NotFoundException if no such plugin is installed
     */
    void uninstall(String name, Duration wait);
}
