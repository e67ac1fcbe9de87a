package ai.hanzo.node.pytorch.internal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.proto.v1.DataType;
import ai.hanzo.node.proto.v1.EngineInfo;
import ai.hanzo.node.proto.v1.InferItem;
import ai.hanzo.node.proto.v1.InferRequest;
import ai.hanzo.node.proto.v1.InferResponse;
import ai.hanzo.node.proto.v1.InferenceServiceGrpc;
import ai.hanzo.node.proto.v1.ListModelsRequest;
import ai.hanzo.node.proto.v1.ListModelsResponse;
import ai.hanzo.node.proto.v1.LoadModelRequest;
import ai.hanzo.node.proto.v1.ModelInfo;
import ai.hanzo.node.proto.v1.TensorProto;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.ref.WeakReference;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.felix.framework.FrameworkFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.framework.wiring.FrameworkWiring;

/**
 * The plug-in as an operator uses it: the node's bundles (api, core, rpc, inference) run in Felix
 * and serve gRPC on loopback; the PyTorch bundle is installed into the running node, a TorchScript
 * model is loaded and answers Infer with the outputs PyTorch computed for it in Python; then the
 * bundle is uninstalled and installed again {@code pytorch.itest.cycles} times without a restart.
 * Each time the model is listed unavailable with the reason while the engine is gone, loads again
 * by itself when it returns, and gives the same answers. Every old bundle class loader is
 * collected; heap, metaspace, loaded classes and resident memory are printed at the end.
 */
class PyTorchPluginIT {
    private static final float TOLERANCE = 1e-5f;

    @TempDir Path dir;

    private static Path bundle(String name) {
        Path jar = Path.of(System.getProperty("it.bundles")).resolve(name + ".jar");
        assertTrue(Files.exists(jar), "missing " + jar);
        return jar;
    }

    /** One row of classifier-expected.txt: features, logits and probabilities of one item. */
    record Expected(float[] features, float[] logits, float[] probabilities) {}

    static List<Expected> expected() throws IOException {
        Map<String, Map<Integer, float[]>> rows = new HashMap<>();
        try (InputStream in =
                PyTorchPluginIT.class.getResourceAsStream("/classifier-expected.txt")) {
            for (String line : new String(in.readAllBytes()).lines().toList()) {
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                String[] parts = line.trim().split(" ");
                float[] values = new float[parts.length - 2];
                for (int i = 2; i < parts.length; i++) {
                    values[i - 2] = Float.parseFloat(parts[i]);
                }
                rows.computeIfAbsent(parts[0], k -> new HashMap<>())
                        .put(Integer.parseInt(parts[1]), values);
            }
        }
        List<Expected> list = new ArrayList<>();
        for (int i = 0; i < rows.get("features").size(); i++) {
            list.add(
                    new Expected(
                            rows.get("features").get(i),
                            rows.get("logits").get(i),
                            rows.get("probabilities").get(i)));
        }
        return list;
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    void hotInstalledPyTorchServesTorchScriptAndSurvivesReinstalls() throws Exception {
        int cycles = Integer.getInteger("pytorch.itest.cycles", 3);
        Path model = dir.resolve("models").resolve("classifier.pt");
        Files.createDirectories(model.getParent());
        try (InputStream in = PyTorchPluginIT.class.getResourceAsStream("/classifier.pt")) {
            Files.copy(in, model);
        }
        Path corrupt = dir.resolve("models").resolve("corrupt.pt");
        Files.write(corrupt, "PK\u0003\u0004 not really a TorchScript archive".getBytes());
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        Path data = dir.resolve("data");
        Map<String, String> props = new HashMap<>();
        props.put(Constants.FRAMEWORK_STORAGE, dir.resolve("felix-cache").toString());
        props.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        props.put(Constants.FRAMEWORK_BOOTDELEGATION, "sun.*,com.sun.*,jdk.internal.*");
        props.put("hanzo.data.dir", data.toString());
        props.put("hanzo.version", "itest");
        props.put("hanzo.grpc.addr", "127.0.0.1:" + port);
        props.put("karaf.home", dir.resolve("home").toString());
        props.put("ds.loglevel", "warn");
        Framework framework = new FrameworkFactory().newFramework(props);
        framework.start();
        ManagedChannel channel = null;
        try {
            BundleContext context = framework.getBundleContext();
            List<Bundle> node = new ArrayList<>();
            for (String name :
                    List.of(
                            "org.osgi.util.function",
                            "org.osgi.util.promise",
                            "org.osgi.service.component",
                            "org.apache.felix.scr",
                            "slf4j-api",
                            "slf4j-simple",
                            "ai.hanzo.node.api",
                            "ai.hanzo.node.core",
                            "ai.hanzo.node.rpc",
                            "ai.hanzo.node.inference")) {
                node.add(context.installBundle(bundle(name).toUri().toString()));
            }
            for (Bundle b : node) {
                b.start();
            }
            Path adminKey = data.resolve("admin.key");
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(adminKey));
            Metadata auth = new Metadata();
            auth.put(
                    Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER),
                    Files.readString(adminKey).trim());
            channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
            InferenceServiceGrpc.InferenceServiceBlockingStub client =
                    InferenceServiceGrpc.newBlockingStub(channel)
                            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(auth));
            await().atMost(Duration.ofMinutes(1))
                    .ignoreExceptionsMatching(
                            e ->
                                    e instanceof StatusRuntimeException s
                                            && s.getStatus().getCode() == Status.Code.UNIMPLEMENTED)
                    .until(() -> client.listModels(ListModelsRequest.getDefaultInstance()) != null);

