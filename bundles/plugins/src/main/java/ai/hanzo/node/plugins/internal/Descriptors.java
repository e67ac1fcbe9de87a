package ai.hanzo.node.plugins.internal;

import ai.hanzo.node.api.InvalidArgumentException;
import ai.hanzo.node.api.plugin.PluginDescriptor;
import ai.hanzo.node.api.plugin.PluginKind;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** Reads a plugin descriptor from manifest headers. */
final class Descriptors {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private Descriptors() {}

    /**
     * @param headers the bundle's manifest headers
     * @param symbolicName the bundle's symbolic name
     * @param version the bundle's version
     * @return the descriptor, or empty when the bundle is not a plugin (no name header)
     * @throws InvalidArgumentException when the bundle is a plugin with a bad descriptor
     */
    static Optional<PluginDescriptor> read(
            Map<String, String> headers, String symbolicName, String version) {
        String name = headers.get(PluginDescriptor.NAME_HEADER);
        if (name == null) {
            return Optional.empty();
        }
        name = name.trim();
        if (!NAME.matcher(name).matches()) {
            throw new InvalidArgumentException(
                    PluginDescriptor.NAME_HEADER
                            + " '"
                            + name
                            + "' is not a plugin name (letters, digits, '.', '-', '_', at most"
                            + " 64)");
        }
        String kindHeader = headers.get(PluginDescriptor.KIND_HEADER);
        PluginKind kind =
                kindHeader == null
                        ? PluginKind.OTHER
                        : PluginKind.parse(kindHeader)
                                .orElseThrow(
                                        () ->
                                                new InvalidArgumentException(
                                                        PluginDescriptor.KIND_HEADER
                                                                + " '"
                                                                + kindHeader
                                                                + "' is none of runtime, engine,"
                                                                + " other"));
        return Optional.of(
                new PluginDescriptor(
                        name,
                        version,
                        kind,
                        headers.getOrDefault(PluginDescriptor.DESCRIPTION_HEADER, "").trim(),
                        headers.getOrDefault(PluginDescriptor.AUTHOR_HEADER, "").trim(),
                        symbolicName == null ? "" : symbolicName));
    }
}
