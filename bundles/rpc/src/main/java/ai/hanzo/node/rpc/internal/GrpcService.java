package ai.hanzo.node.rpc.internal;

import io.grpc.BindableService;

/**
 * A gRPC service the server adds to its running registry while the component is active (see
 * /work/coord/rpc-service-contract.md): register an implementation as a DS component with this
 * service type; the generated {@code bindService()} is all it needs.
 */
public interface GrpcService extends BindableService {}