            // no engine loads TorchScript yet: a clear refusal
            StatusRuntimeException noEngine =
                    assertThrows(StatusRuntimeException.class, () -> load(client, "early", model));
            assertEquals(Status.Code.FAILED_PRECONDITION, noEngine.getStatus().getCode());

            String pluginUri = Path.of(System.getProperty("pytorch.bundle")).toUri().toString();
            Bundle plugin = install(context, pluginUri);
            await().atMost(Duration.ofMinutes(3)).until(() -> pytorch(client).isPresent());
            EngineInfo engine = pytorch(client).orElseThrow();
            assertTrue(engine.getAvailable(), "pytorch self-test: " + engine.getReason());
            assertEquals(List.of("torchscript"), engine.getFormatsList());

            ModelInfo loaded = load(client, "classifier", model).getModel();
            assertEquals("ready", loaded.getState());
            assertEquals("pytorch", loaded.getEngine());
            assertEquals("cpu", loaded.getDevice());
            assertEquals(List.of("features"), names(loaded.getInputsList()));
            assertEquals(List.of("logits", "probabilities"), names(loaded.getOutputsList()));
            List<Expected> expected = expected();
            assertServesExpected(client, expected);

            // bad input: clear errors, and the model keeps serving
            StatusRuntimeException wrongShape =
                    assertThrows(
                            StatusRuntimeException.class,
                            () ->
                                    client.infer(
                                            InferRequest.newBuilder()
                                                    .setModel("classifier")
                                                    .addBatch(item(new float[7]))
                                                    .build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, wrongShape.getStatus().getCode());
            StatusRuntimeException bad =
                    assertThrows(
                            StatusRuntimeException.class, () -> load(client, "corrupt", corrupt));
            assertEquals(Status.Code.INVALID_ARGUMENT, bad.getStatus().getCode());
            assertTrue(
                    bad.getStatus().getDescription().contains("corrupt.pt"),
                    bad.getStatus().getDescription());
            StatusRuntimeException noGpu =
                    assertThrows(
                            StatusRuntimeException.class,
                            () ->
                                    client.loadModel(
                                            LoadModelRequest.newBuilder()
                                                    .setId("on-gpu")
                                                    .setUri(model.toUri().toString())
                                                    .setFormat("torchscript")
                                                    .setDevice("gpu:0")
                                                    .build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, noGpu.getStatus().getCode());
            assertEquals(
                    "engine pytorch has no device gpu:0; it has [cpu:0]",
                    noGpu.getStatus().getDescription());
            assertServesExpected(client, expected);

            // natives under the data dir's cache, nowhere else
            assertTrue(Files.isDirectory(data.resolve("cache/pytorch/natives")));
            assertTrue(
                    Files.notExists(Path.of(System.getProperty("user.home"), ".djl.ai", "pytorch"))
                            || Files.getLastModifiedTime(
                                                    Path.of(
                                                            System.getProperty("user.home"),
                                                            ".djl.ai",
                                                            "pytorch"))
                                            .toMillis()
                                    < ManagementFactory.getRuntimeMXBean().getStartTime(),
                    "nothing written to ~/.djl.ai/pytorch by this run");

            // uninstall and install again, without a restart
            List<WeakReference<ClassLoader>> oldLoaders = new ArrayList<>();
            Memory before = Memory.now();
            long started = System.nanoTime();
            for (int cycle = 1; cycle <= cycles; cycle++) {
                oldLoaders.add(
                        new WeakReference<>(plugin.adapt(BundleWiring.class).getClassLoader()));
                plugin.uninstall();
                refresh(context);
                ModelInfo gone =
                        await().atMost(Duration.ofMinutes(1))
                                .until(
                                        () -> classifier(client),
                                        m -> m.getState().equals("unavailable"));
                assertTrue(
                        gone.getError().contains("its engine pytorch was removed"),
                        gone.getError());
                StatusRuntimeException unavailable =
                        assertThrows(
                                StatusRuntimeException.class,
                                () -> infer(client, expected.get(0).features()));
                assertEquals(Status.Code.UNAVAILABLE, unavailable.getStatus().getCode());
                assertTrue(pytorch(client).isEmpty());

                plugin = install(context, pluginUri);
                ModelInfo back =
                        await().atMost(Duration.ofMinutes(3))
                                .until(() -> classifier(client), m -> m.getState().equals("ready"));
                assertEquals("pytorch", back.getEngine());
                assertServesExpected(client, expected);
            }
            long seconds = (System.nanoTime() - started) / 1_000_000_000L;
            oldLoaders.add(new WeakReference<>(plugin.adapt(BundleWiring.class).getClassLoader()));
            plugin.uninstall();
            refresh(context);
            await().atMost(Duration.ofMinutes(1))
                    .until(() -> classifier(client), m -> m.getState().equals("unavailable"));
            // to trace what holds a loader: -Dpytorch.itest.heapdump=/tmp/x.hprof, then
            // src/test/python/gc-root-path.py /tmp/x.hprof <a class of the plug-in>; dumped
            // before the check below, so that a failing run leaves one
            String heapDump = System.getProperty("pytorch.itest.heapdump", "");
            if (!heapDump.isEmpty()) {
                Files.deleteIfExists(Path.of(heapDump));
                ManagementFactory.getPlatformMXBean(
                                com.sun.management.HotSpotDiagnosticMXBean.class)
                        .dumpHeap(heapDump, true);
            }
            // every uninstalled bundle's class loader is collected, the first one too: DJL and
            // PyTorch live in the plug-in's runtime loader, which stays for the next install of
            // the same build, and nothing of the node keeps a class of the bundle (the failed
            // load of corrupt.pt above once did: its exception's stack trace, kept by the node)
            await().atMost(Duration.ofMinutes(1))
                    .pollInterval(Duration.ofMillis(500))
                    .until(
                            () -> {
                                System.gc();
                                return oldLoaders.stream().allMatch(r -> r.get() == null);
                            });
            Memory after = Memory.now();
            // PyTorch's libraries were loaded once: one directory of links for the one runtime
            try (java.util.stream.Stream<Path> left =
                    Files.list(data.resolve("cache/pytorch/generations"))) {
                assertEquals(1, left.count());
            }
            long collected = oldLoaders.stream().filter(r -> r.get() == null).count();
            System.out.printf(
                    "PyTorch plug-in reinstall: %d cycles in %d s; bundle class loaders collected"
                            + " %d/%d; heap after GC %d MB before / %d MB after; metaspace %d MB"
                            + " / %d MB; loaded classes %d / %d; RSS %d MB / %d MB%n",
                    cycles,
                    seconds,
                    collected,
                    oldLoaders.size(),
                    before.heapMb(),
                    after.heapMb(),
                    before.metaspaceMb(),
                    after.metaspaceMb(),
                    before.classes(),
                    after.classes(),
                    before.rssMb(),
                    after.rssMb());
            // the node kept serving through it all
            assertTrue(
                    client
                            .listModels(ListModelsRequest.getDefaultInstance())
                            .getModelsList()
                            .stream()
                            .anyMatch(m -> m.getId().equals("classifier")));
        } finally {
            if (channel != null) {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
            framework.stop();
            framework.waitForStop(60_000);
        }
    }

    /** Heap after a full GC, metaspace, loaded classes and the process's resident memory. */
    record Memory(long heapMb, long metaspaceMb, long classes, long rssMb) {
        static Memory now() {
            for (int i = 0; i < 3; i++) {
                System.gc();
            }
            long metaspace =
                    ManagementFactory.getMemoryPoolMXBeans().stream()
                            .filter(p -> p.getName().equals("Metaspace"))
                            .mapToLong(p -> p.getUsage().getUsed())
                            .sum();
            return new Memory(
                    ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20,
                    metaspace >> 20,
                    ManagementFactory.getClassLoadingMXBean().getLoadedClassCount(),
                    rss() >> 20);
        }

        private static long rss() {
            try {
                return Files.readAllLines(Path.of("/proc/self/status")).stream()
                        .filter(l -> l.startsWith("VmRSS:"))
                        .map(l -> l.replaceAll("[^0-9]", ""))
                        .mapToLong(kb -> Long.parseLong(kb) * 1024)
                        .findFirst()
                        .orElse(0);
            } catch (IOException e) {
                return 0;
            }
        }
    }

    private static Bundle install(BundleContext context, String uri) throws Exception {
        // reference: the framework reads the 110 MB jar where it is instead of copying it
        Bundle bundle = context.installBundle("reference:" + uri);
        bundle.start();
        return bundle;
    }

    private static void refresh(BundleContext context) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        context.getBundle(0)
                .adapt(FrameworkWiring.class)
                .refreshBundles(
                        null,
                        e -> {
                            if (e.getType() == FrameworkEvent.PACKAGES_REFRESHED) {
                                done.countDown();
                            }
                        });
        assertTrue(done.await(60, TimeUnit.SECONDS), "refresh did not finish");
    }

