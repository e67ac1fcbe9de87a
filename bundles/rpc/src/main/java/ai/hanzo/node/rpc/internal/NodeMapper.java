package ai.hanzo.node.rpc.internal;

import ai.hanzo.node.api.node.GpuInfo;
import ai.hanzo.node.api.node.NodeCapabilities;
import ai.hanzo.node.api.node.NodeMetrics;
import ai.hanzo.node.api.node.NodeState;
import ai.hanzo.node.proto.v1.HealthStatus;
import java.util.List;

/** Converts the node's api values to their wire messages and back. */
final class NodeMapper {
    private NodeMapper() {}

    static ai.hanzo.node.proto.v1.NodeMetrics toWire(NodeMetrics m) {
        return ai.hanzo.node.proto.v1.NodeMetrics.newBuilder()
                .setCpuUsage(m.cpuUsage())
                .setMemoryUsage(m.memoryUsage())
                .setDiskUsage(m.diskUsage())
                .setNetworkRxBytes(m.networkRxBytesPerSecond())
                .setNetworkTxBytes(m.networkTxBytesPerSecond())
                .setActiveContainers(Math.max(0, m.activeContainers()))
                .build();
    }

    static NodeMetrics fromWire(ai.hanzo.node.proto.v1.NodeMetrics m) {
        return new NodeMetrics(
                m.getCpuUsage(),
                m.getMemoryUsage(),
                m.getDiskUsage(),
                m.getNetworkRxBytes(),
                m.getNetworkTxBytes(),
                m.getActiveContainers());
    }

    static ai.hanzo.node.proto.v1.NodeCapabilities toWire(NodeCapabilities c) {
        ai.hanzo.node.proto.v1.NodeCapabilities.Builder b =
                ai.hanzo.node.proto.v1.NodeCapabilities.newBuilder()
                        .setCpuCores(c.cpuCores())
                        .setMemoryBytes(c.memoryBytes())
                        .setDiskBytes(c.diskBytes())
                        .setMlxEnabled(c.mlxEnabled())
                        .addAllSupportedRuntimes(c.runtimes())
                        .setRegion(c.region())
                        .setZone(c.zone());
        for (GpuInfo gpu : c.gpus()) {
            b.addGpus(
                    ai.hanzo.node.proto.v1.GpuInfo.newBuilder()
                            .setModel(gpu.model())
                            .setMemoryBytes(gpu.memoryBytes())
                            .setDriverVersion(gpu.driverVersion()));
        }
        return b.build();
    }

    static NodeCapabilities fromWire(ai.hanzo.node.proto.v1.NodeCapabilities c) {
        return new NodeCapabilities(
                c.getCpuCores(),
                c.getMemoryBytes(),
                c.getDiskBytes(),
                c.getGpusList().stream()
                        .map(
                                g ->
                                        new GpuInfo(
                                                g.getModel(),
                                                g.getMemoryBytes(),
                                                g.getDriverVersion()))
                        .toList(),
                c.getMlxEnabled(),
                c.getSupportedRuntimesList(),
                List.of(),
                List.of(),
                c.getRegion(),
                c.getZone());
    }

    static ai.hanzo.node.proto.v1.NodeState toWire(NodeState state) {
        return switch (state) {
            case STARTING -> ai.hanzo.node.proto.v1.NodeState.NODE_STATE_STARTING;
            case READY -> ai.hanzo.node.proto.v1.NodeState.NODE_STATE_READY;
            case DRAINING -> ai.hanzo.node.proto.v1.NodeState.NODE_STATE_DRAINING;
            case STOPPED -> ai.hanzo.node.proto.v1.NodeState.NODE_STATE_STOPPED;
        };
    }

    static HealthStatus toWire(ai.hanzo.node.api.node.HealthStatus status) {
        return switch (status) {
            case HEALTHY -> HealthStatus.HEALTH_STATUS_HEALTHY;
            case DEGRADED -> HealthStatus.HEALTH_STATUS_DEGRADED;
            case UNHEALTHY -> HealthStatus.HEALTH_STATUS_UNHEALTHY;
        };
    }

    static ai.hanzo.node.proto.v1.NodeEvent toWire(ai.hanzo.node.api.event.NodeEvent e) {
        return ai.hanzo.node.proto.v1.NodeEvent.newBuilder()
                .setTimestamp(e.timestamp().getEpochSecond())
                .setEventType(e.type())
                .setResourceType(e.resourceType())
                .setResourceId(e.resourceId())
                .setMessage(e.message())
                .putAllAttributes(e.attributes())
                .build();
    }
}
