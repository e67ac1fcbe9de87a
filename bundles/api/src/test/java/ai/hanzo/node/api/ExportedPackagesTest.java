package ai.hanzo.node.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Until a release exists for bnd's baseline to compare against, the exported packages and their
 * versions are pinned in {@code exported-packages.txt}: a change to the api's versions is then a
 * deliberate, reviewed diff of that file, never a side effect.
 */
class ExportedPackagesTest {
    private static final Pattern VERSION = Pattern.compile(";version=\"?([0-9.]+)\"?");

    @Test
    void exportedPackagesAndVersionsAreTheDeclaredOnes() throws IOException {
        Map<String, String> declared = new TreeMap<>();
        try (InputStream in = getClass().getResourceAsStream("/exported-packages.txt")) {
            assertNotNull(in, "exported-packages.txt is on the test class path");
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String trimmed = line.strip();
                if (!trimmed.isEmpty() && !trimmed.startsWith("#")) {
                    String[] parts = trimmed.split("\\s+");
                    declared.put(parts[0], parts[1]);
                }
            }
        }
        assertEquals(
                declared,
                exportedByTheBuiltManifest(),
                "the api bundle's Export-Package differs from src/test/resources/"
                        + "exported-packages.txt: bump the package's @Version as semantic"
                        + " versioning asks, then update the file in the same commit");
    }

    private Map<String, String> exportedByTheBuiltManifest() throws IOException {
        for (URL url :
                Collections.list(
                        getClass().getClassLoader().getResources("META-INF/MANIFEST.MF"))) {
            try (InputStream in = url.openStream()) {
                Manifest manifest = new Manifest(in);
                if ("ai.hanzo.node.api"
                        .equals(manifest.getMainAttributes().getValue("Bundle-SymbolicName"))) {
                    return parse(manifest.getMainAttributes().getValue("Export-Package"));
                }
            }
        }
        throw new AssertionError("bnd wrote no manifest for ai.hanzo.node.api on the class path");
    }

    /** Splits an OSGi header at the commas that are outside quotes. */
    private static Map<String, String> parse(String header) {
        List<String> clauses = new ArrayList<>();
        StringBuilder clause = new StringBuilder();
        boolean quoted = false;
        for (char c : header.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
            }
            if (c == ',' && !quoted) {
                clauses.add(clause.toString());
                clause.setLength(0);
            } else {
                clause.append(c);
            }
        }
        clauses.add(clause.toString());
        Map<String, String> exported = new TreeMap<>();
        for (String c : clauses) {
            Matcher version = VERSION.matcher(c);
            exported.put(c.split(";")[0].strip(), version.find() ? version.group(1) : "0.0.0");
        }
        return exported;
    }
}
