package ai.hanzo.node.storage.internal;

import java.io.IOException;
import java.io.StringWriter;
import java.lang.reflect.Method;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import net.openhft.chronicle.hash.VanillaGlobalMutableState;
import net.openhft.chronicle.values.ValueModel;

/**
 * Build step, not a test: writes the class Chronicle Map otherwise compiles with javac, in process,
 * each time a node opens its store ({@code VanillaGlobalMutableState$$Native}, the off-heap view of
 * every map file's header). Chronicle Values looks for that class through the interface's class
 * loader before it generates one, so with this class in the bundle no compiler runs at start (about
 * 1.5 s of CPU and 1100 javac classes on the node's start path, measured in bench/README.md). The
 * source comes from Chronicle Values itself, from the same jars that are embedded, so it is what
 * the run-time compile would produce.
 *
 * <p>Run by exec-maven-plugin with the test class path: {@code <output classes directory>}.
 */
public final class ChronicleStateClassGenerator {
    private ChronicleStateClassGenerator() {}

    /** The class Chronicle Values looks up before it compiles one. */
    static final String NATIVE_CLASS =
            VanillaGlobalMutableState.class.getName() + ValueModel.$$NATIVE;

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: ChronicleStateClassGenerator <classes dir>");
        }
        Path out = Path.of(args[0]);
        String simpleName = VanillaGlobalMutableState.class.getSimpleName() + ValueModel.$$NATIVE;
        // Generators is package-private in Chronicle Values: the same call its ValueModel makes
        Method generate =
                Class.forName("net.openhft.chronicle.values.Generators")
                        .getDeclaredMethod("generateNativeClass", ValueModel.class, String.class);
        generate.setAccessible(true);
        String source =
                (String)
                        generate.invoke(
                                null,
                                ValueModel.acquire(VanillaGlobalMutableState.class),
                                simpleName);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        JavaFileObject unit =
                new SimpleJavaFileObject(
                        URI.create("string:///" + NATIVE_CLASS.replace('.', '/') + ".java"),
                        JavaFileObject.Kind.SOURCE) {
                    @Override
                    public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                        return source;
                    }
                };
        StringWriter messages = new StringWriter();
        boolean compiled =
                javac.getTask(
                                messages,
                                null,
                                null,
                                List.of(
                                        "--release",
                                        "17",
                                        "-nowarn",
                                        "-classpath",
                                        System.getProperty("java.class.path"),
                                        "-d",
                                        out.toString()),
                                null,
                                List.of(unit))
                        .call();
        if (!compiled) {
            throw new IOException("cannot compile " + NATIVE_CLASS + ":\n" + messages);
        }
        Path written = out.resolve(NATIVE_CLASS.replace('.', '/') + ".class");
        if (!Files.isRegularFile(written)) {
            throw new IOException("javac wrote no " + written);
        }
        System.out.println("Wrote " + written);
    }
}
