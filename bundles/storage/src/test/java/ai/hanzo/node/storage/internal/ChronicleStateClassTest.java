package ai.hanzo.node.storage.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import net.openhft.chronicle.hash.VanillaGlobalMutableState;
import net.openhft.chronicle.values.Values;
import org.junit.jupiter.api.Test;

class ChronicleStateClassTest {
    @Test
    void chronicleUsesTheBuiltStateClassInsteadOfCompilingOne() throws Exception {
        Path classes = Path.of(System.getProperty("storage.classes", "target/classes"));
        Path built =
                classes.resolve(
                        ChronicleStateClassGenerator.NATIVE_CLASS.replace('.', '/') + ".class");
        assertTrue(Files.isRegularFile(built), "the build wrote " + built);

        Class<?> used = Values.nativeClassFor(VanillaGlobalMutableState.class);

        assertEquals(ChronicleStateClassGenerator.NATIVE_CLASS, used.getName());
        // a class Chronicle compiled at run time has no code source; this one comes from the
        // bundle's own classes
        assertEquals(
                classes.toRealPath(),
                Path.of(used.getProtectionDomain().getCodeSource().getLocation().toURI())
                        .toRealPath());
        assertTrue(VanillaGlobalMutableState.class.isAssignableFrom(used));
    }
}
