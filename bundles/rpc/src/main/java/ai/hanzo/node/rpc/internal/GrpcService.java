package ai.hanzo.node.rpc.internal;

import io.grpc.BindableService;

/**
 * A gRPC service the node's server adds while it is registered: a Declarative Services component of
 * this bundle, registered under this interface, that extends a generated {@code *ImplBase} (which
 * provides {@link #bindService()}). Its component takes the api service it serves from as a
 * mandatory reference, so it is there exactly while that api service is; the server serves it
 * behind authentication and call metrics, and answers UNIMPLEMENTED with a clear message for a
 * known service while none is registered. Contract for authors: /work/coord/rpc-service-contract.md
 * and the README's plugin author guide.
 */
public interface GrpcService extends BindableService {}
