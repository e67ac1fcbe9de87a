package ai.hanzo.node.storage.internal;

import ai.hanzo.node.api.compute.ComposeSpec;
import ai.hanzo.node.api.compute.ContainerRecord;
import ai.hanzo.node.api.compute.DependencyCondition;
import ai.hanzo.node.api.compute.DeploySpec;
import ai.hanzo.node.api.compute.Deployment;
import ai.hanzo.node.api.compute.DeploymentOptions;
import ai.hanzo.node.api.compute.DeploymentState;
import ai.hanzo.node.api.compute.HealthcheckSpec;
import ai.hanzo.node.api.compute.NetworkSpec;
import ai.hanzo.node.api.compute.ResourceLimits;
import ai.hanzo.node.api.compute.ResourceSpec;
import ai.hanzo.node.api.compute.ServiceDependency;
import ai.hanzo.node.api.compute.ServiceSpec;
import ai.hanzo.node.api.compute.VolumeSpec;
import ai.hanzo.node.api.runtime.ContainerState;
import ai.hanzo.node.api.runtime.DeviceRequest;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The schema-versioned binary encoding of stored values. Every value starts with one byte: the
 * schema version it was written with. A reader decodes every version up to {@link #SCHEMA_VERSION}
 * (a newer node reads an older store); a higher version means the value was written by a newer node
 * and is reported, never guessed at.
 *
 * <p>Evolving it: add fields at the end under a new version, keep the decoding of every old
 * version, and bump {@link #SCHEMA_VERSION}. Enums are stored by name so that reordering them does
 * not change stored data.
 */
final class ValueCodec {
    /** The newest schema this node writes and reads. */
    static final int SCHEMA_VERSION = 3;

    private ValueCodec() {}

    /** A stored value that cannot be decoded. */
    static final class UndecodableValueException extends Exception {
        private static final long serialVersionUID = 1L;

        UndecodableValueException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    @FunctionalInterface
    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    @FunctionalInterface
    private interface Reader<T> {
        T read(DataInputStream in) throws IOException;
    }

    /** Reads a value whose layout depends on the schema version it was written with. */
    @FunctionalInterface
    private interface VersionedReader<T> {
        T read(DataInputStream in, int version) throws IOException;
    }

    // --- entry points

    static byte[] encodeDeployment(Deployment d) {
        return encode(
                out -> {
                    str(out, d.id());
                    str(out, d.name());
                    compose(out, d.spec());
                    strMap(out, d.environment());
                    options(out, d.options());
                    out.writeInt(d.replicas().size());
                    for (Map.Entry<String, Integer> e : d.replicas().entrySet()) {
                        str(out, e.getKey());
                        out.writeInt(e.getValue());
                    }
                    str(out, d.state().name());
                    str(out, d.message());
                    instant(out, d.createdAt());
                    instant(out, d.updatedAt());
                });
    }

    static Deployment decodeDeployment(byte[] bytes) throws UndecodableValueException {
        return decodeVersioned(
                bytes,
                "deployment",
                (in, version) -> {
                    String id = str(in);
                    String name = str(in);
                    ComposeSpec spec = compose(in, version);
                    Map<String, String> env = strMap(in);
                    DeploymentOptions options = options(in, version);
                    int n = count(in);
                    Map<String, Integer> replicas = new LinkedHashMap<>();
                    for (int i = 0; i < n; i++) {
                        replicas.put(str(in), in.readInt());
                    }
                    DeploymentState state = DeploymentState.valueOf(str(in));
                    String message = str(in);
                    return new Deployment(
                            id,
                            name,
                            spec,
                            env,
                            options,
                            replicas,
                            state,
                            message,
                            instant(in),
                            instant(in));
                });
    }

    static byte[] encodeContainer(ContainerRecord c) {
        return encode(
                out -> {
                    str(out, c.id());
                    str(out, c.deploymentId());
                    str(out, c.service());
                    out.writeInt(c.replica());
                    str(out, c.runtime());
                    str(out, nullToEmpty(c.name()));
                    str(out, nullToEmpty(c.image()));
                    str(out, c.state().name());
                    instant(out, c.createdAt());
                    strList(out, c.ports());
                    strMap(out, c.labels());
                    out.writeInt(c.restarts());
                });
    }

    static ContainerRecord decodeContainer(byte[] bytes) throws UndecodableValueException {
        return decodeVersioned(
                bytes,
                "container",
                (in, version) ->
                        new ContainerRecord(
                                str(in),
                                str(in),
                                str(in),
                                in.readInt(),
                                str(in),
                                str(in),
                                str(in),
                                ContainerState.valueOf(str(in)),
                                instant(in),
                                strList(in),
                                strMap(in),
                                // the restart count came with schema version 3
                                version >= 3 ? in.readInt() : 0));
    }

    static byte[] encodeIdList(List<String> ids) {
        return encode(out -> strList(out, ids));
    }

    static List<String> decodeIdList(byte[] bytes) throws UndecodableValueException {
        return decode(bytes, "container index", ValueCodec::strList);
    }

    static byte[] encodeString(String s) {
        return encode(out -> str(out, s));
    }

    static String decodeString(byte[] bytes) throws UndecodableValueException {
        return decode(bytes, "config entry", ValueCodec::str);
    }

    static byte[] encodeLong(long value) {
        return encode(out -> out.writeLong(value));
    }

    static long decodeLong(byte[] bytes) throws UndecodableValueException {
        return decode(bytes, "metrics watermark", DataInputStream::readLong);
    }

    // --- framing

    private static byte[] encode(Writer writer) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(SCHEMA_VERSION);
            writer.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // cannot happen on a byte array
        }
        return bytes.toByteArray();
    }

    private static int checkVersion(byte[] bytes, String what) throws UndecodableValueException {
        if (bytes == null || bytes.length == 0) {
            throw new UndecodableValueException("empty " + what + " value", null);
        }
        int version = bytes[0] & 0xff;
        if (version == 0 || version > SCHEMA_VERSION) {
            throw new UndecodableValueException(
                    what
                            + " value has schema version "
                            + version
                            + ", this node reads 1.."
                            + SCHEMA_VERSION
                            + " (written by a newer node?)",
                    null);
        }
        return version;
    }

    private static <T> T decode(byte[] bytes, String what, Reader<T> reader)
            throws UndecodableValueException {
        return decodeVersioned(bytes, what, (in, version) -> reader.read(in));
    }

    private static <T> T decodeVersioned(byte[] bytes, String what, VersionedReader<T> reader)
            throws UndecodableValueException {
        int version = checkVersion(bytes, what);
        try (DataInputStream in =
                new DataInputStream(new java.io.ByteArrayInputStream(bytes, 1, bytes.length - 1))) {
            T value = reader.read(in, version);
            if (in.available() != 0) {
                throw new IOException(in.available() + " trailing bytes");
            }
            return value;
        } catch (IOException | RuntimeException e) {
            throw new UndecodableValueException("damaged " + what + " value: " + e, e);
        }
    }

    // --- building blocks

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    private static void str(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String str(DataInputStream in) throws IOException {
        int n = count(in);
        byte[] b = new byte[n];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private static int count(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > in.available()) {
            throw new EOFException(
                    "length " + n + " exceeds the remaining " + in.available() + " bytes");
        }
        return n;
    }

    private static void instant(DataOutputStream out, Instant t) throws IOException {
        out.writeLong(t.getEpochSecond());
        out.writeInt(t.getNano());
    }

    private static Instant instant(DataInputStream in) throws IOException {
        return Instant.ofEpochSecond(in.readLong(), in.readInt());
    }

    private static void strList(DataOutputStream out, List<String> list) throws IOException {
        out.writeInt(list.size());
        for (String s : list) {
            str(out, s);
        }
    }

    private static List<String> strList(DataInputStream in) throws IOException {
        int n = count(in);
        List<String> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            list.add(str(in));
        }
        return list;
    }

    private static void strMap(DataOutputStream out, Map<String, String> map) throws IOException {
        out.writeInt(map.size());
        for (Map.Entry<String, String> e : map.entrySet()) {
            str(out, e.getKey());
            str(out, e.getValue());
        }
    }

    private static Map<String, String> strMap(DataInputStream in) throws IOException {
        int n = count(in);
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            map.put(str(in), str(in));
        }
        return map;
    }

    private static void opt(DataOutputStream out, Optional<?> value) throws IOException {
        out.writeBoolean(value.isPresent());
    }

    private static void limits(DataOutputStream out, Optional<ResourceLimits> limits)
            throws IOException {
        opt(out, limits);
        if (limits.isPresent()) {
            str(out, nullToEmpty(limits.get().cpus()));
            str(out, nullToEmpty(limits.get().memory()));
        }
    }

    private static Optional<ResourceLimits> limits(DataInputStream in) throws IOException {
        return in.readBoolean()
                ? Optional.of(new ResourceLimits(str(in), str(in)))
                : Optional.empty();
    }

    private static void options(DataOutputStream out, DeploymentOptions o) throws IOException {
        str(out, nullToEmpty(o.namespace()));
        str(out, nullToEmpty(o.environment()));
        strMap(out, o.labels());
        limits(out, o.resourceLimits());
    }

    private static DeploymentOptions options(DataInputStream in, int version) throws IOException {
        String namespace = str(in);
        String environment = str(in);
        Map<String, String> labels = strMap(in);
        Optional<ResourceLimits> limits = limits(in);
        if (version == 1) {
            // schema 1 kept the runtime in its own field; since 2 it is only the label
            String runtime = str(in);
            if (!runtime.isEmpty()) {
                labels.putIfAbsent(DeploymentOptions.RUNTIME_LABEL, runtime);
            }
        }
        return new DeploymentOptions(namespace, environment, labels, limits);
    }

    private static void compose(DataOutputStream out, ComposeSpec c) throws IOException {
        str(out, nullToEmpty(c.version()));
        str(out, nullToEmpty(c.name()));
        out.writeInt(c.services().size());
        for (Map.Entry<String, ServiceSpec> e : c.services().entrySet()) {
            str(out, e.getKey());
            service(out, e.getValue());
        }
        out.writeInt(c.networks().size());
        for (Map.Entry<String, NetworkSpec> e : c.networks().entrySet()) {
            str(out, e.getKey());
            str(out, nullToEmpty(e.getValue().driver()));
            out.writeBoolean(e.getValue().external());
        }
        out.writeInt(c.volumes().size());
        for (Map.Entry<String, VolumeSpec> e : c.volumes().entrySet()) {
            str(out, e.getKey());
            str(out, nullToEmpty(e.getValue().driver()));
            strMap(out, e.getValue().driverOptions());
        }
    }

    private static ComposeSpec compose(DataInputStream in, int schema) throws IOException {
        String version = str(in);
        String name = str(in);
        int n = count(in);
        Map<String, ServiceSpec> services = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            services.put(str(in), service(in, schema));
        }
        n = count(in);
        Map<String, NetworkSpec> networks = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            networks.put(str(in), new NetworkSpec(str(in), in.readBoolean()));
        }
        n = count(in);
        Map<String, VolumeSpec> volumes = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            volumes.put(str(in), new VolumeSpec(str(in), strMap(in)));
        }
        return new ComposeSpec(version, name, services, networks, volumes);
    }

    private static void service(DataOutputStream out, ServiceSpec s) throws IOException {
        str(out, nullToEmpty(s.image()));
        strList(out, s.command());
        strList(out, s.entrypoint());
        strMap(out, s.environment());
        strList(out, s.ports());
        strList(out, s.volumes());
        strList(out, s.networks());
        opt(out, s.deploy());
        if (s.deploy().isPresent()) {
            DeploySpec d = s.deploy().get();
            out.writeInt(d.replicas());
            opt(out, d.resources());
            if (d.resources().isPresent()) {
                limits(out, d.resources().get().limits());
                limits(out, d.resources().get().reservations());
            }
        }
        opt(out, s.healthcheck());
        if (s.healthcheck().isPresent()) {
            HealthcheckSpec h = s.healthcheck().get();
            strList(out, h.test());
            str(out, nullToEmpty(h.interval()));
            str(out, nullToEmpty(h.timeout()));
            out.writeInt(h.retries());
            str(out, nullToEmpty(h.startPeriod()));
        }
        str(out, nullToEmpty(s.restart()));
        // schema 2
        str(out, s.workingDir());
        str(out, s.user());
        str(out, s.stopSignal());
        str(out, s.stopGracePeriod());
        out.writeInt(s.dependsOn().size());
        for (Map.Entry<String, ServiceDependency> e : s.dependsOn().entrySet()) {
            str(out, e.getKey());
            str(out, e.getValue().condition().name());
            out.writeBoolean(e.getValue().required());
        }
        out.writeInt(s.devices().size());
        for (DeviceRequest d : s.devices()) {
            str(out, d.driver());
            out.writeInt(d.count());
            strList(out, d.deviceIds());
            strList(out, d.capabilities());
            strMap(out, d.options());
        }
        strMap(out, s.labels());
    }

    private static ServiceSpec service(DataInputStream in, int version) throws IOException {
        String image = str(in);
        List<String> command = strList(in);
        List<String> entrypoint = strList(in);
        Map<String, String> env = strMap(in);
        List<String> ports = strList(in);
        List<String> volumes = strList(in);
        List<String> networks = strList(in);
        Optional<DeploySpec> deploy = Optional.empty();
        if (in.readBoolean()) {
            int replicas = in.readInt();
            Optional<ResourceSpec> resources =
                    in.readBoolean()
                            ? Optional.of(new ResourceSpec(limits(in), limits(in)))
                            : Optional.empty();
            deploy = Optional.of(new DeploySpec(replicas, resources));
        }
        Optional<HealthcheckSpec> health =
                in.readBoolean()
                        ? Optional.of(
                                new HealthcheckSpec(
                                        strList(in), str(in), str(in), in.readInt(), str(in)))
                        : Optional.empty();
        String restart = str(in);
        if (version == 1) {
            return new ServiceSpec(
                    image,
                    command,
                    entrypoint,
                    env,
                    ports,
                    volumes,
                    networks,
                    deploy,
                    health,
                    restart,
                    "",
                    "",
                    "",
                    "",
                    Map.of(),
                    List.of(),
                    Map.of());
        }
        String workingDir = str(in);
        String user = str(in);
        String stopSignal = str(in);
        String stopGracePeriod = str(in);
        int n = count(in);
        Map<String, ServiceDependency> dependsOn = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            dependsOn.put(
                    str(in),
                    new ServiceDependency(DependencyCondition.valueOf(str(in)), in.readBoolean()));
        }
        n = count(in);
        List<DeviceRequest> devices = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            devices.add(
                    new DeviceRequest(str(in), in.readInt(), strList(in), strList(in), strMap(in)));
        }
        return new ServiceSpec(
                image,
                command,
                entrypoint,
                env,
                ports,
                volumes,
                networks,
                deploy,
                health,
                restart,
                workingDir,
                user,
                stopSignal,
                stopGracePeriod,
                dependsOn,
                devices,
                strMap(in));
    }
}