    private static ai.hanzo.node.proto.v1.LoadModelResponse load(
            InferenceServiceGrpc.InferenceServiceBlockingStub client, String id, Path file) {
        return client.withDeadlineAfter(3, TimeUnit.MINUTES)
                .loadModel(
                        LoadModelRequest.newBuilder()
                                .setId(id)
                                .setUri(file.toUri().toString())
                                .setFormat("torchscript")
                                .build());
    }

    private static Optional<EngineInfo> pytorch(
            InferenceServiceGrpc.InferenceServiceBlockingStub client) {
        ListModelsResponse list = client.listModels(ListModelsRequest.getDefaultInstance());
        return list.getEnginesList().stream()
                .filter(e -> e.getName().equals("pytorch"))
                .findFirst();
    }

    private static ModelInfo classifier(InferenceServiceGrpc.InferenceServiceBlockingStub client) {
        return client.listModels(ListModelsRequest.getDefaultInstance()).getModelsList().stream()
                .filter(m -> m.getId().equals("classifier"))
                .findFirst()
                .orElseThrow();
    }

    private static List<String> names(List<ai.hanzo.node.proto.v1.TensorSpec> specs) {
        return specs.stream().map(ai.hanzo.node.proto.v1.TensorSpec::getName).toList();
    }

    private static InferItem item(float[] features) {
        ByteBuffer data = ByteBuffer.allocate(features.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : features) {
            data.putFloat(f);
        }
        data.flip();
        return InferItem.newBuilder()
                .putTensors(
                        "features",
                        TensorProto.newBuilder()
                                .setDataType(DataType.DATA_TYPE_FLOAT32)
                                .addShape(features.length)
                                .setData(ByteString.copyFrom(data))
                                .build())
                .build();
    }

