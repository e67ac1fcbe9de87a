package ai.hanzo.node.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Command;

class ClientCommandProvidersTest {
    /** A provider this module's class path has no service file for. */
    public static final class Named implements ClientCommands {
        /** Created by the launcher through its no-argument constructor. */
        public Named() {}

        @Override
        public List<Object> commands(ClientContext context) {
            return List.of(new Hello());
        }
    }

    @Command(name = "hello", description = "Say hello")
    static final class Hello implements Callable<Integer> {
        @Override
        public Integer call() {
            return 7;
        }
    }

    @AfterEach
    void clearProperty() {
        System.clearProperty(HanzoNodeLauncher.CLIENT_COMMANDS_PROPERTY);
    }

    private static List<ClientCommands> providers() {
        List<ClientCommands> found = new ArrayList<>();
        HanzoNodeLauncher.clientCommandProviders().forEach(found::add);
        return found;
    }

    @Test
    void theNamedProviderIsCreatedWithoutAServiceFile() throws Exception {
        System.setProperty(HanzoNodeLauncher.CLIENT_COMMANDS_PROPERTY, Named.class.getName());
        List<ClientCommands> found = providers();
        assertEquals(1, found.size(), found.toString());
        assertInstanceOf(Named.class, found.get(0));

        // its command runs through the launcher, with the exit code it returns
        StringWriter err = new StringWriter();
        int code =
                HanzoNodeLauncher.runClient(
                        new String[] {"hello"},
                        Map.of(),
                        Map.of(),
                        new PrintWriter(new StringWriter()),
                        new PrintWriter(err));
        assertEquals(7, code, err.toString());
    }

    @Test
    void withoutTheNamedClassTheServiceFilesDecide() {
        // this module's class path has no service file: a ServiceLoader finds nothing
        System.setProperty(HanzoNodeLauncher.CLIENT_COMMANDS_PROPERTY, "no.such.Provider");
        assertTrue(providers().isEmpty());
        // a class that is not a provider is not taken either
        System.setProperty(HanzoNodeLauncher.CLIENT_COMMANDS_PROPERTY, String.class.getName());
        assertTrue(providers().isEmpty());
        System.clearProperty(HanzoNodeLauncher.CLIENT_COMMANDS_PROPERTY);
        assertTrue(providers().isEmpty());
    }
}
