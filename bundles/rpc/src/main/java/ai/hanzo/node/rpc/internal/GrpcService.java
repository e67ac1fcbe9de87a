package ai.hanzo.node.rpc.internal;

import io.grpc.BindableService;

/**
 * A gRPC service the server adds while it is registered (see the rpc service contract): each
 * implementation is a DS component in its own {@code internal.<area>} package.
 */
public interface GrpcService extends BindableService {}