    private static InferResponse infer(
            InferenceServiceGrpc.InferenceServiceBlockingStub client, float[] features) {
        return client.withDeadlineAfter(30, TimeUnit.SECONDS)
                .infer(
                        InferRequest.newBuilder()
                                .setModel("classifier")
                                .addBatch(item(features))
                                .build());
    }

    /** Every item in one request (the node batches them) gives what PyTorch gave in Python. */
    private static void assertServesExpected(
            InferenceServiceGrpc.InferenceServiceBlockingStub client, List<Expected> expected) {
        InferRequest.Builder request = InferRequest.newBuilder().setModel("classifier");
        expected.forEach(e -> request.addBatch(item(e.features())));
        InferResponse response =
                client.withDeadlineAfter(30, TimeUnit.SECONDS).infer(request.build());
        assertEquals(expected.size(), response.getOutputsCount());
        for (int i = 0; i < expected.size(); i++) {
            assertClose(expected.get(i).logits(), floats(response.getOutputs(i), "logits"));
            assertClose(
                    expected.get(i).probabilities(),
                    floats(response.getOutputs(i), "probabilities"));
        }
    }

    private static float[] floats(InferItem output, String name) {
        TensorProto tensor = output.getTensorsOrThrow(name);
        assertEquals(DataType.DATA_TYPE_FLOAT32, tensor.getDataType());
        assertEquals(List.of(4L), tensor.getShapeList());
        ByteBuffer data = tensor.getData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[data.remaining() / 4];
        data.asFloatBuffer().get(values);
        return values;
    }

    private static void assertClose(float[] wanted, float[] actual) {
        assertEquals(wanted.length, actual.length);
        for (int i = 0; i < wanted.length; i++) {
            assertEquals(wanted[i], actual[i], TOLERANCE, "value " + i);
        }
    }
}
