package ai.hanzo.node.cli;

import ai.hanzo.node.proto.v1.NodeServiceGrpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;

/**
 * A head start for a command that talks to the node: while the main thread builds the command line,
 * a daemon thread reads the command's annotations ahead of picocli and initialises the gRPC, Netty
 * and protobuf classes that the first call needs (their static set-up runs on every start, archived
 * or not) and makes the event loop that the command's connection takes. On a machine with a free
 * core this takes that work off the command's wall time; it sends nothing and connects nowhere.
 *
 * <p>A command waits for it ({@link ClientCommand#call}, {@link NodeConnection#open}) before it
 * touches those classes: two threads running the static set-up of classes that refer to each other
 * could otherwise deadlock.
 */
final class ChannelWarmUp {
    // the commands that open a connection to the node first thing, by name
    private static final Map<String, Class<?>> NODE_COMMANDS =
            Map.ofEntries(
                    Map.entry("status", StatusCommand.class),
                    Map.entry("ps", PsCommand.class),
                    Map.entry("logs", LogsCommand.class),
                    Map.entry("exec", ExecCommand.class),
                    Map.entry("scale", ScaleCommand.class),
                    Map.entry("stop", StopCommand.class),
                    Map.entry("rm", RmCommand.class),
                    Map.entry("events", EventsCommand.class),
                    Map.entry("top", TopCommand.class),
                    Map.entry("models", ModelsCommand.class),
                    Map.entry("embed", EmbedCommand.class),
                    Map.entry("plugin", PluginCommand.class),
                    Map.entry("deploy", DeployCommand.class),
                    Map.entry("backup", BackupCommand.class));

    // classes whose static set-up the first call runs, initialised ahead; a name a later gRPC or
    // Netty version no longer has is skipped
    private static final List<String> FIRST_CALL_CLASSES =
            List.of(
                    "io.grpc.netty.shaded.io.grpc.netty.Utils",
                    "io.grpc.netty.shaded.io.grpc.netty.NettyClientTransport",
                    "io.grpc.netty.shaded.io.grpc.netty.NettyClientHandler",
                    "io.grpc.netty.shaded.io.grpc.netty.NettyClientStream",
                    "io.grpc.netty.shaded.io.grpc.netty.ProtocolNegotiators",
                    "io.grpc.netty.shaded.io.netty.bootstrap.Bootstrap",
                    "io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel",
                    "io.grpc.netty.shaded.io.netty.buffer.ByteBufUtil",
                    "io.grpc.netty.shaded.io.netty.buffer.PooledByteBufAllocator",
                    "io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2CodecUtil",
                    "io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2Connection",
                    "io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2FrameReader",
                    "io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2FrameWriter",
                    "io.grpc.netty.shaded.io.netty.handler.codec.http2.HpackStaticTable",
                    "io.grpc.netty.shaded.io.netty.handler.codec.http2.HpackHuffmanDecoder",
                    "io.grpc.netty.shaded.io.netty.handler.codec.http2.HpackEncoder",
                    "io.grpc.netty.shaded.io.netty.handler.codec.http2.HpackDecoder",
                    "io.grpc.internal.ClientCallImpl",
                    "io.grpc.internal.DelayedClientTransport",
                    "io.grpc.internal.MessageFramer",
                    "io.grpc.internal.MessageDeframer",
                    "io.grpc.stub.ClientCalls");

    private static Thread thread;

    private ChannelWarmUp() {}

    /**
     * Starts the head start if {@code command} is one that talks to the node, once per JVM.
     *
     * @param command the first word of the command line
     */
    static synchronized void start(String command) {
        Class<?> type = NODE_COMMANDS.get(command);
        if (thread != null || type == null) {
            return;
        }
        thread = new Thread(() -> run(type), "hanzo-cli-warm-up");
        thread.setDaemon(true);
        thread.start();
    }

    /** Waits until the head start, if one was started, has finished. */
    static void await() {
        Thread started;
        synchronized (ChannelWarmUp.class) {
            started = thread;
        }
        if (started == null) {
            return;
        }
        try {
            started.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void run(Class<?> command) {
        try {
            readAnnotations(command);
            readAnnotations(ConnectionOptions.class);
            readAnnotations(OutputOptions.class);
            // an idle channel: nothing connects before a call; its event loop, made here, is the
            // one the command's connection takes (closing the channel leaves it running)
            ManagedChannel idle =
                    NodeConnection.channelBuilder(
                                    new InetSocketAddress(InetAddress.getLoopbackAddress(), 9),
                                    InsecureChannelCredentials.create(),
                                    NodeConnection.prepareEventLoop())
                            .build();
            ClassLoader loader = ChannelWarmUp.class.getClassLoader();
            for (String name : FIRST_CALL_CLASSES) {
                try {
                    Class.forName(name, true, loader);
                } catch (ClassNotFoundException e) {
                    // another version of the library: the command initialises what it has itself
                }
            }
            // the methods' message classes and their parsers, as an answer reaches them
            for (MethodDescriptor<?, ?> method :
                    List.of(
                            NodeServiceGrpc.getGetHealthMethod(),
                            NodeServiceGrpc.getGetStatusMethod(),
                            NodeServiceGrpc.getListContainersMethod())) {
                method.parseResponse(new ByteArrayInputStream(new byte[0]));
            }
            idle.shutdownNow();
        } catch (RuntimeException | LinkageError e) {
            // only a head start: the command does all of this itself and reports what fails
        }
    }

    /**
     * Reads the annotations that picocli reads when it builds the command's spec: those of the
     * class, its fields and methods, up its class hierarchy to Object. The JVM parses each
     * element's annotations once and generates a proxy class per annotation type the first time
     * (none of which the AppCDS archive holds), and picocli's reflection then finds them ready.
     */
    private static void readAnnotations(Class<?> type) {
        for (Class<?> each = type; each != null; each = each.getSuperclass()) {
            each.getDeclaredAnnotations();
            for (Field field : each.getDeclaredFields()) {
                field.getDeclaredAnnotations();
            }
            for (Method method : each.getDeclaredMethods()) {
                method.getDeclaredAnnotations();
            }
        }
    }
}
