package ai.hanzo.node.rpc.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of the gRPC server, PID {@code ai.hanzo.node.rpc} ({@code
 * etc/ai.hanzo.node.rpc.cfg}). The listen address comes from {@code --grpc-addr} / {@code
 * HANZO_GRPC_ADDR}.
 */
@ObjectClassDefinition(name = "Hanzo node gRPC server")
@interface RpcConfiguration {
    /**
     * @return the largest request message accepted
     */
    @AttributeDefinition(description = "Largest inbound message in bytes")
    int maxInboundMessageBytes() default 16 * 1024 * 1024;

    /**
     * @return whether the reflection service is offered
     */
    @AttributeDefinition(
            description = "Offer grpc.reflection.v1 so tools like grpcurl can list services")
    boolean reflection() default true;

    /**
     * @return how long in-flight calls get when the server stops
     */
    @AttributeDefinition(
            description = "Seconds in-flight calls get to finish when the server stops")
    int shutdownGraceSeconds() default 5;
}
